// `smartchain provision` end to end on each board of test/support/board-targets.ts: a store with members
// and their keys as `smartchain member add` leaves them, a key file as `smartchain keygen` writes it; the
// bundle is flashed with `smartchain flash`, provisioned over the REPL, read back, reset, and the board's
// node starts as that member. Bad arguments and inputs that disagree with the store are refused with one
// line naming the code, before the board is touched, and the store never changes. Needs make build.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { publicKeyFromSeed } from '../../host-tools/crypto/verify-host';
import { boardTargets } from '../support/board-targets';
import { converse } from '../support/emulate';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-provision-'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const CONSORTIUM_SEED = new Uint8Array(32).fill(0x31);
const AGGREGATOR_SEED = new Uint8Array(32).fill(0x32);
const memberSeeds = [0x41, 0x42, 0x43].map((fill) => new Uint8Array(32).fill(fill));

// The store and the seeds beside it, as the aggregator keeps them (host-tools/aggregator/server.ts secretsFor).
const storeDirectory = join(directory, 'store');
mkdirSync(storeDirectory);
writeFileSync(join(storeDirectory, 'consortium.key'), hex(CONSORTIUM_SEED) + '\n');
writeFileSync(join(storeDirectory, 'aggregator.key'), hex(AGGREGATOR_SEED) + '\n');
const dbPath = join(storeDirectory, 'aggregator.sqlite');
const tokenKeys: string[] = [];
{
  const aggregator = new Aggregator({ dbPath, consortiumSeed: CONSORTIUM_SEED, aggregatorSeed: AGGREGATOR_SEED });
  for (const seed of memberSeeds) {
    const added = aggregator.addMember(publicKeyFromSeed(seed), 50000);
    assert.ok(added.ok);
    tokenKeys.push(hex((added as { tokenKey: Uint8Array }).tokenKey));
  }
  aggregator.close();
}
const storeBytes = readFileSync(dbPath);
// Member 2's key file, as smartchain keygen --out writes it.
const keyFile = join(directory, 'board-key.json');
writeFileSync(keyFile, JSON.stringify({ seed: hex(memberSeeds[1]), public_key: hex(publicKeyFromSeed(memberSeeds[1])) }) + '\n', { mode: 0o600 });

const smartchain = (...args: string[]) => spawnSync(process.execPath, ['host-tools/cli/bin.js', ...args], { encoding: 'utf8', timeout: 180000 });
const provision = (...args: string[]) => smartchain('provision', ...args);

/** Exit `status`, nothing on standard output, and a first (for exit 1: only) stderr line naming `code`. */
function assertRefused(result: ReturnType<typeof provision>, status: number, code: string): void {
  assert.is(result.status, status, result.stderr + result.stdout);
  assert.is(result.stdout, '');
  const lines = result.stderr.trimEnd().split('\n');
  assert.match(lines[0], new RegExp(`^smartchain provision: ${code}: `), result.stderr);
  if (status === 1) assert.is(lines.length, 1, result.stderr);
  assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
}

test('bad arguments and inputs that disagree with the store are refused with their code; the store is unchanged', () => {
  const base = (overrides: Record<string, string>) => {
    const options: Record<string, string> = { board: 'pico', port: '/dev/null', key: keyFile, 'member-id': '2', 'token-key': tokenKeys[1], db: dbPath, ...overrides };
    return Object.entries(options).flatMap(([name, value]) => [`--${name}`, value]);
  };
  assertRefused(provision(...base({ board: 'arduino' })), 2, 'BOARD_INVALID');
  assertRefused(provision(...base({ port: '' })), 2, 'ARGUMENT_MISSING');
  assertRefused(provision(...base({ 'member-id': '0' })), 2, 'MEMBER_ID_INVALID');
  assertRefused(provision(...base({ 'member-id': 'two' })), 2, 'MEMBER_ID_INVALID');
  assertRefused(provision(...base({ 'token-key': 'abcd' })), 2, 'TOKEN_KEY_INVALID');
  assertRefused(provision(...base({ 'wait-ms': 'soon' })), 2, 'WAIT_INVALID');
  assertRefused(provision(...base({ key: join(directory, 'absent.json') })), 1, 'KEY_FILE_MISSING');
  const notJson = join(directory, 'not-json.json');
  writeFileSync(notJson, 'seed=00');
  assertRefused(provision(...base({ key: notJson })), 1, 'KEY_FILE_INVALID');
  const mismatched = join(directory, 'mismatched.json');
  writeFileSync(mismatched, JSON.stringify({ seed: hex(memberSeeds[1]), public_key: hex(publicKeyFromSeed(memberSeeds[0])) }));
  assertRefused(provision(...base({ key: mismatched })), 1, 'KEY_FILE_INVALID');
  assertRefused(provision(...base({ 'member-id': '9' })), 1, 'MEMBER_UNKNOWN');
  assertRefused(provision(...base({ 'member-id': '1', 'token-key': tokenKeys[0] })), 1, 'MEMBER_KEY_MISMATCH');
  assertRefused(provision(...base({ 'token-key': tokenKeys[0] })), 1, 'TOKEN_KEY_MISMATCH');
  assertRefused(provision(...base({ db: join(directory, 'no-store', 'a.sqlite') })), 1, 'STORE_MISSING');
  assertRefused(provision(...base({})), 1, 'PORT_NOT_SERIAL');
  assertRefused(provision(...base({ port: keyFile })), 1, 'PORT_NOT_SERIAL');
  assertRefused(provision(...base({ port: join(directory, 'no-such-port') })), 1, 'PORT_MISSING');
  assertRefused(provision(...base({ port: 'tcp://127.0.0.1:1' })), 1, 'PORT_NOT_SERIAL');
  assert.equal(readFileSync(dbPath), storeBytes, 'the store is unchanged');
});

for (const target of boardTargets) {
  test(`${target.name}: flash, provision over the REPL, read back, reset; the node starts as member 2, also after a power-on`, async () => {
    const state = join(directory, `state-${target.name.replace(/[^a-z0-9]+/g, '-')}`);
    const started = await target.start(state);
    if (started === null) return;
    try {
      const flashed = smartchain('flash', '--board', target.board, '--port', started.flashPort);
      assert.is(flashed.status, 0, flashed.stderr);
      const result = provision('--board', target.board, '--port', started.replPort, '--key', keyFile, '--member-id', '2', '--token-key', tokenKeys[1], '--db', dbPath);
      assert.is(result.status, 0, result.stderr);
      assert.is(result.stderr, '');
      assert.match(result.stdout, new RegExp(`^provisioned ${target.board} on ${started.replPort}: provision\\.json \\(\\d+ bytes\\) written, read back and equal; reset; its node started as member 2\\n$`));
      const asked = await converse(started.replPort, `print("member-" + smartchain.stats().member)${target.lineEnd}`, /member-\d+/);
      assert.match(asked, /member-2/, 'the running node is member 2');
      assert.equal(readFileSync(dbPath), storeBytes, 'the store is unchanged');
    } finally {
      await started.stop();
    }
    const again = await target.start(state);
    assert.ok(again !== null);
    try {
      const asked = await converse(again.replPort, `print("member-" + smartchain.stats().member)${target.lineEnd}`, /member-\d+/);
      assert.match(asked, /member-2/, 'provisioning is kept in flash');
    } finally {
      await again.stop();
    }
  });
}

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
