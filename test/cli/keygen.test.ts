// `smartchain keygen`: the seed goes only into the file (mode 0600), the terminal sees the public key,
// an existing file is kept unless --force.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-keygen-'));

function smartchain(...args: string[]) {
  const result = spawnSync(process.execPath, ['host-tools/cli/bin.js', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function readKey(path: string): { seed: string; public_key: string } {
  return JSON.parse(readFileSync(path, 'utf8')) as { seed: string; public_key: string };
}

test('writes the seed to the file only, mode 0600, and prints the public key', () => {
  const file = join(directory, 'board-key.json');
  const result = smartchain('keygen', '--out', file);
  assert.is(result.status, 0, result.stderr);
  const key = readKey(file);
  assert.match(key.seed, /^[0-9a-f]{64}$/);
  const publicKey = Buffer.from(nacl.sign.keyPair.fromSeed(new Uint8Array(Buffer.from(key.seed, 'hex'))).publicKey).toString('hex');
  assert.is(key.public_key, publicKey);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.ok(result.stdout.includes(publicKey));
  assert.not.ok(result.stdout.includes(key.seed), 'the seed reached the terminal');
  assert.not.ok(result.stderr.includes(key.seed), 'the seed reached the terminal');
});

test('--json prints the public key and the file, not the seed', () => {
  const file = join(directory, 'json-key.json');
  const result = smartchain('keygen', '--out', file, '--json');
  assert.is(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), { public_key: readKey(file).public_key, file });
});

test('an existing file is refused with FILE_EXISTS and left as it was; --force replaces it, mode 0600', () => {
  const file = join(directory, 'existing.json');
  writeFileSync(file, 'precious\n', { mode: 0o644 });
  const refused = smartchain('keygen', '--out', file);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /^smartchain keygen: FILE_EXISTS: .*--force/);
  assert.is(refused.stderr.trim().split('\n').length, 1);
  assert.is(readFileSync(file, 'utf8'), 'precious\n');
  const forced = smartchain('keygen', '--out', file, '--force');
  assert.is(forced.status, 0, forced.stderr);
  assert.match(readKey(file).seed, /^[0-9a-f]{64}$/);
  assert.is(statSync(file).mode & 0o777, 0o600);
});

test('without --out nothing is generated: exit 2, OPTION_MISSING', () => {
  const result = smartchain('keygen');
  assert.is(result.status, 2);
  assert.match(result.stderr, /^smartchain keygen: OPTION_MISSING: missing --out /);
  assert.is(result.stdout, '');
});

test('an unwritable place is FILE_UNWRITABLE, exit 1', () => {
  const result = smartchain('keygen', '--out', join(directory, 'no', 'such', 'dir', 'key.json'));
  assert.is(result.status, 1);
  assert.match(result.stderr, /^smartchain keygen: FILE_UNWRITABLE: /);
});

test.after(() => rmSync(directory, { recursive: true, force: true }));
test.run();
