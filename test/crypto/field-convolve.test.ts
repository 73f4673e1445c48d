// The esp32's field multiplication through a dot product (boards/esp32/field-convolve.ts) gives the same
// field element as tweetnacl's M (the same pack25519 encoding) with its limbs inside the bounds its
// comment states, here with a JS stand-in for E.convolve of the same definition, on random limbs, on
// limbs at the edge of the bound it assumes (2^21 in magnitude, negative), and in place (o the same
// array as a or b); and verification with it installed agrees with node:crypto.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { convolveMultiply, unrolledAdditions } from '../../boards/esp32/field-convolve';
import { useFieldAdditions, useFieldMultiply, useVerifyWindows, verifyFast } from '../../firmware/crypto/fast-verify';
import { keyPairFromSeed, signDetached } from '../../firmware/crypto/ed25519';
import { verifyHost } from '../../host-tools/crypto/verify-host';
import { createRng, testSeed } from '../support/rng';
import { jsConvolve } from '../support/js-convolve';

const low = (nacl as unknown as { lowlevel: { A(o: Float64Array, a: Float64Array, b: Float64Array): void; Z(o: Float64Array, a: Float64Array, b: Float64Array): void; M(o: Float64Array, a: Float64Array, b: Float64Array): void; pack25519(o: Uint8Array, n: Float64Array): void } }).lowlevel;

/** The canonical 32-byte encoding of a field element, as hex. */
function encoded(limbs: Float64Array): string {
  const out = new Uint8Array(32);
  low.pack25519(out, limbs);
  return Buffer.from(out).toString('hex');
}

/** The output bounds field-convolve.ts states: limb 2 in (-2^9, 2^16 + 2^9), the others in [0, 2^16). */
function withinBounds(limbs: Float64Array): boolean {
  return Array.from(limbs).every((value, index) => Number.isInteger(value) && (index === 2 ? value > -512 && value < 65536 + 512 : value >= 0 && value < 65536));
}

const convolve = jsConvolve;

const limbs = (values: number[]) => Float64Array.from(values);

test('the convolve multiplication gives tweetnacl\'s field element on random, extreme and aliased limbs', () => {
  const rng = createRng(testSeed('field convolve'));
  const multiply = convolveMultiply(convolve);
  const cases: [Float64Array, Float64Array][] = [
    [limbs(Array(16).fill(65535)), limbs(Array(16).fill(65535))],
    [limbs(Array(16).fill(131071)), limbs(Array(16).fill(-131071))],
    [limbs(Array(16).fill(2097151)), limbs(Array(16).fill(2097151))],
    [limbs(Array(16).fill(-2097151)), limbs(Array(16).fill(2097151))],
    [limbs(Array(16).fill(0)), limbs(Array(16).fill(12345))],
  ];
  for (let round = 0; round < 300; round++) {
    const range = [65536, 262143, 4194303][round % 3];
    const offset = [0, 131071, 2097151][round % 3];
    cases.push([limbs(Array.from({ length: 16 }, () => rng.int(0, range) - offset)), limbs(Array.from({ length: 16 }, () => rng.int(0, range) - offset))]);
  }
  for (const [a, b] of cases) {
    const expected = new Float64Array(16);
    low.M(expected, a, b);
    const ours = new Float64Array(16);
    multiply(ours, a, b);
    assert.is(encoded(ours), encoded(expected));
    assert.ok(withinBounds(ours), `bounds: ${Array.from(ours)}`);
    const inPlace = Float64Array.from(a);
    multiply(inPlace, inPlace, b);
    assert.equal(Array.from(inPlace), Array.from(ours), 'o = a');
    // By the same b again: the window prepared for it serves, the result the same.
    const again = Float64Array.from(a);
    multiply(again, again, b, true);
    assert.equal(Array.from(again), Array.from(ours), 'the same b reused');
    const squared = new Float64Array(16);
    low.M(squared, b, b);
    const square = Float64Array.from(b);
    multiply(square, square, square);
    assert.is(encoded(square), encoded(squared), 'o = a = b');
    assert.ok(withinBounds(square), 'bounds of a square');
  }
});

test('the written-out addition and subtraction give tweetnacl\'s A and Z limbs, also in place', () => {
  const rng = createRng(testSeed('field additions'));
  const { add, subtract } = unrolledAdditions();
  for (let round = 0; round < 300; round++) {
    const a = limbs(Array.from({ length: 16 }, () => rng.int(0, 4194303) - 2097151));
    const b = limbs(Array.from({ length: 16 }, () => rng.int(0, 4194303) - 2097151));
    for (const [ours, theirs] of [[add, low.A], [subtract, low.Z]] as const) {
      const expected = new Float64Array(16);
      theirs(expected, a, b);
      const out = new Float64Array(16);
      ours(out, a, b);
      assert.equal(Array.from(out), Array.from(expected));
      const inPlace = Float64Array.from(b);
      ours(inPlace, a, inPlace);
      assert.equal(Array.from(inPlace), Array.from(expected), 'o = b');
    }
  }
});

test('verification with the esp32\'s installation (convolve multiplication, written-out additions, windows 5 and 4) agrees with node:crypto', () => {
  const rng = createRng(testSeed('field convolve verify'));
  useFieldMultiply(convolveMultiply(convolve));
  useFieldAdditions(unrolledAdditions());
  useVerifyWindows(5, 4);
  try {
    for (let round = 0; round < 12; round++) {
      const keys = keyPairFromSeed(rng.bytes(32));
      const message = rng.bytes(rng.int(0, 200));
      const signature = signDetached(message, keys.secretKey);
      if (round % 2 === 1) signature[rng.int(0, 63)] ^= 1 << rng.int(0, 7);
      assert.is(verifyFast(message, signature, keys.publicKey, 1000000), verifyHost(message, signature, keys.publicKey), `round ${round}`);
    }
  } finally {
    useFieldMultiply(null);
    useFieldAdditions(null);
    useVerifyWindows(4, 3);
  }
});

test.run();
