// The aggregator's HTTP API under hostile clients: 300 slow sockets from one address leave another
// address served within a second and are closed by the server within the header time; a malformed target
// is 400, an oversized chunked body 413 (answered, not reset), an unsupported method 405, a wrong content
// type on /v1/offload 415; upper-case record ids are found; the admin token is compared in constant time;
// a secret file others may read stops the aggregator from starting without printing the secret.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { AddressInfo, Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signHost, signingKey } from '../../host-tools/crypto/host-signing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { encodeToken, tokenMessage } from '../../firmware/frames';
import { KIND_OFFER, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { CONNECTIONS_PER_ADDRESS_MAX, HEADERS_TIMEOUT_MS, loadSecret, secretMatches, startServer } from '../../host-tools/aggregator/server';
import { macHost } from '../../host-tools/crypto/token-key';
import { call } from '../../host-tools/loadgen/loadgen';

const agent = new Agent({ keepAlive: false });

async function serve() {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-limits-'));
  const aggregator = new Aggregator({ dbPath: join(directory, 'a.sqlite'), consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  const server = await startServer(aggregator, { host: '127.0.0.1', port: 0, adminToken: 'a'.repeat(64) });
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    aggregator.close();
    rmSync(directory, { recursive: true, force: true });
  };
  return { aggregator, port, url: `http://127.0.0.1:${port}`, close };
}

/** Sends raw bytes on a fresh connection and resolves with everything the server answered. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 3000);
  });
}

test('300 slow sockets from one address: another address is served within 1 s, and the slow ones are closed in time', async () => {
  const { port, close } = await serve();
  const slow: Socket[] = [];
  let closedByServer = 0;
  try {
    for (let index = 0; index < 300; index++) {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
      socket.on('error', () => undefined);
      socket.on('close', () => closedByServer++);
      // A header that never ends: one byte now and then, the classic slow-header client.
      socket.on('connect', () => socket.write('GET /v1/health HTTP/1.1\r\nHost: a\r\nX-Slow: '));
      slow.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const drip = setInterval(() => slow.forEach((socket) => socket.writable && socket.write('a')), 200);
    const began = Date.now();
    const answer = await call(agent, `http://127.0.0.1:${port}`, 'GET', '/v1/health', null, {});
    const servedMs = Date.now() - began;
    assert.is(answer.status, 200);
    assert.ok(servedMs < 1000, `served in ${servedMs} ms`);
    assert.ok(closedByServer >= 300 - CONNECTIONS_PER_ADDRESS_MAX, `${closedByServer} of 300 refused at once (cap ${CONNECTIONS_PER_ADDRESS_MAX} per address)`);
    // The ones let in are dropped once the header time is up, however they drip.
    const deadline = Date.now() + HEADERS_TIMEOUT_MS + 3000;
    while (closedByServer < 300 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    clearInterval(drip);
    assert.is(closedByServer, 300, 'every slow socket closed by the server within the header time');
  } finally {
    for (const socket of slow) socket.destroy();
    await close();
  }
});

test('bad requests get their status: 400 malformed target, 413 chunked body, 405 method, 415 content type', async () => {
  const { port, url, close } = await serve();
  try {
    for (const target of ['http://[', '//x:99999', '*']) {
      const answer = await raw(port, `GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 400 /, `${target}: ${answer.split('\r\n')[0]}`);
    }
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request(`${url}/v1/records`, { method: 'POST', agent, headers: { 'content-type': 'application/cbor' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      // No content-length: node sends the body chunked, 64 KiB of it in 1 KiB chunks.
      let sent = 0;
      const more = () => {
        while (sent < 64) {
          sent++;
          if (!outgoing.write(Buffer.alloc(1024))) return void outgoing.once('drain', more);
        }
        outgoing.end();
      };
      more();
    });
    assert.is(status, 413);
    const deleted = await call(agent, url, 'DELETE', '/v1/health', null, {});
    assert.is(deleted.status, 405);
    assert.is(deleted.json.code, 'METHOD_NOT_ALLOWED');
    assert.is((await call(agent, url, 'PUT', '/v1/records', new Uint8Array(4), {})).status, 405);
    assert.is((await call(agent, url, 'GET', '/v1/nothing', null, {})).status, 404);
    const offload = await call(agent, url, 'POST', '/v1/offload', new Uint8Array([0xd2]), { 'content-type': 'application/json' });
    assert.is(offload.status, 415);
  } finally {
    await close();
  }
});

test('a record is found by its id in either case; a batch gets one result per record; a bad batch is 400', async () => {
  const { aggregator, url, close } = await serve();
  try {
    const members = [1, 2, 3].map((index) => {
      const seed = new Uint8Array(32).fill(60 + index);
      const result = aggregator.addMember(keyPairFromSeed(seed).publicKey, 1000);
      if (!result.ok) throw new Error(result.message);
      return { id: result.id, key: signingKey(seed) };
    });
    const make = (issuerIndex: number, seq: number, timeMs: number) => {
      const issuer = members[issuerIndex];
      const granters = members.filter((entry) => entry !== issuer);
      const record: LedgerRecord = { kind: KIND_OFFER, issuer: issuer.id, seq, timeMs, parents: aggregator.selectCaps(), pot: granters.map((entry) => entry.id), energyWh: 1000, ecash: 100 };
      const payload = encodePayload(record);
      const slot = aggregator.slotOf(timeMs);
      const tokens = granters.map((granter) => encodeToken({ granter: granter.id, requester: issuer.id, seq, slot, mac: macHost(aggregator.tokenKey(granter.id), tokenMessage(granter.id, issuer.id, seq, slot)) }));
      return encodeRecord(payload, signHost(bytesToSign(payload), issuer.key), tokens);
    };
    const now = Date.now();
    const batch = Buffer.concat([make(0, 1, now), make(1, 1, now), make(0, 2, now), new Uint8Array([0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40])]);
    const answer = await call(agent, url, 'POST', '/v1/records', batch, { 'content-type': 'application/cbor-seq' });
    assert.is(answer.status, 200);
    const results = answer.json.results as { id?: string; code?: string }[];
    assert.is(results.length, 4);
    assert.ok(results[0].id !== undefined && results[1].id !== undefined, JSON.stringify(results));
    assert.is(results[2].code, 'POT_SLOT_REUSED', 'a second record of one issuer in one slot');
    assert.ok(typeof results[3].code === 'string' && results[3].id === undefined);
    const id = results[0].id as string;
    const upper = await call(agent, url, 'GET', `/v1/records/${id.toUpperCase()}`, null, {});
    assert.is(upper.status, 200);
    assert.is(upper.json.id, id);
    const truncated = await call(agent, url, 'POST', '/v1/records', batch.subarray(0, batch.length - 2), { 'content-type': 'application/cbor-seq' });
    assert.is(truncated.status, 400);
    assert.is(truncated.json.code, 'BATCH_MALFORMED');
    assert.is((await call(agent, url, 'POST', '/v1/records', new Uint8Array(0), { 'content-type': 'application/cbor-seq' })).json.code, 'BATCH_EMPTY');
  } finally {
    await close();
  }
});

test('the admin token comparison: equal, different, different lengths; an admin request needs it', async () => {
  assert.ok(secretMatches('Bearer ' + 'a'.repeat(64), 'Bearer ' + 'a'.repeat(64)));
  assert.not.ok(secretMatches('Bearer ' + 'a'.repeat(63) + 'b', 'Bearer ' + 'a'.repeat(64)));
  assert.not.ok(secretMatches('', 'Bearer ' + 'a'.repeat(64)));
  const { url, close } = await serve();
  try {
    assert.is((await call(agent, url, 'POST', '/v1/auction', null, { authorization: 'Bearer ' + 'a'.repeat(63) })).status, 401);
    assert.is((await call(agent, url, 'POST', '/v1/auction', null, { authorization: 'Bearer ' + 'a'.repeat(64) })).status, 200);
  } finally {
    await close();
  }
});

test('a secret file that others may read stops the aggregator, and the secret is never printed', () => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-secrets-'));
  try {
    const secret = 'ab'.repeat(32);
    const path = join(directory, 'consortium.key');
    writeFileSync(path, secret + '\n');
    chmodSync(path, 0o644);
    assert.throws(() => loadSecret(path), /readable by its owner only/);
    const run = spawnSync(process.execPath, ['host-tools/cli/bin.js', 'aggregator', '--db', join(directory, 'a.sqlite'), '--create', '--http', '127.0.0.1:0'], { encoding: 'utf8', timeout: 30000 });
    assert.is(run.status, 1);
    assert.match(run.stderr, /consortium\.key has mode 0644/);
    assert.not.ok((run.stdout + run.stderr).includes(secret), 'the secret is not printed');
    chmodSync(path, 0o600);
    assert.is(Buffer.from(loadSecret(path)).toString('hex'), secret);
    assert.is(readFileSync(path, 'utf8').trim(), secret);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
