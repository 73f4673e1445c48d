// The board's sliced fast verification agrees exactly with the aggregator's (node:crypto plus the shared
// policy) on RFC 8032, on all 151 Wycheproof vectors and on random and mutated cases; it needs at least
// 2.5 times fewer field multiplications than tweetnacl's verify; no step exceeds its slice.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { INVERT, POW_P58, VerifyJob, fieldOps, useVerifyReduce, useVerifyWindows, verifyFast, wnaf } from '../../firmware/crypto/fast-verify';
import { convolveScalars } from '../../boards/esp32/scalar-convolve';
import { jsConvolve } from '../support/js-convolve';
import { verifyHost } from '../../host-tools/crypto/verify-host';
import { runDifferential } from '../../host-tools/crypto/differential';
import { createRng, testSeed } from '../support/rng';

const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

test('RFC 8032 §7.1 TEST 1-3 verify; a tampered one does not', () => {
  const vectors: [string, string, string][] = [
    ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '', 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
    ['3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72', '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
    ['fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'af82', '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
  ];
  for (const [key, message, signature] of vectors) {
    assert.ok(verifyFast(unhex(message), unhex(signature), unhex(key), 64));
    const tampered = unhex(signature);
    tampered[40] ^= 4;
    assert.not.ok(verifyFast(unhex(message), tampered, unhex(key), 64));
  }
});

type Wycheproof = { testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[] };

test('all 151 Wycheproof vectors: fast verify == node:crypto + policy == expected', () => {
  const data = JSON.parse(readFileSync(new URL('../vectors/wycheproof-ed25519_test.json', import.meta.url), 'utf8')) as Wycheproof;
  let count = 0;
  for (const group of data.testGroups) {
    for (const vector of group.tests) {
      count++;
      const expected = vector.result === 'valid';
      const args = [unhex(vector.msg), unhex(vector.sig), unhex(group.publicKey.pk)] as const;
      assert.is(verifyHost(...args), expected, `host tcId ${vector.tcId}`);
      assert.is(verifyFast(...args, 64), expected, `fast tcId ${vector.tcId}`);
    }
  }
  assert.is(count, 151);
});

test('with the esp32\'s wider windows (5 for B, 4 for -A) and others: the Wycheproof verdicts, in fewer field operations', () => {
  const data = JSON.parse(readFileSync(new URL('../vectors/wycheproof-ed25519_test.json', import.meta.url), 'utf8')) as Wycheproof;
  const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(5));
  const message = new Uint8Array(150).fill(2);
  const signature = nacl.sign.detached(message, pair.secretKey);
  const operations = () => {
    // The first verification after a width change makes B's table: not counted.
    verifyFast(message, signature, pair.publicKey, 64);
    const before = fieldOps.multiplications + fieldOps.squarings;
    assert.ok(verifyFast(message, signature, pair.publicKey, 64));
    return fieldOps.multiplications + fieldOps.squarings - before;
  };
  const pico = operations();
  try {
    for (const [bitsB, bitsA] of [[5, 4], [6, 5], [3, 4]]) {
      useVerifyWindows(bitsB, bitsA);
      for (const group of data.testGroups) {
        for (const vector of group.tests) {
          assert.is(verifyFast(unhex(vector.msg), unhex(vector.sig), unhex(group.publicKey.pk), 64), vector.result === 'valid', `widths ${bitsB}, ${bitsA}: tcId ${vector.tcId}`);
        }
      }
      if (bitsB === 5) {
        const esp32 = operations();
        console.log(`  field operations per verification, widths 5 and 4: ${esp32} (4 and 3: ${pico})`);
        assert.ok(esp32 < pico - 100, `${esp32} against ${pico}`);
      }
    }
  } finally {
    useVerifyWindows(4, 3);
  }
  assert.is(operations(), pico, 'the default widths back');
});

test('with the esp32\'s reduction mod L for h (scalar-convolve.ts on a JS E.convolve): the Wycheproof verdicts', () => {
  const data = JSON.parse(readFileSync(new URL('../vectors/wycheproof-ed25519_test.json', import.meta.url), 'utf8')) as Wycheproof;
  let reductions = 0;
  const reduce = convolveScalars(jsConvolve).reduce;
  useVerifyReduce((bytes) => (reductions++, reduce(bytes)));
  try {
    for (const group of data.testGroups) {
      for (const vector of group.tests) {
        assert.is(verifyFast(unhex(vector.msg), unhex(vector.sig), unhex(group.publicKey.pk), 64), vector.result === 'valid', `tcId ${vector.tcId}`);
      }
    }
  } finally {
    useVerifyReduce(null);
  }
  assert.ok(reductions > 100, `the board's reduction ran (${reductions} times)`);
});

test('random and mutated cases agree with node:crypto (SMARTCHAIN_DIFFERENTIAL_CASES, default 4,000)', () => {
  const cases = Number(process.env.SMARTCHAIN_DIFFERENTIAL_CASES ?? 4000);
  const result = runDifferential(cases, testSeed('differential'));
  assert.equal(result.disagreements, []);
  assert.ok(result.valid > cases / 10 && result.valid < cases, `${result.valid} valid of ${cases}`);
});

test('wNAF digits reconstruct the scalar and are odd within -(2^(w - 1) - 1)..2^(w - 1) - 1, widths 3 to 6', () => {
  const rng = createRng(testSeed('wnaf'));
  for (let round = 0; round < 2000; round++) {
    const scalar = rng.bytes(32);
    scalar[31] &= 0x1f;
    const bits = 3 + (round % 4);
    const digits = wnaf(scalar, bits, 256);
    let value = 0n;
    for (let index = 255; index >= 0; index--) {
      value = value * 2n + BigInt(digits[index]);
      assert.ok(digits[index] === 0 || (Math.abs(digits[index]) % 2 === 1 && Math.abs(digits[index]) <= (1 << (bits - 1)) - 1));
    }
    assert.is(value, BigInt('0x' + Buffer.from(scalar).reverse().toString('hex')));
  }
});

test('the addition chains raise to (p - 5) / 8 and p - 2 in 262 and 265 operations', () => {
  const p = 2n ** 255n - 19n;
  for (const [program, exponent, operations] of [[POW_P58, (p - 5n) / 8n, 262], [INVERT, p - 2n, 265]] as const) {
    // The exponent each register holds, the input's being 1.
    const exponents = [1n, 0n, 0n, 0n, 0n];
    let count = 0;
    for (let index = 0; index < program.length; index += 3) {
      const [target, left] = [Number(program[index]), Number(program[index + 1])];
      const code = program.charCodeAt(index + 2);
      const squarings = code < 64 ? 0 : code - 64;
      exponents[target] = squarings > 0 ? exponents[left] << BigInt(squarings) : exponents[left] + exponents[Number(program[index + 2])];
      count += squarings > 0 ? squarings : 1;
    }
    assert.is(exponents[1], exponent);
    assert.is(count, operations);
  }
});

/** tweetnacl's own verify with its field multiplication counted (its source, instrumented in memory). */
function tweetnaclVerifyMultiplications(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): number {
  const source = readFileSync('node_modules/tweetnacl/nacl.js', 'utf8').replace('function M(o, a, b) {', 'function M(o, a, b) { counter.n++;');
  assert.ok(source.includes('counter.n++'), 'the instrumentation found tweetnacl\'s M');
  const counter = { n: 0 };
  const exports: { sign?: { detached: { verify(m: Uint8Array, s: Uint8Array, k: Uint8Array): boolean } } } = {};
  new Function('module', 'counter', 'self', 'require', source)({ exports }, counter, {}, undefined);
  const instrumented = (exports as { sign: { detached: { verify(m: Uint8Array, s: Uint8Array, k: Uint8Array): boolean } } }).sign;
  counter.n = 0;
  assert.ok(instrumented.detached.verify(message, signature, publicKey));
  return counter.n;
}

test('at least 2.5 times fewer field multiplications than tweetnacl\'s verify', () => {
  const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(5));
  const message = new Uint8Array(150).fill(2);
  const signature = nacl.sign.detached(message, pair.secretKey);
  const before = fieldOps.multiplications + fieldOps.squarings;
  assert.ok(verifyFast(message, signature, pair.publicKey, 64));
  const ours = fieldOps.multiplications + fieldOps.squarings - before;
  const theirs = tweetnaclVerifyMultiplications(message, signature, pair.publicKey);
  console.log(`  field multiplications per verification: ${ours} (tweetnacl ${theirs}, ratio ${(theirs / ours).toFixed(2)})`);
  assert.ok(theirs / ours >= 2.5, `ratio ${theirs / ours}`);
});

test('no step exceeds its slice: at most the requested units, or one point operation when that is more', () => {
  const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(6));
  const message = new Uint8Array(100);
  const signature = nacl.sign.detached(message, pair.secretKey);
  for (const units of [1, 6, 24, 64]) {
    const job = new VerifyJob(message, signature, pair.publicKey);
    let longest = 0;
    let steps = 0;
    for (;;) {
      const before = fieldOps.multiplications + fieldOps.squarings;
      const finished = job.step(units);
      longest = Math.max(longest, fieldOps.multiplications + fieldOps.squarings - before);
      steps++;
      if (finished) break;
    }
    assert.ok(job.valid());
    assert.ok(longest <= Math.max(units, 12) + 9, `units ${units}: longest step ${longest}`);
    assert.ok(steps > 3200 / (units + 9), `units ${units}: ${steps} steps`);
  }
});

test.run();
