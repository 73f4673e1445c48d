// The emulated `smartcrypto` module of the pico image (host-tools/emulator/native-crypto.ts): offered
// only to a board whose board.json lists it, the RFC 8032 §7.1 vector through it, the shared policy in
// verify (S + L refused, a non-canonical key refused, false and no throw on a bad signature), TypeError
// on a wrong type or length, and each call charged the board time of board.json native_crypto_board_ms.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard } from '../../host-tools/build/boards';
import { sha512BoardMs } from '../../host-tools/emulator/native-crypto';
import { emulatedBoardOptions } from '../../host-tools/emulator/profile';
import { World } from '../../host-tools/emulator/world';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-native-crypto-'));
const costs = loadBoard('pico').native_crypto_board_ms!;

// RFC 8032 §7.1 TEST 2: seed, public key, message, signature.
const SEED = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb';
const PUBLIC_KEY = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';
const MESSAGE = '72';
const SIGNATURE = '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00';
/** L, little-endian (RFC 8032 §5.1): S + L encodes the same scalar, a malleable copy the policy refuses. */
const L = 'edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010';

function plusL(signature: string): string {
  const s = Buffer.from(signature.slice(64), 'hex');
  const l = Buffer.from(L, 'hex');
  let carry = 0;
  for (let index = 0; index < 32; index++) {
    const sum = s[index] + l[index] + carry;
    s[index] = sum & 255;
    carry = sum >> 8;
  }
  return signature.slice(0, 64) + s.toString('hex');
}

const program = `
var c = require('smartcrypto');
function hex(bytes) { var out = ''; for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16); return out; }
function unhex(text) { var out = new Uint8Array(text.length / 2); for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16); return out; }
function thrown(run) { try { run(); return 'none'; } catch (error) { return error instanceof TypeError ? 'TypeError' : String(error); } }
var secret = new Uint8Array(64); secret.set(unhex('${SEED}'), 0); secret.set(unhex('${PUBLIC_KEY}'), 32);
`;

test('the module exists only on a board whose image has it', async () => {
  const world = await World.create(1);
  const path = join(directory, 'probe.js');
  writeFileSync(path, "var found = 'yes'; try { require('smartcrypto'); } catch (error) { found = 'no'; } print(found);");
  const pico = world.addBoard({ name: 'pico', ...emulatedBoardOptions(loadBoard('pico')) }, path);
  const stock = world.addBoard({ name: 'pico-stock', ...emulatedBoardOptions(loadBoard('pico-stock')) }, path);
  assert.equal(pico.log, ['yes']);
  assert.equal(stock.log, ['no']);
});

test('RFC 8032 vector, the shared policy, TypeErrors, and board time per call', async () => {
  const world = await World.create(1);
  const path = join(directory, 'module.js');
  writeFileSync(path, program);
  const board = world.addBoard({ name: 'pico', ...emulatedBoardOptions(loadBoard('pico')) }, path);
  // Each call's native board time, and the call's whole board time (interpreter work included).
  const timed = (code: string) => {
    const before = board.nativeCryptoMs;
    const value = board.evaluate(code);
    return { value, nativeMs: board.nativeCryptoMs - before, callMs: board.lastCallBoardMs() };
  };
  const publicKey = timed('hex(c.publicKey(unhex("' + SEED + '")))');
  assert.is(publicKey.value, PUBLIC_KEY);
  const signature = timed(`hex(c.sign(unhex("${MESSAGE}"), secret))`);
  assert.is(signature.value, SIGNATURE);
  const verified = timed(`c.verify(unhex("${SIGNATURE}"), unhex("${MESSAGE}"), unhex("${PUBLIC_KEY}"))`);
  assert.is(verified.value, 'true');
  assert.is(board.evaluate(`c.verify(unhex("${SIGNATURE}"), unhex("73"), unhex("${PUBLIC_KEY}"))`), 'false', 'another message');
  assert.is(board.evaluate(`c.verify(unhex("${plusL(SIGNATURE)}"), unhex("${MESSAGE}"), unhex("${PUBLIC_KEY}"))`), 'false', 'S + L: the policy refuses it');
  assert.is(board.evaluate(`c.verify(unhex("${SIGNATURE}"), unhex("${MESSAGE}"), unhex("${'ff'.repeat(31)}7f"))`), 'false', 'a key with y >= p');
  assert.is(board.evaluate(`c.verify(unhex("${'00'.repeat(64)}"), unhex("${MESSAGE}"), unhex("${PUBLIC_KEY}"))`), 'false');
  const hashed = timed('hex(c.sha512(new Uint8Array(150)))');
  assert.is(hashed.value, (await import('node:crypto')).createHash('sha512').update(Buffer.alloc(150)).digest('hex'));
  assert.is(board.evaluate('hex(c.sha512(new Uint8Array(0)))').slice(0, 16), 'cf83e1357eefb8bd', 'SHA-512 of nothing (FIPS 180-4)');
  for (const [what, call, expected] of [['publicKey', publicKey, costs.public_key], ['sign', signature, costs.sign], ['verify', verified, costs.verify], ['sha512 of 150 B', hashed, sha512BoardMs(costs, 150)]] as const) {
    assert.ok(Math.abs(call.nativeMs - expected) < 1e-6, `${what}: native board time ${call.nativeMs} ms, expected ${expected} ms`);
    assert.ok(call.callMs >= expected, `${what}: the call took ${call.callMs} ms of board time`);
  }
  assert.equal(board.nativeCryptoCalls, { sha512: 2, publicKey: 1, sign: 1, verify: 5 });
  assert.is(sha512BoardMs(costs, 150), 2 * costs.sha512_block, '150 bytes are two SHA-512 blocks');
  assert.is(sha512BoardMs(costs, 111), costs.sha512_block, '111 bytes and the padding fill one block');
  assert.is(sha512BoardMs(costs, 112), 2 * costs.sha512_block, '112 bytes need a second block for the length');
  // Wrong type or length: a TypeError thrown in the board, nothing computed.
  const before = board.nativeCryptoMs;
  for (const call of [
    'c.sha512("abc")', 'c.sha512([1, 2])', 'c.publicKey(new Uint8Array(31))', 'c.publicKey(null)', 'c.sign(new Uint8Array(1), new Uint8Array(32))',
    'c.sign("m", secret)', 'c.verify(new Uint8Array(63), new Uint8Array(1), new Uint8Array(32))', 'c.verify(new Uint8Array(64), new Uint8Array(1), new Uint8Array(33))',
    'c.verify(new Uint8Array(64), undefined, new Uint8Array(32))',
  ]) {
    assert.is(board.evaluate(`thrown(function () { ${call}; })`), 'TypeError', call);
  }
  assert.is(board.nativeCryptoMs, before, 'a refused call charges no native work');
});

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
