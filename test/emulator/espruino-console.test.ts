// The emulated ESP32's Espruino console: typed lines answer `=value` at the `>` prompt, a line after
// 0x10 is not echoed, and the real `espruino` command-line tool (which opens only serial ports it can
// list, so it reaches the emulator over TCP) flashes the real esp32 bundle with its provisioning into
// Storage; the code runs at once (load()) and again at the next power-on, from .bootcde.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { seededRandom } from '../../host-tools/emulator/world';

type Emulator = { child: ChildProcess; pty: string; tcp: string; output: () => string };

function startEmulator(state: string): Promise<Emulator> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'emulate', '--board', 'esp32', '--state', state], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error('the emulator printed no terminal and TCP port within 20 s')), 20000);
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /^(\/dev\/pts\/\d+)\n(tcp:\/\/127\.0\.0\.1:\d+)$/m.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ child, pty: match[1], tcp: match[2], output: () => seen });
      }
    });
  });
}

/** Writes to the console's terminal and reads until `expected` appears (bounded in time). */
async function converse(pty: string, text: string, expected: RegExp, timeoutMs = 10000): Promise<string> {
  const fd = openSync(pty, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  try {
    writeSync(fd, text);
    const buffer = Buffer.alloc(65536);
    let seen = '';
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !expected.test(seen)) {
      try {
        seen += buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, null)).toString('latin1');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return seen;
  } finally {
    closeSync(fd);
  }
}

const espruino = (...args: string[]) => spawnSync(join('node_modules', '.bin', 'espruino'), ['-b', '115200', '--no-ble', ...args], { encoding: 'utf8', timeout: 120000 });

test('the console answers at the prompt; a line after 0x10 is not echoed and prints no value', async () => {
  const emulator = await startEmulator(join(mkdtempSync(join(tmpdir(), 'smartchain-espruino-')), 'state'));
  try {
    const typed = await converse(emulator.pty, '1+2\n', /=3\r\n>/);
    assert.match(typed, /1\+2\r\n=3\r\n>/);
    const quiet = await converse(emulator.pty, '\x10print("hid" + "den")\n', /hidden\r\n/);
    assert.not.match(quiet, /print/);
    assert.not.match(quiet, /=undefined/);
    const continued = await converse(emulator.pty, 'var o = {\n a: 1 }\no.a + 1\n', /=2\r\n/);
    assert.match(continued, /=2\r\n/, 'an open bracket continues the line');
    assert.match(await converse(emulator.pty, 'nothing()\n', /Uncaught/), /Uncaught ReferenceError/);
  } finally {
    emulator.child.kill('SIGTERM');
  }
});

test('the espruino tool flashes the esp32 bundle and its provisioning; it runs now and after a restart', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-espruino-'));
  const state = join(directory, 'state');
  writeFileSync(join(directory, 'provision.json'), provisionBoards(1, seededRandom(3)).boards[0].json);
  const first = await startEmulator(state);
  try {
    const flashed = espruino('--port', first.tcp, '--config', 'SAVE_ON_SEND=1', '--storage', `provision.json:${join(directory, 'provision.json')}`, 'dist/esp32/firmware.js');
    assert.is(flashed.status, 0, flashed.stderr);
    assert.match(flashed.stdout, /\[NODE_STARTED\] member 1 on esp32/, flashed.stdout);
    assert.equal(readFileSync(join(state, 'storage', '.bootcde')), readFileSync('dist/esp32/firmware.js'), 'stored byte for byte');
    const asked = espruino('--port', first.tcp, '-e', 'print("member-" + smartchain.stats().member)');
    assert.match(asked.stdout, /member-1/, asked.stdout);
    const marker = join(directory, 'marker.js');
    writeFileSync(marker, 'var answer = 6 * 7;\nprint("marker-" + answer);\n');
    const wrapped = spawnSync(process.execPath, ['host-tools/cli/bin.js', 'flash', '--board', 'esp32', '--port', first.tcp, '--file', marker], { encoding: 'utf8', timeout: 120000 });
    assert.is(wrapped.status, 0, wrapped.stderr);
    assert.match(wrapped.stdout, /marker-42/, 'smartchain flash wraps the espruino tool');
  } finally {
    first.child.kill('SIGTERM');
  }
  const second = await startEmulator(state);
  try {
    assert.match(await converse(second.pty, 'answer + 1\n', /=43/), /=43/, 'power-on ran .bootcde');
  } finally {
    second.child.kill('SIGTERM');
  }
});

test.run();
