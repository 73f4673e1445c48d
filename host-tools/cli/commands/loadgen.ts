// `smartchain loadgen`: registers members and sends signed traffic (or attack traffic) to an aggregator.
import { readFileSync } from 'node:fs';
import { ATTACKS, runLoad } from '../../loadgen/loadgen';
import { Command, UsageError, parseChoice, parseIntegerOption, requireString } from '../command';

export const command: Command = {
  name: 'loadgen',
  summary: 'send signed records (or attack traffic) to an aggregator',
  usage: `smartchain loadgen --aggregator URL[,URL...] --members N --count C [--rate R] [--attack KIND] [--acked FILE] [--json]
                   [--admin-token-file FILE] [--seed S] [--in-flight K] [--batch B]

Registers N members (each granted 1,000,000 minor units), then sends C records with valid proof-of-time
tokens, K requests in flight (default 32), at most R per second if --rate is given. With several URLs
(federated aggregators of one zone) members are registered through the first and records go to each in turn.
  --attack KIND            none, double-spend, sybil, forged-token or spam (one record in ten)
  --acked FILE             append each acknowledged record id to FILE as soon as it is acknowledged
  --batch B                B records per request, as one CBOR sequence (default 1: one record a request)
  --admin-token-file FILE  the aggregator's admin token (default data/admin.token)
  --json                   end with one line {"sent", "accepted", "rejected", "records_per_s"}`,
  options: {
    aggregator: { type: 'string' }, members: { type: 'string' }, count: { type: 'string' }, rate: { type: 'string' },
    attack: { type: 'string' }, acked: { type: 'string' }, json: { type: 'boolean' }, 'admin-token-file': { type: 'string' },
    seed: { type: 'string' }, 'in-flight': { type: 'string' }, batch: { type: 'string' },
  },
  async run(values) {
    const url = requireString(values, 'aggregator');
    if (!url.split(',').every((entry) => /^http:\/\/[^/,]+\/?$/.test(entry))) throw new UsageError('--aggregator must be http://HOST:PORT[,http://HOST:PORT...]');
    const tokenFile = typeof values['admin-token-file'] === 'string' ? values['admin-token-file'] : 'data/admin.token';
    let adminToken: string;
    try {
      adminToken = readFileSync(tokenFile, 'utf8').trim();
    } catch {
      throw new UsageError(`cannot read the admin token from ${tokenFile}`);
    }
    const result = await runLoad({
      url,
      adminToken,
      members: parseIntegerOption(values, 'members', 3, 10000),
      count: parseIntegerOption(values, 'count', 1, 100000000),
      rate: values.rate === undefined ? undefined : parseIntegerOption(values, 'rate', 1, 1000000),
      attack: parseChoice(values, 'attack', ATTACKS, 'none'),
      ackedFile: typeof values.acked === 'string' ? values.acked : undefined,
      seed: parseIntegerOption(values, 'seed', 0, 2 ** 31 - 1, 1),
      inFlight: parseIntegerOption(values, 'in-flight', 1, 1024, 32),
      batch: parseIntegerOption(values, 'batch', 1, 256, 1),
    });
    if (values.json === true) console.log(JSON.stringify({ sent: result.sent, accepted: result.accepted, rejected: result.rejected, records_per_s: result.records_per_s }));
    else console.log(`sent ${result.sent}, accepted ${result.accepted}, rejected ${result.rejected} (${JSON.stringify(result.codes)}), ${result.records_per_s} records/s`);
    return 0;
  },
};
