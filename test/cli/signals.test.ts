// Stopping a server: the aggregator and the emulator stop cleanly on SIGTERM and SIGINT (store closed,
// exit 0), with a client connection open; and one started through `npx` stops when npx is killed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call } from '../../host-tools/loadgen/loadgen';
import { startAggregator, stopBy } from '../support/aggregator';
import { startEmulator } from '../support/emulate';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-signals-'));
const STOPPED_WITHIN_MS = 10000;

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`the aggregator stops on ${signal} with a keep-alive client connected: store closed, exit 0`, async () => {
    const dbPath = join(directory, `${signal}.sqlite`);
    const { child, url, output } = await startAggregator(['--db', dbPath, '--create']);
    const agent = new Agent({ keepAlive: true });
    try {
      assert.equal((await call(agent, url, 'GET', '/v1/health', null, {})).json, { ok: true });
      assert.ok(existsSync(`${dbPath}-wal`), 'the store is open in WAL mode');
      const started = Date.now();
      assert.equal(await stopBy(child, signal), { code: 0, signal: null });
      assert.ok(Date.now() - started < STOPPED_WITHIN_MS);
      assert.match(output(), /stopped\n$/);
      assert.not.match(output(), /\n\s+at /);
      assert.not.ok(existsSync(`${dbPath}-wal`), 'the store was not closed (its write-ahead log is still there)');
    } finally {
      agent.destroy();
      child.kill('SIGKILL');
    }
  });

  for (const board of ['pico', 'esp32']) {
    test(`the emulated ${board} stops on ${signal}: exit 0`, async () => {
      const { child } = await startEmulator(['--board', board, '--state', join(directory, `${board}-${signal}`)]);
      try {
        assert.equal(await stopBy(child, signal), { code: 0, signal: null });
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
}

test('an aggregator started with npx stops when npx is killed (kill $!)', async () => {
  const npx = spawn('npx', ['smartchain', 'aggregator', '--db', join(directory, 'npx.sqlite'), '--create', '--http', '127.0.0.1:0', '--workers', '0'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`npx smartchain aggregator printed no URL within 30 s: ${seen}`)), 30000);
      npx.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const agent = new Agent({ keepAlive: false });
    assert.is((await call(agent, url, 'GET', '/v1/health', null, {})).status, 200);
    npx.kill('SIGTERM');
    const deadline = Date.now() + STOPPED_WITHIN_MS;
    let answering = true;
    while (answering && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answering = await call(agent, url, 'GET', '/v1/health', null, {}).then(() => true, () => false);
    }
    assert.not.ok(answering, `the server still answers ${STOPPED_WITHIN_MS} ms after npx was killed`);
    // The server stops listening before it closes its store: the log goes a moment after the last answer.
    const wal = join(directory, 'npx.sqlite-wal');
    while (existsSync(wal) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.not.ok(existsSync(wal), 'the store was not closed');
  } finally {
    // npx leads its own process group (detached), so a server it left behind goes with the group.
    try {
      process.kill(-(npx.pid as number), 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
});

test.after(() => rmSync(directory, { recursive: true, force: true }));
test.run();
