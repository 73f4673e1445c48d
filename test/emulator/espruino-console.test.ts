// The emulated ESP32's Espruino console: typed lines answer `=value` at the `>` prompt, a line after
// 0x10 is not echoed, and the real `espruino` command-line tool (which opens only serial ports it can
// list, so it reaches the emulator over TCP) flashes the real esp32 bundle with its provisioning into
// Storage; the code runs at once (load()) and again at the next power-on, from .bootcde. `smartchain
// flash` wraps the tool and reads the stored size and stamp line back over the console.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { converse, startEmulator, stopEmulator } from '../support/emulate';
import { projectVersion, stampBundle } from '../../host-tools/build/bundle-stamp';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { seededRandom } from '../../host-tools/emulator/world';

const READY = /^(\/dev\/pts\/\d+)\n(tcp:\/\/127\.0\.0\.1:\d+)$/m;
const directories: string[] = [];
const temporary = () => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-espruino-'));
  directories.push(directory);
  return directory;
};

/** The esp32 emulator with its console on a pseudo-terminal and on TCP. */
async function startConsole(state: string) {
  const { child, match, output } = await startEmulator(['--board', 'esp32', '--state', state], READY);
  return { child, pty: match[1], tcp: match[2], output };
}

const espruino = (...args: string[]) => spawnSync(join('node_modules', '.bin', 'espruino'), ['-b', '115200', '--no-ble', ...args], { encoding: 'utf8', timeout: 120000 });

test('the console answers at the prompt; a line after 0x10 is not echoed and prints no value', async () => {
  const emulator = await startConsole(join(temporary(), 'state'));
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
    await stopEmulator(emulator.child);
  }
});

test('the espruino tool flashes the esp32 bundle and its provisioning; it runs now and after a restart', async () => {
  const directory = temporary();
  const state = join(directory, 'state');
  writeFileSync(join(directory, 'provision.json'), provisionBoards(1, seededRandom(3)).boards[0].json);
  const first = await startConsole(state);
  try {
    const flashed = espruino('--port', first.tcp, '--config', 'SAVE_ON_SEND=1', '--storage', `provision.json:${join(directory, 'provision.json')}`, 'dist/esp32/firmware.js');
    assert.is(flashed.status, 0, flashed.stderr);
    assert.match(flashed.stdout, /\[NODE_STARTED\] member 1 on esp32/, flashed.stdout);
    assert.equal(readFileSync(join(state, 'storage', '.bootcde')), readFileSync('dist/esp32/firmware.js'), 'stored byte for byte');
    const asked = espruino('--port', first.tcp, '-e', 'print("member-" + smartchain.stats().member)');
    assert.match(asked.stdout, /member-1/, asked.stdout);
    const marker = join(directory, 'marker.js');
    writeFileSync(marker, stampBundle('esp32', projectVersion(), Buffer.from('var answer = 6 * 7;\nprint("marker-" + answer);\n')));
    const wrapped = spawnSync(process.execPath, ['host-tools/cli/bin.js', 'flash', '--board', 'esp32', '--port', first.tcp, '--file', marker], { encoding: 'utf8', timeout: 120000 });
    assert.is(wrapped.status, 0, wrapped.stderr);
    const size = readFileSync(marker).length;
    assert.match(wrapped.stdout, new RegExp(`^flashed esp32 on tcp://127\\.0\\.0\\.1:\\d+: .*marker\\.js \\(esp32 bundle, version .*, ${size} bytes\\); the board holds ${size} bytes\\n$`), wrapped.stdout);
    assert.equal(readFileSync(join(state, 'storage', '.bootcde')), readFileSync(marker), 'smartchain flash wraps the espruino tool');
    assert.match(await converse(first.pty, 'answer + 1\n', /=43/), /=43/, 'the flashed code ran');
  } finally {
    await stopEmulator(first.child);
  }
  const second = await startConsole(state);
  try {
    assert.match(await converse(second.pty, 'answer + 1\n', /=43/), /=43/, 'power-on ran .bootcde');
  } finally {
    await stopEmulator(second.child);
  }
});

test.after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

test.run();
