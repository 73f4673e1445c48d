// The esp32's arithmetic mod L through a dot product (boards/esp32/scalar-convolve.ts) gives tweetnacl's
// bytes, here with a JS stand-in for E.convolve of the same definition: reduction of 64-byte numbers
// (random, zero, all ones, multiples of L and their neighbours) and (r + h a) mod L at the edges of its
// ranges; and a signature made with it installed is node:crypto's.
import { createPrivateKey, sign } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { convolveScalars } from '../../boards/esp32/scalar-convolve';
import { serviceAfterMultiplications } from '../../boards/esp32/field-convolve';
import { keyPairFromSeed, reduceModL, signDetached, signatureScalar, signatureScalarFromHash, useScalarArithmetic } from '../../firmware/crypto/ed25519';
import { createRng, testSeed } from '../support/rng';
import { tweetnaclReduce } from '../support/tweetnacl-modl';
import { jsConvolve } from '../support/js-convolve';

const convolve = jsConvolve;

const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function toBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let index = 0; index < length; index++) out[index] = Number((value >> BigInt(8 * index)) & 255n);
  return out;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('reduction mod L gives tweetnacl\'s bytes on random and edge inputs', () => {
  const rng = createRng(testSeed('scalar convolve reduce'));
  const scalars = convolveScalars(convolve);
  const inputs: Uint8Array[] = [new Uint8Array(64), new Uint8Array(64).fill(255)];
  for (const multiple of [1n, 2n, 16n, 17n, (1n << 259n) / L, ((1n << 512n) - 1n) / L]) {
    for (const delta of [-1n, 0n, 1n]) {
      const value = multiple * L + delta;
      if (value >= 0n && value < 1n << 512n) inputs.push(toBytes(value, 64));
    }
  }
  for (let round = 0; round < 500; round++) inputs.push(rng.bytes(64));
  for (const input of inputs) assert.is(hex(scalars.reduce(input)), hex(tweetnaclReduce(input)), hex(input));
});

test('(r + h a) mod L gives tweetnacl\'s bytes, through reduceModL and signatureScalar when installed', () => {
  const rng = createRng(testSeed('scalar convolve multiply-add'));
  const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
    [toBytes(L - 1n, 32), toBytes(L - 1n, 32), new Uint8Array(32).fill(255)],
    [new Uint8Array(32), new Uint8Array(32), new Uint8Array(32)],
    [toBytes(L - 1n, 32), new Uint8Array(32), new Uint8Array(32)],
  ];
  for (let round = 0; round < 300; round++) cases.push([tweetnaclReduce(rng.bytes(64)), tweetnaclReduce(rng.bytes(64)), rng.bytes(32)]);
  const expected = cases.map(([r, h, a]) => hex(signatureScalar(r, h, a)));
  useScalarArithmetic(convolveScalars(convolve));
  try {
    cases.forEach(([r, h, a], index) => assert.is(hex(signatureScalar(r, h, a)), expected[index], `case ${index}`));
    const wide = rng.bytes(64);
    useScalarArithmetic(null);
    const reference = hex(reduceModL(wide));
    useScalarArithmetic(convolveScalars(convolve));
    assert.is(hex(reduceModL(wide)), reference);
  } finally {
    useScalarArithmetic(null);
  }
});

test('(r + (hash mod L) a) mod L from the unreduced hash gives tweetnacl\'s bytes; the table follows the scalar\'s value', () => {
  const rng = createRng(testSeed('scalar convolve hash multiply-add'));
  const scalars = convolveScalars(convolve);
  const hashes: Uint8Array[] = [new Uint8Array(64), new Uint8Array(64).fill(255), toBytes(L, 64), toBytes(L - 1n, 64), toBytes(((1n << 512n) - 1n) / L * L, 64)];
  const scalarsA: Uint8Array[] = [new Uint8Array(32), new Uint8Array(32).fill(255), toBytes(L, 32), toBytes(L - 1n, 32), toBytes(L + 1n, 32)];
  for (let round = 0; round < 40; round++) scalarsA.push(rng.bytes(32));
  for (const a of scalarsA) {
    for (let round = 0; round < 12; round++) {
      const hash = round < hashes.length ? hashes[round] : rng.bytes(64);
      const r = round % 3 === 0 ? toBytes(L - 1n, 32) : tweetnaclReduce(rng.bytes(64));
      const expected = hex(signatureScalar(r, tweetnaclReduce(hash), a));
      assert.is(hex((scalars.multiplyAddHash as NonNullable<typeof scalars.multiplyAddHash>)(r, hash, a)), expected, `a ${hex(a)} hash ${hex(hash)}`);
    }
  }
  // The same array changed in place is a new scalar: its table is rebuilt.
  const a = rng.bytes(32);
  const r = tweetnaclReduce(rng.bytes(64));
  const hash = rng.bytes(64);
  assert.is(hex(signatureScalarFromHash(r, hash, a)), hex(signatureScalar(r, tweetnaclReduce(hash), a)));
  useScalarArithmetic(scalars);
  try {
    for (let round = 0; round < 3; round++) {
      a[rng.int(0, 31)] ^= 1 << rng.int(0, 7);
      useScalarArithmetic(null);
      const expected = hex(signatureScalarFromHash(r, hash, a));
      useScalarArithmetic(scalars);
      assert.is(hex(signatureScalarFromHash(r, hash, a)), expected, `round ${round}`);
    }
  } finally {
    useScalarArithmetic(null);
  }
});

test('the signing table is built in bounded steps, restarted for a new scalar, and completed by a signature that finds it partial', () => {
  const rng = createRng(testSeed('scalar convolve prepare'));
  const scalars = convolveScalars(convolve);
  const prepare = scalars.prepare as NonNullable<typeof scalars.prepare>;
  const multiplyAddHash = scalars.multiplyAddHash as NonNullable<typeof scalars.multiplyAddHash>;
  const a = rng.bytes(32);
  const steps: boolean[] = [];
  for (let step = 0; step < 9; step++) steps.push(prepare(a, 4));
  assert.equal(steps, [false, false, false, false, false, false, false, true, true], '32 rows, 4 a step');
  const r = tweetnaclReduce(rng.bytes(64));
  const hash = rng.bytes(64);
  assert.is(hex(multiplyAddHash(r, hash, a)), hex(signatureScalar(r, tweetnaclReduce(hash), a)));
  const other = rng.bytes(32);
  assert.is(prepare(other, 4), false, 'a new scalar starts over');
  assert.is(hex(multiplyAddHash(r, hash, other)), hex(signatureScalar(r, tweetnaclReduce(hash), other)), 'completed by the signature');
  assert.is(prepare(other, 0), true);
});

test('the board\'s radio service runs before and after each long fold of a reduction and after a signature\'s products; the bytes are the same', () => {
  const rng = createRng(testSeed('scalar convolve service'));
  const scalars = convolveScalars(convolve);
  let services = 0;
  serviceAfterMultiplications(() => services++);
  try {
    const input = rng.bytes(64);
    assert.is(hex(scalars.reduce(input)), hex(tweetnaclReduce(input)));
    assert.is(services, 3, 'before the first fold and after each of the two');
    const a = scalars.reduce(rng.bytes(64));
    const r = scalars.reduce(rng.bytes(64));
    const hash = rng.bytes(64);
    (scalars.prepare as (a: Uint8Array, rows: number) => boolean)(a, 32);
    services = 0;
    const expected = signatureScalar(r, tweetnaclReduce(hash), a);
    assert.is(hex((scalars.multiplyAddHash as (r: Uint8Array, h: Uint8Array, a: Uint8Array) => Uint8Array)(r, hash, a)), hex(expected));
    assert.is(services, 1, 'after the sixteen products, the table already built');
  } finally {
    serviceAfterMultiplications(null);
  }
});

test('a signature made with it installed is node:crypto\'s (RFC 8032 deterministic signing)', () => {
  const rng = createRng(testSeed('scalar convolve sign'));
  useScalarArithmetic(convolveScalars(convolve));
  try {
    for (let round = 0; round < 4; round++) {
      const seed = rng.bytes(32);
      const message = rng.bytes(rng.int(0, 300));
      const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)]), format: 'der', type: 'pkcs8' });
      assert.is(hex(signDetached(message, keyPairFromSeed(seed).secretKey)), sign(null, Buffer.from(message), key).toString('hex'), `round ${round}`);
    }
  } finally {
    useScalarArithmetic(null);
  }
});

test.run();
