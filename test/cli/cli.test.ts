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

test.run();
