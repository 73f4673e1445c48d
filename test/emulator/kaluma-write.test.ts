// The real `kaluma write` from @kaluma/cli flashes the emulated Pico over its pseudo-terminal (YMODEM
// over Kaluma's REPL), and the board then runs that code; the program survives a reset like flash.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { converse, startEmulator } from '../support/emulate';

test('kaluma write flashes the emulated Pico, which then runs the code, also after .reset', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-kaluma-'));
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
    assert.match(await converse(pty, '.reset\r', /marker-42/), /marker-42/, 'the program is in flash');
    assert.match(await converse(pty, '.mem\r', /total: 184312, occupied: \d+, peak: \d+/), /total: 184312/);
    writeFileSync(program, 'print("second-" + (1 + 1));\n');
    const wrapped = spawnSync(process.execPath, ['host-tools/cli/bin.js', 'flash', '--board', 'pico', '--port', pty, '--file', program], { encoding: 'utf8', timeout: 60000 });
    assert.is(wrapped.status, 0, wrapped.stderr);
    assert.match(await converse(pty, '.load\r', /second-2/), /second-2/, 'smartchain flash wraps kaluma write');
    await converse(pty, '.flash -e\r', /> /);
    assert.is(readFileSync(join(directory, 'state', 'program.js'), 'utf8'), '');
  } finally {
    child.kill('SIGTERM');
  }
});

test.run();
