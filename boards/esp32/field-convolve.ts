// Field multiplication mod p = 2^255 - 19 over tweetnacl's sixteen 16-bit limbs, with each output limb
// one call of a native dot product (Espruino's E.convolve) instead of sixteen interpreted multiply-adds.
// Since 2^256 = 38 mod p, output limb k is the sum over i <= k of a[i] b[k-i] plus 38 times the sum over
// i > k of a[i] b[k+16-i]: one dot product of a with a 32-entry window holding b reversed and then 38 b
// reversed, read from offset 15 - k. Espruino interprets the source text itself, so the cost is the
// number of statements: the window and the sixteen products are written out (no loop counters), and
// one carry pass runs beside the products, then the top carry is folded back (times 38) through limbs 0
// and 1 into limb 2. Measured on Espruino 2v29's interpreter (Linux build, CPU time): 0.24 ms against
// 0.62 ms for the previous version (a loop of products and tweetnacl's two carry passes) and 2.78 ms
// for tweetnacl's M (docs/emulator.md, the esp32's calibration).
//
// Bounds (every value is an integer held exactly in a double): with every input limb below 2^21 in
// magnitude, a dot product is at most 16 x 38 x 2^42 < 2^51.3, a carry at most 2^35.3, the folded limb
// 0 at most 2^16 + 38 x 2^35.3 < 2^40.6, its carry into limb 1 below 2^24.6 and limb 1's carry into
// limb 2 below 2^8.7: all far below 2^53. `value & 65535` is value mod 2^16 for any integer below 2^53
// in magnitude (ECMAScript ToInt32 keeps the low 32 bits; Espruino converts through a 64-bit integer,
// jsvGetInteger), so (value - low) / 65536 is floor(value / 2^16), exact. The result: limbs 0, 1 and 3
// to 15 in [0, 2^16), limb 2 in (-2^9, 2^16 + 2^9). It is the same field element as tweetnacl's M
// gives, not the same limbs (M leaves limb 0 loose instead); pack25519 encodes both the same, so every
// encoding, signature and verdict is tweetnacl's (test/crypto/field-convolve.test.ts). The firmware's
// additions and subtractions of such results (at most four terms, fast-verify.ts) stay below 2^19, well
// inside the 2^21 the bound assumes.
import type { FieldMultiply } from '../../firmware/crypto/fast-verify';

/** E.convolve(a, b, offset): sum over i of a[i] b[(i + offset) mod b.length], as a double. */
export type Convolve = (a: Float64Array, b: Float64Array, offset: number) => number;

/** What the board does half-way through and after each multiplication (its radio's DIO0 checked: boards/esp32/lora.ts), or nothing. */
let afterEach: (() => void) | null = null;

/**
 * A multiplication is about 80 ms of ESP32 time and a point operation eight or nine of them (fast-verify.ts),
 * while the shortest LoRa frame lasts about 40 ms at SF7: a board that read its radio only between slices
 * of work would find a packet written over by the next one. So the board looks at DIO0 half-way through
 * and after every multiplication and, if the radio raised it, services it then (the frame goes to the
 * node's inbox).
 */
export function serviceAfterMultiplications(service: (() => void) | null): void {
  afterEach = service;
}

/**
 * The same service for interpreted work of a hundred milliseconds or more that does no field
 * multiplication: the folds of a reduction mod L and a signature's products (scalar-convolve.ts).
 */
export function serviceBetween(): void {
  if (afterEach !== null) afterEach();
}

export function convolveMultiply(convolve: Convolve): FieldMultiply {
  // The window and the product are made once: a multiplication allocates nothing.
  const window = new Float64Array(32);
  const product = new Float64Array(16);
  return function (o: Float64Array, a: Float64Array, b: Float64Array, sameB?: boolean): void {
    // A second product by the same b reuses its window: 0.51 against 0.67 ms (wall clock, Espruino 2v29's
    // Linux build; Espruino still reads the skipped statements, so the block stays inline, not a call).
    if (sameB !== true) {
      window[15] = b[0];
      window[14] = b[1];
      window[13] = b[2];
      window[12] = b[3];
      window[11] = b[4];
      window[10] = b[5];
      window[9] = b[6];
      window[8] = b[7];
      window[7] = b[8];
      window[6] = b[9];
      window[5] = b[10];
      window[4] = b[11];
      window[3] = b[12];
      window[2] = b[13];
      window[1] = b[14];
      window[0] = b[15];
      window[31] = 38 * b[0];
      window[30] = 38 * b[1];
      window[29] = 38 * b[2];
      window[28] = 38 * b[3];
      window[27] = 38 * b[4];
      window[26] = 38 * b[5];
      window[25] = 38 * b[6];
      window[24] = 38 * b[7];
      window[23] = 38 * b[8];
      window[22] = 38 * b[9];
      window[21] = 38 * b[10];
      window[20] = 38 * b[11];
      window[19] = 38 * b[12];
      window[18] = 38 * b[13];
      window[17] = 38 * b[14];
      window[16] = 38 * b[15];
    }
    let value = convolve(a, window, 15);
    let carry = (value - (product[0] = value & 65535)) / 65536;
    value = convolve(a, window, 14) + carry;
    carry = (value - (product[1] = value & 65535)) / 65536;
    value = convolve(a, window, 13) + carry;
    carry = (value - (product[2] = value & 65535)) / 65536;
    value = convolve(a, window, 12) + carry;
    carry = (value - (product[3] = value & 65535)) / 65536;
    value = convolve(a, window, 11) + carry;
    carry = (value - (product[4] = value & 65535)) / 65536;
    value = convolve(a, window, 10) + carry;
    carry = (value - (product[5] = value & 65535)) / 65536;
    value = convolve(a, window, 9) + carry;
    carry = (value - (product[6] = value & 65535)) / 65536;
    value = convolve(a, window, 8) + carry;
    carry = (value - (product[7] = value & 65535)) / 65536;
    // Half-way: a multiplication is about twice the shortest frame's airtime.
    if (afterEach !== null) afterEach();
    value = convolve(a, window, 7) + carry;
    carry = (value - (product[8] = value & 65535)) / 65536;
    value = convolve(a, window, 6) + carry;
    carry = (value - (product[9] = value & 65535)) / 65536;
    value = convolve(a, window, 5) + carry;
    carry = (value - (product[10] = value & 65535)) / 65536;
    value = convolve(a, window, 4) + carry;
    carry = (value - (product[11] = value & 65535)) / 65536;
    value = convolve(a, window, 3) + carry;
    carry = (value - (product[12] = value & 65535)) / 65536;
    value = convolve(a, window, 2) + carry;
    carry = (value - (product[13] = value & 65535)) / 65536;
    value = convolve(a, window, 1) + carry;
    carry = (value - (product[14] = value & 65535)) / 65536;
    value = convolve(a, window, 0) + carry;
    carry = (value - (product[15] = value & 65535)) / 65536;
    // 2^256 = 38 mod p: the top carry comes back at limb 0, then two carries settle limbs 0 and 1.
    value = product[0] + 38 * carry;
    carry = (value - (product[0] = value & 65535)) / 65536;
    value = product[1] + carry;
    product[2] += (value - (product[1] = value & 65535)) / 65536;
    // o may be a or b: the products are complete before o is written.
    o.set(product);
    if (afterEach !== null) afterEach();
  };
}

/**
 * Limb-wise o = a + b and o = a - b, tweetnacl's A and Z written out: Espruino runs sixteen statements
 * in less than half the time of tweetnacl's loop over them (0.28 against 0.62 ms, wall clock, on
 * Espruino 2v29's Linux build), and a verification makes about 2,500 such calls. Same limbs, so any
 * inputs are fine (element i reads only a[i] and b[i]: o may be a or b).
 */
export function unrolledAdditions(): { add: FieldMultiply; subtract: FieldMultiply } {
  return {
    add: function (o: Float64Array, a: Float64Array, b: Float64Array): void {
    o[0] = a[0] + b[0];
    o[1] = a[1] + b[1];
    o[2] = a[2] + b[2];
    o[3] = a[3] + b[3];
    o[4] = a[4] + b[4];
    o[5] = a[5] + b[5];
    o[6] = a[6] + b[6];
    o[7] = a[7] + b[7];
    o[8] = a[8] + b[8];
    o[9] = a[9] + b[9];
    o[10] = a[10] + b[10];
    o[11] = a[11] + b[11];
    o[12] = a[12] + b[12];
    o[13] = a[13] + b[13];
    o[14] = a[14] + b[14];
    o[15] = a[15] + b[15];
    },
    subtract: function (o: Float64Array, a: Float64Array, b: Float64Array): void {
    o[0] = a[0] - b[0];
    o[1] = a[1] - b[1];
    o[2] = a[2] - b[2];
    o[3] = a[3] - b[3];
    o[4] = a[4] - b[4];
    o[5] = a[5] - b[5];
    o[6] = a[6] - b[6];
    o[7] = a[7] - b[7];
    o[8] = a[8] - b[8];
    o[9] = a[9] - b[9];
    o[10] = a[10] - b[10];
    o[11] = a[11] - b[11];
    o[12] = a[12] - b[12];
    o[13] = a[13] - b[13];
    o[14] = a[14] - b[14];
    o[15] = a[15] - b[15];
    },
  };
}

