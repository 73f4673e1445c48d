// Keys and signatures: RFC 8032 §7.1 vectors through the firmware's signing path, every Wycheproof
// vector on the board's verification and the host's (node:crypto) with the shared policy, tampering,
// small-order keys, and the verified-once cache.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { keyPairFromSeed, recordId, sha512, signDetached, verifyDetached } from '../../firmware/crypto/ed25519';
import { checkMemberKey, checkSignatureEncoding, isSmallOrderKey } from '../../firmware/crypto/policy';
import { VerifiedCache } from '../../firmware/crypto/verified-cache';
import { verifyHost } from '../../host-tools/crypto/verify-host';
import { createHash } from 'node:crypto';
import { createRng, testSeed } from '../support/rng';

const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// RFC 8032 §7.1: secret key (seed), public key, message, signature.
const RFC8032: [string, string, string, string, string][] = [
  ['TEST 1', '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
  ['TEST 2', '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
  ['TEST 3', 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
  ['TEST SHA(abc)', '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42', 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704'],
];

test('the firmware\'s own signing (fast-verify point arithmetic) equals tweetnacl\'s on random keys and messages', () => {
  const rng = createRng(testSeed('signing against tweetnacl'));
  for (let round = 0; round < 40; round++) {
    const seed = rng.bytes(32);
    const message = rng.bytes(rng.int(0, 300));
    const ours = keyPairFromSeed(seed);
    const theirs = nacl.sign.keyPair.fromSeed(seed);
    assert.is(hex(ours.publicKey), hex(theirs.publicKey));
    const signature = signDetached(message, ours.secretKey);
    assert.is(hex(signature), hex(nacl.sign.detached(message, theirs.secretKey)));
    assert.ok(verifyDetached(message, signature, ours.publicKey));
    if (message.length > 0) {
      message[0] ^= 1;
      assert.not.ok(verifyDetached(message, signature, ours.publicKey));
    }
  }
});

test('RFC 8032 §7.1 vectors pass through the firmware signing path and both verifiers', () => {
  for (const [name, seed, publicKey, message, signature] of RFC8032) {
    const pair = keyPairFromSeed(unhex(seed));
    assert.is(hex(pair.publicKey), publicKey, `${name} public key`);
    const signed = signDetached(unhex(message), pair.secretKey);
    assert.is(hex(signed), signature, `${name} signature`);
    assert.ok(verifyDetached(unhex(message), signed, pair.publicKey), `${name} board verify`);
    assert.ok(verifyHost(unhex(message), signed, pair.publicKey), `${name} host verify`);
  }
});

test('a tampered message, signature or key fails on both sides', () => {
  const [, seed, , message] = RFC8032[2];
  const pair = keyPairFromSeed(unhex(seed));
  const signature = signDetached(unhex(message), pair.secretKey);
  const tamperedMessage = unhex(message);
  tamperedMessage[0] ^= 1;
  const tamperedSignature = signature.slice();
  tamperedSignature[10] ^= 0x40;
  const tamperedKey = pair.publicKey.slice();
  tamperedKey[3] ^= 2;
  for (const [m, s, k] of [[tamperedMessage, signature, pair.publicKey], [unhex(message), tamperedSignature, pair.publicKey], [unhex(message), signature, tamperedKey]]) {
    assert.not.ok(verifyDetached(m, s, k));
    assert.not.ok(verifyHost(m, s, k));
  }
  assert.not.ok(verifyDetached(unhex(message), signature.subarray(0, 63), pair.publicKey));
  assert.not.ok(verifyHost(unhex(message), new Uint8Array(0), pair.publicKey));
});

type Wycheproof = { testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[] };
const wycheproof = JSON.parse(readFileSync(new URL('../vectors/wycheproof-ed25519_test.json', import.meta.url), 'utf8')) as Wycheproof;

test('all 151 Wycheproof vectors: board (tweetnacl + policy) and host (node:crypto + policy) agree with the expected result', () => {
  let cases = 0;
  const malleable: number[] = [];
  for (const group of wycheproof.testGroups) {
    const publicKey = unhex(group.publicKey.pk);
    for (const vector of group.tests) {
      cases++;
      const expected = vector.result === 'valid';
      const message = unhex(vector.msg);
      const signature = unhex(vector.sig);
      assert.is(verifyHost(message, signature, publicKey), expected, `host tcId ${vector.tcId}`);
      assert.is(verifyDetached(message, signature, publicKey), expected, `board tcId ${vector.tcId}`);
      const plain = signature.length === 64 && nacl.sign.detached.verify(message, signature, publicKey);
      if (plain !== expected) malleable.push(vector.tcId);
    }
  }
  assert.is(cases, 151);
  // Plain tweetnacl accepts S >= L (test/vectors/README.md): exactly these, which the policy refuses.
  assert.equal(malleable, [63, 64, 65, 66, 85]);
  for (const tcId of malleable) {
    const vector = wycheproof.testGroups.flatMap((group) => group.tests).find((entry) => entry.tcId === tcId);
    assert.is(checkSignatureEncoding(unhex((vector as { sig: string }).sig)), 'SIGNATURE_NONCANONICAL_S');
  }
});

test('member keys of small order or non-canonical encoding are refused at registration', () => {
  assert.ok(isSmallOrderKey(unhex('0100000000000000000000000000000000000000000000000000000000000000')));
  assert.ok(isSmallOrderKey(unhex('0000000000000000000000000000000000000000000000000000000000000080')));
  assert.ok(isSmallOrderKey(unhex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')));
  assert.is(checkMemberKey(unhex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85')), 'KEY_SMALL_ORDER');
  assert.is(checkMemberKey(unhex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')), 'KEY_NONCANONICAL');
  assert.is(checkMemberKey(new Uint8Array(31)), 'KEY_LENGTH');
  assert.is(checkMemberKey(keyPairFromSeed(new Uint8Array(32).fill(9)).publicKey), null);
});

test('SHA-512 and record ids agree with node:crypto', () => {
  const input = new Uint8Array(300).map((_, index) => index * 7);
  assert.is(hex(sha512(input)), createHash('sha512').update(input).digest('hex'));
  const id = recordId(input.subarray(0, 100), input.subarray(100, 164));
  assert.is(hex(id), createHash('sha512').update(input.subarray(0, 164)).digest('hex').slice(0, 32));
});

test('the verified-once cache is bounded and evicts the oldest first', () => {
  const cache = new VerifiedCache(3, 16);
  const id = (byte: number) => new Uint8Array(16).fill(byte);
  for (const byte of [1, 2, 3]) cache.add(id(byte));
  assert.is(cache.size(), 3);
  cache.add(id(2));
  assert.is(cache.size(), 3);
  cache.add(id(4));
  assert.is(cache.size(), 3);
  assert.not.ok(cache.has(id(1)));
  assert.ok(cache.has(id(2)) && cache.has(id(3)) && cache.has(id(4)));
  assert.throws(() => cache.add(new Uint8Array(15)));
  assert.throws(() => new VerifiedCache(0, 16));
});

test.run();
