// `smartchain member add|list`: the consortium's registry, on the store directly (the keys sit beside it).
import { Aggregator } from '../../aggregator/aggregator';
import { secretsFor } from '../../aggregator/server';
import { Command, CommandError, UsageError, parseIntegerOption } from '../command';

export const command: Command = {
  name: 'member',
  summary: 'add or list members of the permissioned ledger',
  usage: `smartchain member add --pubkey HEX [--grant N] [--db FILE]
smartchain member list [--db FILE] [--json]

add   the consortium signs a membership record for the Ed25519 key (64 hex digits), with an initial
      Ecash grant of N minor units (default 0); prints the new member id and its proof-of-time
      token key, a secret between the board and the aggregator that goes into the board's provision.json
list  every member with its balance`,
  options: { pubkey: { type: 'string' }, grant: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' } },
  positionals: true,
  async run(values, positionals) {
    const action = positionals[0];
    if (action !== 'add' && action !== 'list') throw new UsageError('say add or list');
    const dbPath = typeof values.db === 'string' ? values.db : 'data/aggregator.sqlite';
    const secrets = secretsFor(dbPath);
    const aggregator = new Aggregator({ dbPath, consortiumSeed: secrets.consortiumSeed, aggregatorSeed: secrets.aggregatorSeed });
    try {
      if (action === 'add') {
        const pubkey = values.pubkey;
        if (typeof pubkey !== 'string' || !/^[0-9a-f]{64}$/i.test(pubkey)) throw new UsageError('--pubkey must be 64 hex digits');
        const grant = parseIntegerOption(values, 'grant', 0, 1e12, 0);
        const result = aggregator.addMember(new Uint8Array(Buffer.from(pubkey, 'hex')), grant);
        if (!result.ok) throw new CommandError(result.code, result.message);
        const tokenKey = Buffer.from(result.tokenKey).toString('hex');
        // The token key is the board's secret with the aggregator: it goes into its provision.json (docs/boards.md).
        console.log(values.json === true ? JSON.stringify({ id: result.id, record: result.record, token_key: tokenKey }) : `member ${result.id} (membership record ${result.record}); token_key ${tokenKey}`);
      } else {
        const members = aggregator.members().map((row) => ({ id: row.id, public_key: row.public_key.toString('hex'), balance: row.balance }));
        if (values.json === true) console.log(JSON.stringify(members));
        else for (const row of members) console.log(`${String(row.id).padStart(5)}  ${row.public_key}  ${row.balance}`);
      }
      return 0;
    } finally {
      aggregator.close();
    }
  },
};
