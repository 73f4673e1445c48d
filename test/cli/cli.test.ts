// The `smartchain` command as a user runs it: help on every subcommand, exit codes 0, 1 and 2.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands } from '../../host-tools/cli/commands';

function smartchain(...args: string[]) {
  const result = spawnSync(process.execPath, ['host-tools/cli/bin.js', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('--help lists every subcommand and exits 0', () => {
  const result = smartchain('--help');
  assert.is(result.status, 0);
  for (const name of Object.keys(commands)) assert.match(result.stdout, new RegExp(`\\b${name}\\b`));
});

test('every subcommand answers --help with its usage', () => {
  for (const name of Object.keys(commands)) {
    const result = smartchain(name, '--help');
    assert.is(result.status, 0, `${name} --help: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`smartchain ${name}`));
  }
});

test('an unknown command or option is bad usage: exit 2, one line, no stack', () => {
  const unknown = smartchain('frobnicate');
  assert.is(unknown.status, 2);
  assert.is(unknown.stderr.trim().split('\n').length, 1);
  const badOption = smartchain('keygen', '--no-such-option');
  assert.is(badOption.status, 2);
  assert.not.match(badOption.stderr, /\n\s+at /);
});

test('the rp2040 engine and bench target reject what they cannot run, on one line, changing nothing', () => {
  for (const [args, status, text] of [
    [['emulate', '--board', 'esp32', '--engine', 'rp2040'], 2, /runs the pico only/],
    [['emulate', '--board', 'pico', '--image', 'stock'], 2, /options of --engine rp2040/],
    [['emulate', '--board', 'pico', '--engine', 'v8'], 2, /quickjs, rp2040/],
    [['emulate', '--board', 'pico', '--engine', 'rp2040', '--image', 'package.json'], 1, /IMAGE_NO_BOOT2/],
    [['emulate', '--board', 'pico', '--engine', 'rp2040', '--image', 'no-such.uf2'], 1, /IMAGE_MISSING/],
    [['bench', 'validation', '--target', 'rp2040', '--board', 'pico', '--ops', 'sign,foo'], 2, /foo is not one of/],
    [['bench', 'validation', '--target', 'rp2040', '--board', 'esp32'], 1, /RP2040_BOARD_UNSUPPORTED/],
  ] as const) {
    const result = smartchain(...args);
    assert.is(result.status, status, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr.split('\n')[0], text);
    assert.not.match(result.stderr, /\n\s+at /);
  }
});

test.run();
