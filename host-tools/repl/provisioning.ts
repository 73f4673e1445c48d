// The provisioning file a board reads at boot (docs/boards.md "Provisioning", boards/common/provision.ts),
// made on the host from the board's key file (`smartchain keygen`), its member id and token key
// (`smartchain member add`) and the aggregator's store (the consortium's and the aggregator's public keys,
// from the seeds kept beside the store, and the members known at start). Every input is checked before
// anything is written: the key file's public key must belong to its seed and be the member's registered
// key, and the token key must be the one the aggregator derives for that member. The store is opened
// read-only: nothing on the host changes.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { publicKeyFromSeed } from '../crypto/verify-host';
import { tokenKeyFor } from '../crypto/token-key';

/** A key file is one small JSON object: {"seed", "public_key"} in hex. */
const KEY_FILE_BYTES_MAX = 4096;
/** The members a board keeps at start: its node's member table (firmware/node.ts capacitiesFor). */
export const MEMBERS_MAX = { pico: 16, 'pico-stock': 16, esp32: 32 } as const;
const HEX_32 = /^[0-9a-f]{64}$/;

export class ProvisionError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

export type ProvisionInputs = { board: 'pico' | 'pico-stock' | 'esp32'; keyFile: string; memberId: number; tokenKey: string; dbPath: string };

function readSeedFile(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new ProvisionError('STORE_KEYS_MISSING', `${path} (the ${what} seed kept beside the store) does not exist`);
  const text = readFileSync(path, 'utf8').trim();
  if (!HEX_32.test(text)) throw new ProvisionError('STORE_KEYS_INVALID', `${path} is not 32 bytes of hex`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** The board's key pair from a `smartchain keygen` file, checked: the public key belongs to the seed. */
export function readKeyFile(path: string): { seed: string; publicKey: string } {
  if (!existsSync(path) || !statSync(path).isFile()) throw new ProvisionError('KEY_FILE_MISSING', `no key file ${path} (make one with smartchain keygen --out FILE)`);
  if (statSync(path).size > KEY_FILE_BYTES_MAX) throw new ProvisionError('KEY_FILE_INVALID', `${path} is over ${KEY_FILE_BYTES_MAX} bytes: not a key file`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ProvisionError('KEY_FILE_INVALID', `${path} is not JSON (smartchain keygen writes {"seed", "public_key"})`);
  }
  const record = data as { seed?: unknown; public_key?: unknown };
  if (typeof record !== 'object' || record === null || typeof record.seed !== 'string' || typeof record.public_key !== 'string' || !HEX_32.test(record.seed) || !HEX_32.test(record.public_key)) {
    throw new ProvisionError('KEY_FILE_INVALID', `${path} needs "seed" and "public_key", each 64 lowercase hex digits`);
  }
  const derived = Buffer.from(publicKeyFromSeed(new Uint8Array(Buffer.from(record.seed, 'hex')))).toString('hex');
  if (derived !== record.public_key) throw new ProvisionError('KEY_FILE_INVALID', `${path}: its public_key does not belong to its seed`);
  return { seed: record.seed, publicKey: record.public_key };
}

/** The provisioning JSON for one board, every input checked (see the file comment). */
export function buildProvisioning(inputs: ProvisionInputs): string {
  const key = readKeyFile(inputs.keyFile);
  if (!existsSync(inputs.dbPath)) throw new ProvisionError('STORE_MISSING', `no aggregator store ${inputs.dbPath} (--db)`);
  const directory = dirname(inputs.dbPath);
  const consortiumSeed = readSeedFile(join(directory, 'consortium.key'), 'consortium');
  const aggregatorSeed = readSeedFile(join(directory, 'aggregator.key'), 'aggregator');
  const expectedTokenKey = Buffer.from(tokenKeyFor(consortiumSeed, inputs.memberId)).toString('hex');
  let rows: { id: number; public_key: Buffer; balance: number }[];
  const database = (() => {
    try {
      return new Database(inputs.dbPath, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new ProvisionError('STORE_UNREADABLE', `${inputs.dbPath}: ${(error as Error).message}`);
    }
  })();
  try {
    const own = database.prepare('SELECT id, public_key, balance FROM members WHERE id = ?').all(inputs.memberId) as typeof rows;
    if (own.length === 0) throw new ProvisionError('MEMBER_UNKNOWN', `member ${inputs.memberId} is not in ${inputs.dbPath} (smartchain member add)`);
    const others = database.prepare('SELECT id, public_key, balance FROM members WHERE id <> ? ORDER BY id LIMIT ?').all(inputs.memberId, MEMBERS_MAX[inputs.board] - 1) as typeof rows;
    rows = [...own, ...others];
  } catch (error) {
    if (error instanceof ProvisionError) throw error;
    throw new ProvisionError('STORE_UNREADABLE', `${inputs.dbPath}: ${(error as Error).message}`);
  } finally {
    database.close();
  }
  if (rows[0].public_key.toString('hex') !== key.publicKey) {
    throw new ProvisionError('MEMBER_KEY_MISMATCH', `member ${inputs.memberId} is registered with another public key than ${inputs.keyFile}'s`);
  }
  if (inputs.tokenKey !== expectedTokenKey) throw new ProvisionError('TOKEN_KEY_MISMATCH', `--token-key is not member ${inputs.memberId}'s token key in ${inputs.dbPath}`);
  return JSON.stringify({
    member: inputs.memberId,
    seed: key.seed,
    token_key: inputs.tokenKey,
    consortium_public_key: Buffer.from(publicKeyFromSeed(consortiumSeed)).toString('hex'),
    aggregator_public_key: Buffer.from(publicKeyFromSeed(aggregatorSeed)).toString('hex'),
    members: rows.map((row) => ({ id: row.id, public_key: row.public_key.toString('hex'), balance: row.balance })),
  });
}
