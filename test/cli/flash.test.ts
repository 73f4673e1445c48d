// `smartchain flash` refuses, before writing anything, a port that is not a serial port or pseudo-terminal
// and a file that is not a bundle built for that board; every refusal exits 1 with one line naming its
// code. (The writes themselves, and the read-back, run against the emulated boards in
// test/emulator/kaluma-write.test.ts and test/emulator/espruino-console.test.ts.) Needs make build.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-flash-'));
const flash = (...args: string[]) => spawnSync(process.execPath, ['host-tools/cli/bin.js', 'flash', ...args], { encoding: 'utf8', timeout: 30000 });

/** The run failed with exit 1 and exactly one line on stderr naming `code`, and printed nothing else. */
function assertRefused(result: ReturnType<typeof flash>, code: string): void {
  assert.is(result.status, 1, result.stderr);
  assert.is(result.stdout, '', 'nothing on standard output');
  const lines = result.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, result.stderr);
  assert.match(lines[0], new RegExp(`^smartchain flash: ${code}: `));
}

test('a port that is a regular file, /dev/null, a folder or nothing is refused, and the file is not touched', () => {
  const file = join(directory, 'not-a-port');
  writeFileSync(file, 'unchanged');
  assertRefused(flash('--board', 'pico', '--port', file), 'PORT_NOT_SERIAL');
  assert.is(readFileSync(file, 'utf8'), 'unchanged');
  assertRefused(flash('--board', 'pico', '--port', '/dev/null'), 'PORT_NOT_SERIAL');
  assertRefused(flash('--board', 'esp32', '--port', '/dev/null'), 'PORT_NOT_SERIAL');
  assertRefused(flash('--board', 'pico', '--port', directory), 'PORT_NOT_SERIAL');
  assertRefused(flash('--board', 'pico', '--port', join(directory, 'no-such-port')), 'PORT_MISSING');
  assertRefused(flash('--board', 'pico', '--port', 'tcp://127.0.0.1:1'), 'PORT_NOT_SERIAL');
});

test('random bytes, text that is not a bundle, another board\'s bundle and an edited bundle are refused', () => {
  const random = join(directory, 'random.bin');
  writeFileSync(random, randomBytes(2048));
  assertRefused(flash('--board', 'pico', '--port', '/dev/null', '--file', random), 'BUNDLE_UNMARKED');
  const text = join(directory, 'notes.txt');
  writeFileSync(text, 'Shopping list:\n- milk\n- bread\n');
  assertRefused(flash('--board', 'esp32', '--port', '/dev/null', '--file', text), 'BUNDLE_UNMARKED');
  const script = join(directory, 'script.js');
  writeFileSync(script, 'print("a program, but not a bundle the build made");\n');
  assertRefused(flash('--board', 'pico', '--port', '/dev/null', '--file', script), 'BUNDLE_UNMARKED');
  assertRefused(flash('--board', 'pico', '--port', '/dev/null', '--file', 'dist/esp32/firmware.js'), 'BUNDLE_WRONG_BOARD');
  assertRefused(flash('--board', 'esp32', '--port', '/dev/null', '--file', 'dist/pico/firmware.js'), 'BUNDLE_WRONG_BOARD');
  const edited = join(directory, 'edited.js');
  const bytes = readFileSync('dist/pico/firmware.js');
  bytes[bytes.length - 10] ^= 0x01;
  writeFileSync(edited, bytes);
  assertRefused(flash('--board', 'pico', '--port', '/dev/null', '--file', edited), 'BUNDLE_CORRUPT');
  assertRefused(flash('--board', 'pico', '--port', '/dev/null', '--file', join(directory, 'absent.js')), 'BUNDLE_MISSING');
});

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
