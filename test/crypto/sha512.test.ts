// SHA-512 on the board: tweetnacl's JS path against node:crypto on FIPS 180-4 example vectors (NIST's
// "abc", the empty message, the two-block 896-bit message) and on random inputs of every length across
// the block boundaries (111/112 bytes: the length field spills into a second block; 127/128/129;
// 239/240/256), and the native-path switch: an installed hash is used, and null puts the JS one back.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha512, sha512IsNative, sha512Js, useNativeSha512 } from '../../firmware/crypto/sha512';
import { createRng, testSeed } from '../support/rng';
import { BOUNDARY_LENGTHS } from '../support/sha512-lengths';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'));

// FIPS 180-4 examples (NIST CSRC "SHA512.pdf" example values).
const NIST: [string, string][] = [
  ['abc', 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f'],
  ['', 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'],
  ['abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
    '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909'],
];


test('the JS SHA-512 gives the FIPS 180-4 example digests', () => {
  for (const [message, digest] of NIST) assert.is(hex(sha512Js(ascii(message))), digest, message);
});

test('the JS SHA-512 equals node:crypto on random inputs across the block boundaries', () => {
  const rng = createRng(testSeed('sha512 boundaries'));
  for (const length of BOUNDARY_LENGTHS) {
    const input = rng.bytes(length);
    assert.is(hex(sha512Js(input)), createHash('sha512').update(input).digest('hex'), `length ${length}`);
  }
});

test('an installed native SHA-512 is what sha512 calls; null puts the JS path back', () => {
  const calls: number[] = [];
  useNativeSha512((bytes) => {
    calls.push(bytes.length);
    return new Uint8Array(createHash('sha512').update(bytes).digest());
  });
  try {
    assert.ok(sha512IsNative());
    assert.is(hex(sha512(ascii('abc'))), NIST[0][1]);
    assert.equal(calls, [3]);
  } finally {
    useNativeSha512(null);
  }
  assert.not.ok(sha512IsNative());
  assert.is(hex(sha512(ascii('abc'))), NIST[0][1]);
  assert.equal(calls, [3], 'the JS path again: the native one is not called');
});

test.run();
