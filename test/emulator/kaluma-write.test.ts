// The real `kaluma write` from @kaluma/cli flashes the emulated Pico over its pseudo-terminal (YMODEM
// over Kaluma's REPL), and the board then runs that code; the program survives a reset like flash.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

function startEmulator(state: string): Promise<{ child: ChildProcess; pty: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'emulate', '--board', 'pico', '--state', state], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error('the emulator printed no pseudo-terminal within 20 s')), 20000);
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /^(\/dev\/pts\/\d+)/m.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve({ child, pty: match[1] });
      }
    });
  });
}

/** Sends a line to the REPL and reads the terminal until `expected` appears (bounded in time). */
async function converse(pty: string, line: string, expected: RegExp, timeoutMs = 10000): Promise<string> {
  const fd = openSync(pty, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  try {
    writeSync(fd, line);
    const buffer = Buffer.alloc(4096);
    let seen = '';
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !expected.test(seen)) {
      try {
        const count = readSync(fd, buffer, 0, buffer.length, null);
        seen += buffer.subarray(0, count).toString('latin1');
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

test('kaluma write flashes the emulated Pico, which then runs the code, also after .reset', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-kaluma-'));
  const program = join(directory, 'marker.js');
  writeFileSync(program, 'var answer = 6 * 7;\nprint("marker-" + answer);\n');
  const { child, pty } = await startEmulator(join(directory, 'state'));
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
