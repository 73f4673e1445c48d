// Opening a store: a path that does not exist is STORE_MISSING (nothing created) unless --create; and
// `member add|list` through a running aggregator's API with its admin token, compared in constant time.
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isAdmin } from '../../host-tools/aggregator/server';
import { smartchain, startAggregator, stopBy } from '../support/aggregator';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-member-'));
const publicKey = (fill: number) => Buffer.from(nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(fill)).publicKey).toString('hex');

test('a store that does not exist is STORE_MISSING, exit 1, and nothing is created', () => {
  const missing = join(directory, 'no', 'such', 'dir', 'x.sqlite');
  const runs = [
    smartchain('member', 'list', '--db', missing),
    smartchain('member', 'add', '--pubkey', publicKey(1), '--db', missing),
    smartchain('aggregator', '--db', missing, '--http', '127.0.0.1:0'),
  ];
  for (const result of runs) {
    assert.is(result.status, 1, result.stderr);
    assert.match(result.stderr, /^smartchain (member|aggregator): STORE_MISSING: .*no\/such\/dir\/x\.sqlite does not exist \(--create makes a new store there\)\n$/);
  }
  assert.not.ok(existsSync(join(directory, 'no')), 'a folder was created');
});

test('--create makes the store and its keys; later runs open it without --create', () => {
  const dbPath = join(directory, 'made', 'a.sqlite');
  const added = smartchain('member', 'add', '--pubkey', publicKey(1), '--grant', '500', '--db', dbPath, '--create', '--json');
  assert.is(added.status, 0, added.stderr);
  assert.is(JSON.parse(added.stdout).id, 1);
  for (const name of ['consortium.key', 'aggregator.key', 'admin.token']) assert.ok(existsSync(join(directory, 'made', name)), name);
  const listed = smartchain('member', 'list', '--db', dbPath, '--json');
  assert.is(listed.status, 0, listed.stderr);
  assert.equal(JSON.parse(listed.stdout), [{ id: 1, public_key: publicKey(1), balance: 500 }]);
});

test('a store whose keys are gone is STORE_KEYS_MISSING, even with --create: new keys would disown it', () => {
  const dbPath = join(directory, 'keyless', 'a.sqlite');
  assert.is(smartchain('member', 'list', '--db', dbPath, '--create').status, 0);
  unlinkSync(join(directory, 'keyless', 'consortium.key'));
  for (const extra of [[], ['--create']]) {
    const result = smartchain('member', 'list', '--db', dbPath, ...extra);
    assert.is(result.status, 1);
    assert.match(result.stderr, /^smartchain member: STORE_KEYS_MISSING: .*consortium\.key is missing/);
  }
  assert.not.ok(existsSync(join(directory, 'keyless', 'consortium.key')));
});

test('member needs exactly one of --aggregator and --db: exit 2 with a code', () => {
  const neither = smartchain('member', 'list');
  assert.is(neither.status, 2);
  assert.match(neither.stderr, /^smartchain member: OPTION_MISSING: say where the registry is/);
  const both = smartchain('member', 'list', '--db', 'x.sqlite', '--aggregator', 'http://127.0.0.1:1');
  assert.is(both.status, 2);
  assert.match(both.stderr, /OPTION_INVALID/);
  assert.not.ok(existsSync('data'), 'member wrote a default store');
});

test('member add and list through a running aggregator with its admin token', async () => {
  const dbPath = join(directory, 'served', 'aggregator.sqlite');
  const tokenFile = join(directory, 'served', 'admin.token');
  const { child, url, output } = await startAggregator(['--db', dbPath, '--create']);
  try {
    assert.match(output(), /created a new store at /);
    const added = smartchain('member', 'add', '--pubkey', publicKey(2), '--grant', '100000', '--aggregator', url, '--admin-token-file', tokenFile);
    assert.is(added.status, 0, added.stderr);
    assert.match(added.stdout, /^member 1 \(membership record [0-9a-f]{32}\); token_key [0-9a-f]{64}\n$/);
    const again = smartchain('member', 'add', '--pubkey', publicKey(2), '--aggregator', url, '--admin-token-file', tokenFile);
    assert.is(again.status, 1);
    assert.match(again.stderr, /^smartchain member: MEMBER_EXISTS: this key is already member 1\n$/);
    const wrongToken = join(directory, 'wrong.token');
    writeFileSync(wrongToken, 'ab'.repeat(32));
    const refused = smartchain('member', 'add', '--pubkey', publicKey(3), '--aggregator', url, '--admin-token-file', wrongToken);
    assert.is(refused.status, 1);
    assert.match(refused.stderr, /^smartchain member: UNAUTHORIZED: /);
    const noToken = smartchain('member', 'add', '--pubkey', publicKey(3), '--aggregator', url, '--admin-token-file', join(directory, 'none.token'));
    assert.is(noToken.status, 1);
    assert.match(noToken.stderr, /^smartchain member: ADMIN_TOKEN_MISSING: /);
    const listed = smartchain('member', 'list', '--aggregator', url, '--json');
    assert.is(listed.status, 0, listed.stderr);
    assert.equal(JSON.parse(listed.stdout), [{ id: 1, public_key: publicKey(2), balance: 100000 }]);
  } finally {
    assert.equal(await stopBy(child, 'SIGTERM'), { code: 0, signal: null });
  }
  const unreachable = smartchain('member', 'list', '--aggregator', url);
  assert.is(unreachable.status, 1);
  assert.match(unreachable.stderr, /^smartchain member: AGGREGATOR_UNREACHABLE: .*ECONNREFUSED/);
  assert.is(readFileSync(tokenFile, 'utf8').trim().length, 64);
});

test('isAdmin accepts exactly the bearer token, whatever the length of a wrong one', () => {
  const token = 'cd'.repeat(32);
  const request = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;
  assert.ok(isAdmin(request(`Bearer ${token}`), token));
  for (const wrong of [undefined, '', 'Bearer', `Bearer ${token.slice(0, 63)}`, `Bearer ${token}0`, `bearer ${token}`, `Bearer ${'ce'.repeat(32)}`]) {
    assert.not.ok(isAdmin(request(wrong), token), String(wrong));
  }
});

test.after(() => rmSync(directory, { recursive: true, force: true }));
test.run();
