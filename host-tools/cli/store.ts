// Opening the aggregator's store from the command line: a path that does not exist is an error
// (STORE_MISSING) unless --create says to make a new store, so a typo never starts a new ledger.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Aggregator } from '../aggregator/aggregator';
import { secretPaths, secretsFor } from '../aggregator/server';
import { CommandError } from './command';

export const STORE_PATH_DEFAULT = 'data/aggregator.sqlite';

export type OpenedStore = { aggregator: Aggregator; adminToken: string; created: boolean };

/**
 * Opens the store at `dbPath` with the keys beside it. A missing store is made (with new keys) only
 * when `create`; a store whose keys are missing is refused either way, since new keys would disown
 * every membership record the old consortium key signed.
 */
export function openStore(dbPath: string, create: boolean): OpenedStore {
  const created = !existsSync(dbPath);
  if (created && !create) throw new CommandError('STORE_MISSING', `${dbPath} does not exist (--create makes a new store there)`);
  const missingKeys = Object.values(secretPaths(dbPath)).filter((path) => !existsSync(path));
  if (!created && missingKeys.length > 0) throw new CommandError('STORE_KEYS_MISSING', `${dbPath} exists but ${missingKeys.join(', ')} is missing beside it`);
  try {
    if (created) mkdirSync(dirname(dbPath), { recursive: true });
    const secrets = secretsFor(dbPath, created);
    const aggregator = new Aggregator({ dbPath, consortiumSeed: secrets.consortiumSeed, aggregatorSeed: secrets.aggregatorSeed });
    return { aggregator, adminToken: secrets.adminToken, created };
  } catch (error) {
    throw new CommandError('STORE_UNREADABLE', `cannot open ${dbPath}: ${(error as Error).message}`);
  }
}
