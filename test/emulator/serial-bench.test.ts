// `smartchain bench validation --target serial:PORT` against the emulated Pico's pseudo-terminal: the
// bench program is written with the real `kaluma write`, driven over Kaluma's REPL, and reported in the
// same JSON shape as the emulator target; bad targets and boards are refused with codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmulator, stopEmulator } from '../support/emulate';

const bench = (...args: string[]) => spawnSync(process.execPath, ['host-tools/cli/bin.js', 'bench', 'validation', ...args], { encoding: 'utf8', timeout: 300000 });

const directory = mkdtempSync(join(tmpdir(), 'smartchain-serial-bench-'));

test('the validation bench runs over the serial REPL of the emulated Pico', async () => {
  // No watchdog: Kaluma 1.2.1 resets nothing unless the program arms one, and the bench program does not.
  const state = join(directory, 'state');
  const { child, match } = await startEmulator(['--board', 'pico', '--state', state, '--watchdog-ms', '0']);
  const pty = match[1];
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
    await stopEmulator(child);
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

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
