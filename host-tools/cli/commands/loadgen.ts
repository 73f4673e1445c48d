// `smartchain loadgen`: registers members and sends signed traffic (or attack traffic) to an aggregator.
import { ATTACKS, LoadResult, runLoad } from '../../loadgen/loadgen';
import { Command, CommandError, parseChoice, parseIntegerOption, requireString } from '../command';
import { ADMIN_TOKEN_FILE_DEFAULT, parseAggregatorUrl, readAdminToken } from './member';

export const command: Command = {
  name: 'loadgen',
  summary: 'send signed records (or attack traffic) to an aggregator',
  usage: `smartchain loadgen --aggregator URL[,URL...] --members N --count C [--rate R] [--attack KIND] [--acked FILE] [--json]
                   [--admin-token-file FILE] [--seed S] [--in-flight K] [--batch B]

Registers N members (each granted 1,000,000 minor units), then sends C records with valid proof-of-time
tokens, K requests in flight (default 32), at most R per second if --rate is given. Records are signed
before they are sent, up to 65,536 at a time; records_per_s counts the sending time only. With several URLs
(federated aggregators of one zone) members are registered through the first and records go to each in
turn. The members' keys follow from --seed (default 1): run again with the same seed, it reuses the
members it registered before (continuing their sequence numbers, in free slots before the earlier
run's); with another seed it registers new ones. It says which.
  --attack KIND            none, double-spend, sybil, forged-token or spam (one record in ten)
  --acked FILE             append each acknowledged record id to FILE as soon as it is acknowledged
  --batch B                B records per request, as one CBOR sequence (default 1: one record a request)
  --admin-token-file FILE  the aggregator's admin token (default data/admin.token)
  --json                   end with one line {"sent", "accepted", "rejected", "records_per_s",
                           "members_registered", "members_reused"}`,
  options: {
    aggregator: { type: 'string' }, members: { type: 'string' }, count: { type: 'string' }, rate: { type: 'string' },
    attack: { type: 'string' }, acked: { type: 'string' }, json: { type: 'boolean' }, 'admin-token-file': { type: 'string' },
    seed: { type: 'string' }, 'in-flight': { type: 'string' }, batch: { type: 'string' },
  },
  async run(values) {
    // One URL, or several (federated aggregators of one zone), each checked the member command's way.
    const url = requireString(values, 'aggregator').split(',').map(parseAggregatorUrl).join(',');
    const adminToken = readAdminToken(typeof values['admin-token-file'] === 'string' ? values['admin-token-file'] : ADMIN_TOKEN_FILE_DEFAULT);
    const seed = parseIntegerOption(values, 'seed', 0, 2 ** 31 - 1, 1);
    const options = {
      url,
      adminToken,
      members: parseIntegerOption(values, 'members', 3, 10000),
      count: parseIntegerOption(values, 'count', 1, 100000000),
      rate: values.rate === undefined ? undefined : parseIntegerOption(values, 'rate', 1, 1000000),
      attack: parseChoice(values, 'attack', ATTACKS, 'none'),
      ackedFile: typeof values.acked === 'string' ? values.acked : undefined,
      seed,
      inFlight: parseIntegerOption(values, 'in-flight', 1, 1024, 32),
      batch: parseIntegerOption(values, 'batch', 1, 256, 1),
    };
    let result: LoadResult;
    try {
      result = await runLoad(options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
        throw new CommandError('AGGREGATOR_UNREACHABLE', `cannot reach ${url}: ${code}`);
      }
      throw new CommandError('LOAD_FAILED', (error as Error).message);
    }
    const members = result.members_reused === 0
      ? `members: ${result.members_registered} registered`
      : `members: ${result.members_reused} reused (registered by an earlier run with --seed ${seed}), ${result.members_registered} registered`;
    if (values.json === true) {
      console.log(JSON.stringify({
        sent: result.sent, accepted: result.accepted, rejected: result.rejected, records_per_s: result.records_per_s,
        members_registered: result.members_registered, members_reused: result.members_reused,
      }));
    } else {
      console.log(members);
      console.log(`sent ${result.sent}, accepted ${result.accepted}, rejected ${result.rejected} (${JSON.stringify(result.codes)}), ${result.records_per_s} records/s`);
    }
    return 0;
  },
};
