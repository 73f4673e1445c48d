// The real `kaluma write` from @kaluma/cli flashes the emulated Pico over its pseudo-terminal (YMODEM
// over Kaluma's REPL), and the board then runs that code; the program survives a reset like flash.
// `smartchain flash` wraps it: it writes a stamped bundle and reads the stored size back with
// `.flash -s`, and fails when the board holds something else (a NUL byte ends Kaluma's stored program).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectVersion, stampBundle } from '../../host-tools/build/bundle-stamp';
import { converse, startEmulator, stopEmulator } from '../support/emulate';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-kaluma-'));
const smartchainFlash = (...args: string[]) => spawnSync(process.execPath, ['host-tools/cli/bin.js', 'flash', '--board', 'pico', ...args], { encoding: 'utf8', timeout: 60000 });

test('kaluma write flashes the emulated Pico, which then runs the code, also after .load', async () => {
  const program = join(directory, 'marker.js');
  writeFileSync(program, 'var answer = 6 * 7;\nprint("marker-" + answer);\n');
  const { child, match } = await startEmulator(['--board', 'pico', '--state', join(directory, 'state')]);
  const pty = match[1];
  try {
    const flashed = spawnSync(join('node_modules', '.bin', 'kaluma'), ['write', program, '-p', pty], { encoding: 'utf8', timeout: 60000 });
    assert.is(flashed.status, 0, flashed.stderr);
    assert.match(flashed.stdout, /Done\. \(.*marker\.js : 47 bytes\)/, flashed.stdout);
    assert.is(readFileSync(join(directory, 'state', 'program.js'), 'utf8'), readFileSync(program, 'utf8'));
    assert.match(await converse(pty, '.load\r', /marker-42/), /marker-42/);
    assert.match(await converse(pty, 'answer + 1\r', /43/), /43/);
    assert.match(await converse(pty, '.reset\r', /soft reset/), /soft reset/, '.reset restarts the runtime');
    assert.match(await converse(pty, '.load\r', /marker-42/), /marker-42/, 'the program is in flash');
    assert.match(await converse(pty, '.mem\r', /total: 184312, occupied: \d+, peak: \d+/), /total: 184312/);
    assert.match(await converse(pty, '.flash -s\r', /\r\n47\r\n/), /\r\n47\r\n/, '.flash -s prints the stored size');
    const bundle = join(directory, 'second.js');
    writeFileSync(bundle, stampBundle('pico', projectVersion(), Buffer.from('print("second-" + (1 + 1));\n')));
    const wrapped = smartchainFlash('--port', pty, '--file', bundle);
    assert.is(wrapped.status, 0, wrapped.stderr);
    assert.match(wrapped.stdout, new RegExp(`^flashed pico on ${pty}: .*second\\.js \\(pico bundle, version ${projectVersion()}, \\d+ bytes\\); the board holds \\d+ bytes\\n$`), wrapped.stdout);
    const size = readFileSync(bundle).length;
    assert.ok(wrapped.stdout.includes(`${size} bytes); the board holds ${size} bytes`), wrapped.stdout);
    assert.match(await converse(pty, '.load\r', /second-2/), /second-2/, 'smartchain flash wraps kaluma write');
    await converse(pty, '.flash -e\r', /> /);
    assert.is(readFileSync(join(directory, 'state', 'program.js'), 'utf8'), '');
  } finally {
    await stopEmulator(child);
  }
});

test('smartchain flash fails when the size read back differs from the bundle (a NUL byte cuts Kaluma\'s program)', async () => {
  const { child, match } = await startEmulator(['--board', 'pico', '--state', join(directory, 'state-nul')]);
  try {
    const bundle = join(directory, 'nul.js');
    writeFileSync(bundle, stampBundle('pico', projectVersion(), Buffer.from('print("before");\n\0print("after");\n', 'latin1')));
    const result = smartchainFlash('--port', match[1], '--file', bundle);
    assert.is(result.status, 1, result.stdout);
    assert.is(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^smartchain flash: FLASH_VERIFY_FAILED: the board stored \d+ bytes, not the \d+ of /);
  } finally {
    await stopEmulator(child);
  }
});

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
