// The aggregator as a user runs it: a real subprocess on 127.0.0.1, its HTTP API and limits, the load
// generator against it, and kill -9 during sustained ingest: every acknowledged record survives.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { BODY_BYTES_MAX, startServer } from '../../host-tools/aggregator/server';
import { call, runLoad } from '../../host-tools/loadgen/loadgen';

/** Every folder a test makes, removed when the file's tests are done. */
const temporaries: string[] = [];
function temporary(prefix: string): string {
  const directory = mkdtempSync(prefix);
  temporaries.push(directory);
  return directory;
}
test.after(() => {
  for (const directory of temporaries) rmSync(directory, { recursive: true, force: true });
});


const agent = new Agent({ keepAlive: false });

function startAggregator(dbPath: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'aggregator', '--db', dbPath, '--create', '--http', '127.0.0.1:0', '--auction-ms', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error('aggregator did not start within 20 s')), 20000);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`aggregator exited with ${code}: ${output}`)));
  });
}

test('the API answers, validates and rejects bad input with a code', async () => {
  const directory = temporary(join(tmpdir(), 'smartchain-http-'));
  const { child, url } = await startAggregator(join(directory, 'a.sqlite'));
  try {
    const token = readFileSync(join(directory, 'admin.token'), 'utf8').trim();
    assert.equal((await call(agent, url, 'GET', '/v1/health', null, {})).json, { ok: true });
    const unauthorised = await call(agent, url, 'POST', '/v1/members', JSON.stringify({ public_key: '00'.repeat(32) }), { 'content-type': 'application/json' });
    assert.is(unauthorised.status, 401);
    const badKey = await call(agent, url, 'POST', '/v1/members', JSON.stringify({ public_key: 'zz' }), { authorization: `Bearer ${token}` });
    assert.is(badKey.json.code, 'BAD_PUBLIC_KEY');
    const wrongType = await call(agent, url, 'POST', '/v1/records', new Uint8Array(10), { 'content-type': 'application/json' });
    assert.is(wrongType.status, 415);
    const garbage = await call(agent, url, 'POST', '/v1/records', new Uint8Array([0xd2, 0x84, 0x43]), { 'content-type': 'application/cbor' });
    assert.is(garbage.status, 422);
    assert.is(garbage.json.code, 'CBOR_TRUNCATED');
    const huge = await call(agent, url, 'POST', '/v1/records', new Uint8Array(BODY_BYTES_MAX + 1), { 'content-type': 'application/cbor' });
    assert.is(huge.status, 413);
    assert.is((await call(agent, url, 'GET', '/v1/records/' + 'ab'.repeat(16), null, {})).status, 404);
    assert.is((await call(agent, url, 'GET', '/v1/members/x', null, {})).json.code, 'BAD_MEMBER_ID');
    assert.is((await call(agent, url, 'GET', '/v2/health', null, {})).status, 404);
    const load = await runLoad({ url, adminToken: token, members: 5, count: 200, attack: 'sybil', seed: 3 });
    assert.is(load.sent, 200);
    assert.is(load.codes.ISSUER_UNKNOWN, 20);
    const stats = (await call(agent, url, 'GET', '/v1/stats', null, {})).json;
    assert.is(stats.records, 5 + 180, 'five membership records and the honest traffic, nothing of the attack');
    assert.is(stats.ecash_total, 5 * 1000000);
    const forged = await runLoad({ url, adminToken: token, members: 3, count: 50, attack: 'forged-token', seed: 4 });
    assert.is(forged.codes.TOKEN_MAC_INVALID, 5);
    const spam = await runLoad({ url, adminToken: token, members: 3, count: 50, attack: 'spam', seed: 5 });
    assert.is(spam.rejected, 5);
    const member = (await call(agent, url, 'GET', '/v1/members/1', null, {})).json;
    assert.is(member.balance, 1000000);
    const caps = (await call(agent, url, 'GET', '/v1/caps', null, {})).json.caps as string[];
    assert.is(caps.length, 2);
  } finally {
    child.kill('SIGKILL');
  }
});

test('requests beyond the rate limit get 429', async () => {
  const directory = temporary(join(tmpdir(), 'smartchain-rate-'));
  const aggregator = new Aggregator({ dbPath: join(directory, 'a.sqlite'), consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  const server = await startServer(aggregator, { host: '127.0.0.1', port: 0, adminToken: 'x', requestsPerSecond: 5 });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const statuses: number[] = [];
  for (let index = 0; index < 12; index++) statuses.push((await call(agent, url, 'GET', '/v1/health', null, {})).status);
  assert.ok(statuses.includes(429), statuses.join(','));
  assert.is(statuses[0], 200);
  await new Promise((resolve) => server.close(resolve));
  aggregator.close();
});

test('kill -9 during sustained ingest loses no acknowledged record and keeps balances consistent', async () => {
  const directory = temporary(join(tmpdir(), 'smartchain-crash-'));
  const dbPath = join(directory, 'a.sqlite');
  const acked = join(directory, 'acked.txt');
  writeFileSync(acked, '');
  const first = await startAggregator(dbPath);
  const token = readFileSync(join(directory, 'admin.token'), 'utf8').trim();
  const load = runLoad({ url: first.url, adminToken: token, members: 16, count: 20000, attack: 'none', ackedFile: acked, seed: 6 }).catch((error: Error) => error);
  // Killed once the load is well under way (a busy machine takes longer to get there), within 60 s.
  const ackedCount = () => readFileSync(acked, 'utf8').split('\n').filter((line) => line.length === 32).length;
  for (let waited = 0; waited < 60000 && ackedCount() < 1000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 500));
  first.child.kill('SIGKILL');
  const outcome = await load;
  assert.ok(outcome instanceof Error, 'the load generator sees the aggregator die');
  const ids = readFileSync(acked, 'utf8').split('\n').filter((line) => line.length === 32);
  assert.ok(ids.length > 100, `${ids.length} records were acknowledged before the kill`);
  const second = await startAggregator(dbPath);
  try {
    const stats = (await call(agent, second.url, 'GET', '/v1/stats', null, {})).json;
    assert.is(stats.ecash_total, (stats.members as number) * 1000000);
    const db = new Database(dbPath, { readonly: true });
    const lookup = db.prepare('SELECT 1 FROM records WHERE id = ?');
    const missing = ids.filter((id) => !lookup.get(Buffer.from(id, 'hex')));
    db.close();
    assert.equal(missing, [], `${missing.length} acknowledged records lost`);
    assert.ok((stats.records as number) >= ids.length);
  } finally {
    second.child.kill('SIGKILL');
  }
});


test.run();
