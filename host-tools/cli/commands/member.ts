// `smartchain member add|list`: the consortium's registry, through a running aggregator's API (with
// the admin token) or on a store no aggregator has open (the keys sit beside it).
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { call } from '../../loadgen/loadgen';
import { Command, CommandError, UsageError, parseIntegerOption } from '../command';
import { openStore } from '../store';

export const ADMIN_TOKEN_FILE_DEFAULT = 'data/admin.token';

type Added = { id: number; record: string; token_key: string };
type Listed = { id: number; public_key: string; balance: number };

/** Reads the aggregator's admin token (64 hex digits) from `path`. */
export function readAdminToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new CommandError('ADMIN_TOKEN_MISSING', `cannot read the admin token from ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (--admin-token-file names it)`);
  }
  if (!/^[0-9a-f]{64}$/.test(text)) throw new CommandError('ADMIN_TOKEN_INVALID', `${path} does not hold an admin token (64 hex digits)`);
  return text;
}

/** Checks --aggregator: http://HOST:PORT. */
export function parseAggregatorUrl(text: string): string {
  if (!/^http:\/\/[^/\s]+\/?$/.test(text)) throw new UsageError(`--aggregator must be http://HOST:PORT, got ${text}`, 'OPTION_INVALID');
  return text;
}

/** One request to the aggregator's API; an unreachable aggregator is AGGREGATOR_UNREACHABLE. */
async function request(url: string, method: string, path: string, body: string | null, headers: Record<string, string>) {
  const agent = new Agent({ keepAlive: false });
  try {
    return await call(agent, url, method, path, body, headers);
  } catch (error) {
    throw new CommandError('AGGREGATOR_UNREACHABLE', `cannot reach ${url}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    agent.destroy();
  }
}

async function addThroughApi(url: string, adminToken: string, publicKey: string, grant: number): Promise<Added> {
  const answer = await request(url, 'POST', '/v1/members', JSON.stringify({ public_key: publicKey, grant }), {
    authorization: `Bearer ${adminToken}`, 'content-type': 'application/json',
  });
  if (answer.status !== 201) throw new CommandError(String(answer.json.code ?? `HTTP_${answer.status}`), String(answer.json.message ?? `the aggregator answered ${answer.status}`));
  return answer.json as Added;
}

async function listThroughApi(url: string): Promise<Listed[]> {
  const answer = await request(url, 'GET', '/v1/members', null, {});
  if (answer.status !== 200) throw new CommandError(String(answer.json.code ?? `HTTP_${answer.status}`), String(answer.json.message ?? `the aggregator answered ${answer.status}`));
  return answer.json.members as Listed[];
}

function addToStore(dbPath: string, create: boolean, publicKey: string, grant: number): Added {
  const { aggregator } = openStore(dbPath, create);
  try {
    const result = aggregator.addMember(new Uint8Array(Buffer.from(publicKey, 'hex')), grant);
    if (!result.ok) throw new CommandError(result.code, result.message);
    return { id: result.id, record: result.record, token_key: Buffer.from(result.tokenKey).toString('hex') };
  } finally {
    aggregator.close();
  }
}

function listStore(dbPath: string, create: boolean): Listed[] {
  const { aggregator } = openStore(dbPath, create);
  try {
    return aggregator.members().map((row) => ({ id: row.id, public_key: row.public_key.toString('hex'), balance: row.balance }));
  } finally {
    aggregator.close();
  }
}

export const command: Command = {
  name: 'member',
  summary: 'add or list members of the permissioned ledger',
  usage: `smartchain member add --pubkey HEX [--grant N] (--aggregator URL [--admin-token-file FILE] | --db FILE [--create]) [--json]
smartchain member list (--aggregator URL | --db FILE) [--json]

add   the consortium signs a membership record for the Ed25519 key (64 hex digits), with an initial
      Ecash grant of N minor units (default 0); prints the new member id and its proof-of-time
      token key, a secret between the board and the aggregator that goes into the board's provision.json
list  every member with its balance
  --aggregator URL         a running aggregator, e.g. http://127.0.0.1:7700 (adding needs its admin token)
  --admin-token-file FILE  the admin token beside the aggregator's store (default data/admin.token)
  --db FILE                a store no aggregator has open (a running one would not see the change)
  --create                 make a new store at FILE when it does not exist`,
  options: {
    pubkey: { type: 'string' }, grant: { type: 'string' }, db: { type: 'string' }, create: { type: 'boolean' }, json: { type: 'boolean' },
    aggregator: { type: 'string' }, 'admin-token-file': { type: 'string' },
  },
  positionals: true,
  async run(values, positionals) {
    const action = positionals[0];
    if ((action !== 'add' && action !== 'list') || positionals.length !== 1) throw new UsageError('say member add or member list', 'ARGUMENT_INVALID');
    const url = typeof values.aggregator === 'string' ? parseAggregatorUrl(values.aggregator) : null;
    const dbPath = typeof values.db === 'string' ? values.db : null;
    if ((url === null) === (dbPath === null)) throw new UsageError('say where the registry is: --aggregator URL (a running aggregator) or --db FILE', url === null ? 'OPTION_MISSING' : 'OPTION_INVALID');
    if (url !== null && values.create === true) throw new UsageError('--create goes with --db', 'OPTION_INVALID');
    if (action === 'add') {
      const pubkey = values.pubkey;
      if (typeof pubkey !== 'string' || !/^[0-9a-f]{64}$/i.test(pubkey)) throw new UsageError('--pubkey must be 64 hex digits', pubkey === undefined ? 'OPTION_MISSING' : 'OPTION_INVALID');
      const grant = parseIntegerOption(values, 'grant', 0, 1e12, 0);
      const publicKey = pubkey.toLowerCase();
      const added = url !== null
        ? await addThroughApi(url, readAdminToken(typeof values['admin-token-file'] === 'string' ? values['admin-token-file'] : ADMIN_TOKEN_FILE_DEFAULT), publicKey, grant)
        : addToStore(dbPath as string, values.create === true, publicKey, grant);
      // The token key is the board's secret with the aggregator: it goes into its provision.json (docs/boards.md).
      console.log(values.json === true ? JSON.stringify(added) : `member ${added.id} (membership record ${added.record}); token_key ${added.token_key}`);
    } else {
      const members = url !== null ? await listThroughApi(url) : listStore(dbPath as string, values.create === true);
      if (values.json === true) console.log(JSON.stringify(members));
      else for (const row of members) console.log(`${String(row.id).padStart(5)}  ${row.public_key}  ${row.balance}`);
    }
    return 0;
  },
};
