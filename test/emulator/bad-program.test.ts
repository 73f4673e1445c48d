// A bad program never takes the emulated board away: flashed onto the emulated pico or esp32 with the
// runtimes' own tools, the other board's bundle, a call to a function that does not exist, and a program
// over the heap budget each print their error on the board's console, and the REPL (Kaluma) or console
// (Espruino) keeps answering, also after a restart with the bad program still stored. Needs make build.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { converse, startEmulator, stopEmulator } from '../support/emulate';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-bad-program-'));
const UNDEFINED_CALL = 'undefinedFunction();\n';
// 800 KB of arrays: over both boards' budgets, the esp32's too under its calibrated heap model, which
// counts byte data at under half its size (docs/emulator.md, the esp32 calibration).
const OVER_HEAP = 'var keep = [];\nfor (var i = 0; i < 800; i++) keep.push(new Uint8Array(1024));\nprint("still here");\n';
const kalumaWrite = (file: string, pty: string) => spawnSync(join('node_modules', '.bin', 'kaluma'), ['write', file, '-p', pty], { encoding: 'utf8', timeout: 60000 });
const espruino = (...args: string[]) => spawnSync(join('node_modules', '.bin', 'espruino'), ['-b', '115200', '--no-ble', ...args], { encoding: 'utf8', timeout: 120000 });

function programFile(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

const picoCases: [string, string, RegExp][] = [
  ['the esp32 bundle', 'dist/esp32/firmware.js', /\[UNCAUGHT\] \w*Error: .*(not defined|not found)/],
  ['undefinedFunction();', programFile('undefined-call.js', UNDEFINED_CALL), /\[UNCAUGHT\] ReferenceError: .*undefinedFunction.* is not defined/],
  ['a program over the heap budget', programFile('over-heap.js', OVER_HEAP), /\[HEAP_BUDGET_EXCEEDED\] pico: heap \d+ B exceeds its budget of 184312 B; the program is stopped/],
];

for (const [name, file, printed] of picoCases) {
  test(`pico: ${name} prints its error on the console and the REPL keeps answering, also after a restart`, async () => {
    const state = join(directory, `pico-${name.replace(/\W+/g, '-')}`);
    const first = await startEmulator(['--board', 'pico', '--state', state]);
    try {
      const pty = first.match[1];
      const flashed = kalumaWrite(file, pty);
      assert.is(flashed.status, 0, flashed.stderr);
      const loaded = await converse(pty, '.load\r', printed);
      assert.match(loaded, printed);
      assert.match(await converse(pty, '6 * 7\r', /42/), /42/, 'the REPL answers');
      assert.match(await converse(pty, '.mem\r', /total: 184312/), /total: 184312/);
      assert.is(first.child.exitCode, null, 'the emulator is still running');
    } finally {
      await stopEmulator(first.child);
    }
    const second = await startEmulator(['--board', 'pico', '--state', state]);
    try {
      assert.match(second.output(), /^\/dev\/pts\/\d+\n/);
      assert.match(await converse(second.match[1], '6 * 7\r', /42/), /42/, 'the REPL answers after a power-on with the bad program stored');
      assert.is(second.child.exitCode, null);
    } finally {
      await stopEmulator(second.child);
    }
  });
}

const READY = /^(\/dev\/pts\/\d+)\n(tcp:\/\/127\.0\.0\.1:\d+)$/m;
const esp32Cases: [string, string, RegExp][] = [
  ['the pico bundle', 'dist/pico/firmware.js', /Uncaught|UNCAUGHT|not found|not defined/],
  ['undefinedFunction();', programFile('undefined-call-esp32.js', UNDEFINED_CALL), /undefinedFunction/],
  ['a program over the heap budget', programFile('over-heap-esp32.js', OVER_HEAP), /\[HEAP_BUDGET_EXCEEDED\] esp32: heap \d+ B exceeds its budget of 229362 B; the program is stopped/],
];

for (const [name, file, printed] of esp32Cases) {
  test(`esp32: ${name} prints its error on the console and the console keeps answering, also after a restart`, async () => {
    const state = join(directory, `esp32-${name.replace(/\W+/g, '-')}`);
    const first = await startEmulator(['--board', 'esp32', '--state', state], READY);
    try {
      const flashed = espruino('--port', first.match[2], '--config', 'SAVE_ON_SEND=1', file);
      assert.is(flashed.status, 0, flashed.stderr);
      assert.match(flashed.stdout + first.output(), printed, flashed.stdout);
      assert.match(await converse(first.match[1], '6 * 7\n', /=42/), /=42/, 'the console answers');
      assert.is(first.child.exitCode, null, 'the emulator is still running');
    } finally {
      await stopEmulator(first.child);
    }
    const second = await startEmulator(['--board', 'esp32', '--state', state], READY);
    try {
      assert.match(await converse(second.match[1], '6 * 7\n', /=42/), /=42/, 'the console answers after a power-on with the bad program stored');
      assert.is(second.child.exitCode, null);
    } finally {
      await stopEmulator(second.child);
    }
  });
}

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
