// The `smartchain` command as a user runs it: help on every subcommand, exit codes 0, 1 and 2.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

test('--version prints the package version and exits 0', () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const result = smartchain('--version');
  assert.is(result.status, 0);
  assert.is(result.stdout, `smartchain ${version}\n`);
});

test('negative, malformed and missing numbers: one line with a code, exit 2, nothing of node:util', () => {
  const cases: [string[], RegExp][] = [
    [['simulate', '--evs', '-3'], /^smartchain simulate: OPTION_INVALID: --evs must be an integer from 2 to 100, got -3 /],
    [['simulate', '--evs', 'abc'], /^smartchain simulate: OPTION_INVALID: --evs must be an integer from 2 to 100, got abc /],
    [['demo', '--nodes', '-1.5'], /^smartchain demo: OPTION_INVALID: --nodes must be an integer from 2 to 64, got -1.5 /],
    [['simulate', '--evs'], /^smartchain simulate: OPTION_INVALID: --evs needs a value /],
    [['simulate', '--evs', '--quiet'], /^smartchain simulate: OPTION_INVALID: --evs needs a value /],
    [['simulate', '--quiet=yes'], /^smartchain simulate: OPTION_INVALID: --quiet takes no value /],
    [['emulate', '--board', 'pico', '--seed', 'x'], /^smartchain emulate: OPTION_INVALID: --seed must be an integer/],
    [['keygen', '--no-such-option'], /^smartchain keygen: OPTION_UNKNOWN: unknown option --no-such-option /],
    [['frobnicate'], /^smartchain: COMMAND_UNKNOWN: /],
  ];
  for (const [args, expected] of cases) {
    const result = smartchain(...args);
    assert.is(result.status, 2, args.join(' '));
    assert.is(result.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, expected);
    assert.not.match(result.stderr, /ambiguous|ERR_PARSE_ARGS|\n\s+at /);
    assert.is(result.stdout, '');
  }
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
