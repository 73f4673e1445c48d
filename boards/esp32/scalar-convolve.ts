// Arithmetic mod L, the order of Ed25519's base point (RFC 8032 §5.1: L = 2^252 + delta, delta about
// 2^124.4), with the limb products on a native dot product (Espruino's E.convolve) instead of tweetnacl's
// modL, whose 32-by-20 loop over bytes is 14.5 ms of the Linux interpreter per reduction (here 1.6 to 2.0
// ms, and r + h a mod L 2.2 to 2.6 ms against 23.5; docs/emulator.md). Numbers are 16-bit limbs held in
// doubles. Since 2^256 = -16 delta (mod L), a number Lo + 2^256 H is Lo - 16 delta H: three such folds take
// a 512-bit number below 2^256 + 2^130, then q = floor(x / 2^252) (at most 16) times L comes off and L goes
// back once if the result is negative. The results are canonical (in [0, L)), so they are tweetnacl's bytes
// (test/crypto/scalar-convolve.test.ts). A signature's S = (r + (H mod L) a) mod L takes the 64-byte hash H
// unreduced: with a table of a 2^(16 i) mod L (i = 0..31, built in idle time), H a mod L is 16 dot products
// and one short fold, 0.8 ms of the Linux interpreter against 3.8 ms for reducing H and then r + h a
// (host-tools/bench/espruino-trade-pieces.ts).
//
// Bounds: every product limb is a sum of at most 32 products of 16-bit limbs (below 2^37), every
// intermediate below 2^43 in magnitude, exact in a double; `value & 65535` is value mod 2^16 there (see
// field-convolve.ts). Signing runs this on secret values: there is no branch on them (the final correction
// adds L times the sign carry); the interpreter's own timing is what tweetnacl's has.
import { type Convolve, serviceBetween } from './field-convolve';
import type { ScalarArithmetic } from '../../firmware/crypto/ed25519';

/** L's 32 bytes, little-endian (RFC 8032 §5.1). */
const L_BYTES = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
/** 16 delta's limbs: 9 of them (16 delta < 2^129). */
const FOLD_LIMBS = 9;
/** The window of 16 delta reversed for the folds, and of a reversed for the product h a. */
const FOLD_WINDOW_TOP = 23;
const PRODUCT_WINDOW_TOP = 30;

/** Carries limbs [from, to) of x into 16-bit limbs; returns the carry out of the top one (signed). */
function carry(x: Float64Array, from: number, to: number, incoming: number): number {
  // One statement a limb (the interpreter's cost is what it reads): the low 16 bits stored, the rest carried.
  let carried = incoming;
  let value = 0;
  for (let index = from; index < to; index++) carried = ((value = x[index] + carried) - (x[index] = value & 65535)) / 65536;
  return carried;
}

export function convolveScalars(convolve: Convolve): ScalarArithmetic {
  const lLimbs = new Float64Array(16);
  for (let index = 0; index < 16; index++) lLimbs[index] = L_BYTES[2 * index] + 256 * L_BYTES[2 * index + 1];
  // 16 delta, limb by limb: delta is L's low 8 limbs (L = 2^252 + delta).
  const fold = new Float64Array(FOLD_LIMBS);
  for (let index = 0; index < 8; index++) fold[index] = 16 * lLimbs[index];
  fold[8] = carry(fold, 0, 8, 0);
  // foldWindow[FOLD_WINDOW_TOP - m] = fold[m]: convolve(h, foldWindow, FOLD_WINDOW_TOP - k) is limb k of h 16 delta.
  const foldWindow = new Float64Array(40);
  for (let index = 0; index < FOLD_LIMBS; index++) foldWindow[FOLD_WINDOW_TOP - index] = fold[index];
  const productWindow = new Float64Array(47);
  // x: the number being reduced (32 limbs and a spare for a signed top); high: the part folded down.
  const x = new Float64Array(33);
  const high = new Float64Array(16);

  // Bytes to limbs and back through a 16-bit view of a staging buffer: native copies instead of a
  // statement per limb. The view reads the platform's byte order: little-endian on the ESP32 and the
  // hosts; checked once, with the loop for any other.
  const staging = new Uint8Array(64);
  const stagingLimbs = new Uint16Array(staging.buffer);
  const littleEndian = new Uint16Array(new Uint8Array([1, 0]).buffer)[0] === 1;

  /** The `limbs` 16-bit little-endian limbs of bytes (2 limbs bytes long) into target from offset. */
  function load(bytes: Uint8Array, limbs: number, target: Float64Array, offset: number): void {
    if (littleEndian) {
      staging.set(bytes);
      target.set(stagingLimbs.subarray(0, limbs), offset);
    } else {
      for (let index = 0; index < limbs; index++) target[offset + index] = bytes[2 * index] + 256 * bytes[2 * index + 1];
    }
  }

  /** The 16 limbs of x (each in [0, 2^16)) as 32 little-endian bytes. */
  function store(): Uint8Array {
    const out = new Uint8Array(32);
    if (littleEndian) {
      stagingLimbs.set(x.subarray(0, 16));
      out.set(staging.subarray(0, 32));
    } else {
      for (let index = 0; index < 16; index++) {
        out[2 * index] = x[index] & 255;
        out[2 * index + 1] = x[index] >> 8;
      }
    }
    return out;
  }

  /** x = x mod 2^256 - 16 delta (x div 2^256), for the `count` limbs of x above 2^256; products up to `products` limbs. */
  function foldDown(count: number): void {
    const part = high.subarray(0, count);
    part.set(x.subarray(16, 16 + count));
    const products = count + FOLD_LIMBS - 1;
    x.fill(0, 16);
    for (let index = 0; index < products; index++) x[index] -= convolve(part, foldWindow, FOLD_WINDOW_TOP - index);
    x[products] = carry(x, 0, products, 0);
  }

  /**
   * x = x[0..16) + top 2^256 (limbs in [0, 2^16), |top| below 2^22) mod L, left in x[0..16). Since
   * 2^256 = -16 delta (mod L), x is first x[0..16) - top 16 delta, within (-2^154, 2^256).
   */
  function tail(top: number): void {
    for (let index = 0; index < FOLD_LIMBS; index++) x[index] -= top * fold[index];
    const sign = carry(x, 0, 16, 0);
    // q = floor(x / 2^252) with x = limbs + sign 2^256 (q in -1..16); x - q L = (x mod 2^252) - q delta.
    const upper = x[15] + 65536 * sign;
    const quotient = (upper - (upper & 4095)) / 4096;
    x[15] = upper & 4095;
    for (let index = 0; index < 8; index++) x[index] -= quotient * lLimbs[index];
    // Now in (-16 delta, L): add L once when negative, without a branch.
    const negative = -carry(x, 0, 16, 0);
    for (let index = 0; index < 16; index++) x[index] += negative * lLimbs[index];
    carry(x, 0, 16, 0);
  }

  /**
   * The same for x >= 0 (top >= 0), one fold shorter: q = floor(x / 2^252) = 16 top + (x[15] div 2^12)
   * directly (below 2^26), and x - q L = (x mod 2^252) - q delta, within (-2^151, 2^252).
   */
  function tailNonNegative(top: number): void {
    const quotient = top * 16 + (x[15] - (x[15] & 4095)) / 4096;
    x[15] &= 4095;
    for (let index = 0; index < 8; index++) x[index] -= quotient * lLimbs[index];
    // Add L once when negative, without a branch.
    const negative = -carry(x, 0, 16, 0);
    for (let index = 0; index < 16; index++) x[index] += negative * lLimbs[index];
    carry(x, 0, 16, 0);
  }

  /**
   * x (32 limbs, each in [0, 2^16)) mod L, as 32 bytes. The radio is serviced before and after each of
   * the two long folds (24 and 17 dot products, 120 and 85 ms of ESP32 time): a whole reduction is about
   * 0.3 s, and the work before it (a nonce's hash and flash, a verification's hash) about 0.1 s.
   */
  function reduce(): Uint8Array {
    serviceBetween();
    x[32] = 0;
    foldDown(16); // below 2^385 in magnitude: limbs 0 to 23, a signed carry in limb 24
    serviceBetween();
    foldDown(FOLD_LIMBS); // limbs 0 to 16, a signed carry in limb 17
    serviceBetween();
    // The third fold: x div 2^256 is one small signed number (-2 to 3).
    const top = x[16] + 65536 * x[17];
    x[16] = 0;
    x[17] = 0;
    tail(top);
    return store();
  }

  // The signer's scalar a as a table: column k holds limb k of a 2^(16 i) mod L for i = 0..31, so that
  // for a 64-byte hash H with 16-bit limbs H_i, sum_i H_i (a 2^(16 i) mod L) = H a (mod L) is 16 dot
  // products (each limb below 32 2^32 = 2^37), and the hash is never reduced on its own. Built once per
  // scalar (31 shifts by 2^16, each reduced by tailNonNegative: 22 ms of the Linux interpreter in all), a
  // few rows at a time in idle time (nonces.ts), recognised by value.
  // E.convolve reads any array (Espruino's reference): the columns are 16-bit to keep the table at 1 KB.
  const dot = convolve as unknown as (a: Float64Array, b: Uint16Array, offset: number) => number;
  const columns: Uint16Array[] = [];
  for (let index = 0; index < 16; index++) columns.push(new Uint16Array(32));
  const tableScalar = new Uint32Array(8);
  const stagingWords = new Uint32Array(staging.buffer);
  /** Whether tableScalar names a scalar; rows of its table built (-1: not even a mod L yet); the next row's value. */
  let tableNamed = false;
  let rowsBuilt = -1;
  const nextRow = new Float64Array(16);
  const hashLimbs = new Float64Array(32);

  /** Builds up to rowsMax more rows of a's table (a new scalar starts over); true once all 32 are there. */
  function prepare(a: Uint8Array, rowsMax: number): boolean {
    staging.set(a);
    let same = tableNamed;
    for (let index = 0; index < 8 && same; index++) same = stagingWords[index] === tableScalar[index];
    if (!same) {
      tableScalar.set(stagingWords.subarray(0, 8));
      tableNamed = true;
      rowsBuilt = -1;
    }
    if (rowsBuilt < 0) {
      load(a, 16, x, 0);
      x.fill(0, 16);
      reduce();
      nextRow.set(x.subarray(0, 16));
      rowsBuilt = 0;
    }
    for (let budget = rowsMax; budget > 0 && rowsBuilt < 32; budget--) {
      x.set(nextRow);
      for (let limb = 0; limb < 16; limb++) columns[limb][rowsBuilt] = x[limb];
      // a 2^(16 (row + 1)): the limbs up by one, the top limb (below 2^13) folded back.
      high.set(x.subarray(0, 16));
      x.set(high, 1);
      x[0] = 0;
      const top = x[16];
      x[16] = 0;
      tailNonNegative(top);
      nextRow.set(x.subarray(0, 16));
      rowsBuilt++;
    }
    return rowsBuilt === 32;
  }

  return {
    reduce: function (bytes: Uint8Array): Uint8Array {
      load(bytes, 32, x, 0);
      return reduce();
    },
    multiplyAdd: function (r: Uint8Array, h: Uint8Array, a: Uint8Array): Uint8Array {
      // productWindow[PRODUCT_WINDOW_TOP - m] = a's limb m: convolve(h, window, PRODUCT_WINDOW_TOP - k) is limb k of h a.
      load(a, 16, high, 0);
      productWindow.set(high.reverse(), PRODUCT_WINDOW_TOP - 15);
      load(h, 16, high, 0);
      load(r, 16, x, 0);
      x.fill(0, 16);
      for (let index = 0; index < 31; index++) x[index] += convolve(high, productWindow, PRODUCT_WINDOW_TOP - index);
      x[31] += carry(x, 0, 31, 0);
      return reduce();
    },
    prepare: prepare,
    multiplyAddHash: function (r: Uint8Array, hash: Uint8Array, a: Uint8Array): Uint8Array {
      // Whatever rows idle time has not built yet are built now.
      prepare(a, 32);
      load(hash, 32, hashLimbs, 0);
      load(r, 16, x, 0);
      for (let limb = 0; limb < 16; limb++) x[limb] += dot(hashLimbs, columns[limb], 0);
      serviceBetween();
      // Below 2^(256 + 21.1) and not negative: limbs normalised, the part above 2^256 (below 2^22) folded.
      tailNonNegative(carry(x, 0, 16, 0));
      return store();
    },
  };
}
