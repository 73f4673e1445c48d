// `smartchain loadgen` run twice against one aggregator: the second run reuses the members the first
// registered (same --seed) and says so; another seed registers new ones. Every record is accepted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { smartchain, startAggregator, stopBy } from '../support/aggregator';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-loadgen-'));

test('loadgen twice with one seed reuses its members; another seed registers new ones', async () => {
  const { child, url } = await startAggregator(['--db', join(directory, 'aggregator.sqlite'), '--create']);
  const tokenFile = join(directory, 'admin.token');
  const run = (...extra: string[]) => smartchain('loadgen', '--aggregator', url, '--admin-token-file', tokenFile, '--members', '4', '--count', '40', ...extra);
  try {
    const first = run('--json');
    assert.is(first.status, 0, first.stderr);
    assert.equal({ ...JSON.parse(first.stdout), records_per_s: 0 }, { sent: 40, accepted: 40, rejected: 0, records_per_s: 0, members_registered: 4, members_reused: 0 });
    const second = run();
    assert.is(second.status, 0, second.stderr);
    assert.match(second.stdout, /^members: 4 reused \(registered by an earlier run with --seed 1\), 0 registered\nsent 40, accepted 40, rejected 0 \(\{\}\), \d+ records\/s\n$/);
    const fresh = run('--seed', '2', '--json');
    assert.is(fresh.status, 0, fresh.stderr);
    assert.equal({ ...JSON.parse(fresh.stdout), records_per_s: 0 }, { sent: 40, accepted: 40, rejected: 0, records_per_s: 0, members_registered: 4, members_reused: 0 });
    const members = smartchain('member', 'list', '--aggregator', url, '--json');
    assert.is(JSON.parse(members.stdout).length, 8);
  } finally {
    assert.equal(await stopBy(child, 'SIGTERM'), { code: 0, signal: null });
  }
});

test('an aggregator that is not there is AGGREGATOR_UNREACHABLE, exit 1, one line', async () => {
  const { child, url } = await startAggregator(['--db', join(directory, 'gone.sqlite'), '--create']);
  await stopBy(child, 'SIGTERM');
  const result = smartchain('loadgen', '--aggregator', url, '--admin-token-file', join(directory, 'admin.token'), '--members', '3', '--count', '1');
  assert.is(result.status, 1);
  assert.match(result.stderr, /^smartchain loadgen: AGGREGATOR_UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
});

test.after(() => rmSync(directory, { recursive: true, force: true }));
test.run();
