// `smartchain emulate` without --state and `smartchain bench validation` leave nothing in the temporary
// folder: each runs with TMPDIR pointing at a folder of its own, which must hold nothing of ours once it
// has stopped.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = mkdtempSync(join(tmpdir(), 'smartchain-temporary-'));

/** A fresh, empty folder to serve as a child's TMPDIR. */
function privateTmp(name: string): string {
  const folder = join(root, name);
  mkdirSync(folder);
  return folder;
}

/** What the project left there (tsx keeps its own compile cache in the temporary folder too). */
const ours = (folder: string) => readdirSync(folder).filter((name) => name.startsWith('smartchain-'));

for (const board of ['pico', 'esp32']) {
  test(`emulate --board ${board} keeps its flash in a temporary folder while it runs and removes it on SIGTERM`, async () => {
    const folder = privateTmp(`emulate-${board}`);
    const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'emulate', '--board', board], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: folder } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the emulator printed no terminal within 20 s')), 20000);
      child.stdout.on('data', (chunk: Buffer) => {
        if (/\/dev\/pts\/\d+/.test(chunk.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.equal(ours(folder).map((name) => name.replace(/-\w{6}$/, '')), [`smartchain-${board}`], 'its state while it runs');
    child.kill('SIGTERM');
    assert.is(await exited, 0);
    assert.equal(ours(folder), [], 'nothing left behind');
  });
}

test('bench validation builds its bench program in a temporary folder and removes it', () => {
  const folder = privateTmp('bench');
  const result = spawnSync(process.execPath, ['host-tools/cli/bin.js', 'bench', 'validation', '--board', 'pico', '--repeats', '1', '--json'], { encoding: 'utf8', timeout: 300000, env: { ...process.env, TMPDIR: folder } });
  assert.is(result.status, 0, result.stderr);
  assert.ok(JSON.parse(result.stdout).heap_peak_bytes > 0);
  assert.equal(ours(folder), [], 'nothing left behind');
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
