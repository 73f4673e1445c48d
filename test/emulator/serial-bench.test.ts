// `smartchain bench validation --target serial:PORT` against the emulated Pico's pseudo-terminal: the
// bench program is written with the real `kaluma write`, driven over Kaluma's REPL, and reported in the
// same JSON shape as the emulator target; bad targets and boards are refused with codes.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

function startEmulator(state: string): Promise<{ child: ChildProcess; pty: string }> {
  return new Promise((resolve, reject) => {
    // No watchdog: Kaluma 1.2.1 resets nothing unless the program arms one, and the bench program does not.
    const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'emulate', '--board', 'pico', '--state', state, '--watchdog-ms', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
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

const bench = (...args: string[]) => spawnSync(process.execPath, ['host-tools/cli/bin.js', 'bench', 'validation', ...args], { encoding: 'utf8', timeout: 300000 });

test('the validation bench runs over the serial REPL of the emulated Pico', async () => {
  const { child, pty } = await startEmulator(join(mkdtempSync(join(tmpdir(), 'smartchain-serial-bench-')), 'state'));
  try {
    const run = bench('--target', `serial:${pty}`, '--board', 'pico', '--repeats', '2', '--json');
    assert.is(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.is(result.board, 'pico');
    assert.is(result.target, `serial:${pty}`);
    for (const name of ['sign_ms', 'validate_two_caps_ms', 'issue_record_ms', 'naive_ms']) {
      const figure = result[name];
      assert.ok(figure.min > 0 && figure.min <= figure.median && figure.median <= figure.max, `${name} ${JSON.stringify(figure)}`);
    }
    assert.ok(result.ratio_to_naive > 0);
    assert.ok(result.heap_peak_bytes > 20000 && result.heap_peak_bytes <= 184312, String(result.heap_peak_bytes));
    assert.match(result.projected_board_ms.basis, /measured on the board/);
  } finally {
    child.kill('SIGTERM');
  }
});

test('a missing port, an unknown target and the esp32 are refused with codes', () => {
  const missing = bench('--target', 'serial:/dev/no-such-port', '--board', 'pico');
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /PORT_MISSING/);
  const esp32 = bench('--target', 'serial:/dev/null', '--board', 'esp32');
  assert.is(esp32.status, 1);
  assert.match(esp32.stderr, /SERIAL_BOARD_UNSUPPORTED/);
  const unknown = bench('--target', 'usb', '--board', 'pico');
  assert.is(unknown.status, 2);
});

test.run();
