// The esp32's field multiplication through a dot product (boards/esp32/field-convolve.ts) gives exactly
// tweetnacl's limbs, here with a JS stand-in for E.convolve of the same definition, on random limbs, on
// limbs at the edges tweetnacl's additions and subtractions leave (up to 2^17 in magnitude, negative),
// and in place (o the same array as a or b); and verification with it installed agrees with node:crypto.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { Convolve, convolveMultiply } from '../../boards/esp32/field-convolve';
import { useFieldMultiply, verifyFast } from '../../firmware/crypto/fast-verify';
import { keyPairFromSeed, signDetached } from '../../firmware/crypto/ed25519';
import { verifyHost } from '../../host-tools/crypto/verify-host';
import { createRng, testSeed } from '../support/rng';

const low = (nacl as unknown as { lowlevel: { M(o: Float64Array, a: Float64Array, b: Float64Array): void } }).lowlevel;

/** Espruino's E.convolve as its reference documents it: sum of a[i] b[(i + offset) mod b.length]. */
const convolve: Convolve = (a, b, offset) => {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index] * b[(index + offset) % b.length];
  return sum;
};

const limbs = (values: number[]) => Float64Array.from(values);

test('the convolve multiplication equals tweetnacl\'s M on random, extreme and aliased limbs', () => {
  const rng = createRng(testSeed('field convolve'));
  const multiply = convolveMultiply(convolve);
  const cases: [Float64Array, Float64Array][] = [
    [limbs(Array(16).fill(65535)), limbs(Array(16).fill(65535))],
    [limbs(Array(16).fill(131071)), limbs(Array(16).fill(-131071))],
    [limbs(Array(16).fill(0)), limbs(Array(16).fill(12345))],
  ];
  for (let round = 0; round < 300; round++) {
    const range = round % 2 === 0 ? 65536 : 262143;
    const offset = round % 2 === 0 ? 0 : 131071;
    cases.push([limbs(Array.from({ length: 16 }, () => rng.int(0, range) - offset)), limbs(Array.from({ length: 16 }, () => rng.int(0, range) - offset))]);
  }
  for (const [a, b] of cases) {
    const expected = new Float64Array(16);
    low.M(expected, a, b);
    const ours = new Float64Array(16);
    multiply(ours, a, b);
    assert.equal(Array.from(ours), Array.from(expected));
    const inPlace = Float64Array.from(a);
    multiply(inPlace, inPlace, b);
    assert.equal(Array.from(inPlace), Array.from(expected), 'o = a');
    const squared = new Float64Array(16);
    low.M(squared, b, b);
    const square = Float64Array.from(b);
    multiply(square, square, square);
    assert.equal(Array.from(square), Array.from(squared), 'o = a = b');
  }
});

test('verification with the convolve multiplication installed agrees with node:crypto', () => {
  const rng = createRng(testSeed('field convolve verify'));
  useFieldMultiply(convolveMultiply(convolve));
  try {
    for (let round = 0; round < 6; round++) {
      const keys = keyPairFromSeed(rng.bytes(32));
      const message = rng.bytes(rng.int(0, 200));
      const signature = signDetached(message, keys.secretKey);
      if (round % 2 === 1) signature[rng.int(0, 63)] ^= 1 << rng.int(0, 7);
      assert.is(verifyFast(message, signature, keys.publicKey, 1000000), verifyHost(message, signature, keys.publicKey), `round ${round}`);
    }
  } finally {
    useFieldMultiply(null);
  }
});

test.run();
