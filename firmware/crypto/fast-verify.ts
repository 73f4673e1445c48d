// Variable-time Ed25519 verification for the board (verification handles only public data), built
// from tweetnacl's own field arithmetic (nacl.lowlevel: gf, A, Z, M, S, set25519, pack25519,
// unpack25519). It computes R' = [S]B + [h](-A) with Straus's interleaved double-scalar multiplication
// over signed windows (wNAF): by default width 4 for B, whose table of four odd multiples is computed
// once, width 3 for -A, whose table is made per verification (two points instead of four: 1.4 KB less
// pico heap at the verification's peak for 119 more field operations; a board with room installs wider
// ones, useVerifyWindows: the esp32 5 and 4), dedicated doubling formulas (dbl-2008-hwcd)
// that skip T when a doubling follows (only an addition reads it), tables in the cached form (Y - X,
// Y + X, 2Z, 2dT: an addition of a table point is 8 multiplications instead of 9, and its negation is
// free), the addition chains of ref10 for the square root and the inversion (262 and 265 operations
// instead of tweetnacl's 500 each), and compares the encoding of R' with R: the cofactorless equation
// of RFC 8032 §5.1.7 as OpenSSL and tweetnacl check it. 3,211 field operations per verification with
// the default widths, 3,061 with the esp32's (4,052 before the chains, the T skip and the cached
// tables; test/crypto/fast-verify.test.ts prints both). The
// shared policy (S < L, canonical R and A) runs first. The work is a resumable job: step(units) does
// at most `units` field multiplications and squarings (plus the additions between them) and returns,
// so a board can feed its watchdog and serve its links between slices. One unit is one M or S;
// SHA-512 and modL run in one step of their own.
import nacl from 'tweetnacl';
import { checkKeyEncoding, checkSignatureEncoding } from './policy';
import { copyBytes } from '../bytes';
import { sha512 } from './sha512';

type Gf = Float64Array;
type Point = Gf[]; // extended coordinates X, Y, Z, T

const low = (nacl as unknown as { lowlevel: unknown }).lowlevel as {
  gf(init?: number[]): Gf;
  A(o: Gf, a: Gf, b: Gf): void;
  Z(o: Gf, a: Gf, b: Gf): void;
  M(o: Gf, a: Gf, b: Gf): void;
  S(o: Gf, a: Gf): void;
  set25519(r: Gf, a: Gf): void;
  pack25519(o: Uint8Array, n: Gf): void;
  unpack25519(o: Gf, n: Uint8Array): void;
  modL(r: Uint8Array, x: Float64Array): void;
  D: Gf;
};

export { sha512 };

/** Field multiplications and squarings done, for the cost model and the test that counts them. */
export const fieldOps = { multiplications: 0, squarings: 0 };

/** The clamped secret scalar of a seed (RFC 8032 §5.1.5), whose [a]B is the public key. */
export function secretScalar(seed: Uint8Array): Uint8Array {
  const scalar = copyBytes(sha512(seed), 0, 32);
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
  return scalar;
}

/**
 * A field multiplication o = a b mod 2^255 - 19 over tweetnacl's 16 limbs, its result exactly tweetnacl's
 * M's. `sameB` promises that b is the array of the previous multiplication, unchanged since: a board's
 * multiplication may reuse what it prepared from b then (field-convolve.ts); tweetnacl's M ignores it.
 */
export type FieldMultiply = (o: Gf, a: Gf, b: Gf, sameB?: boolean) => void;

/** tweetnacl's M, unless the board installed a faster multiplication with the same results. */
let multiply: FieldMultiply = low.M;

/**
 * Installs the board's field multiplication (boards/esp32/field-convolve.ts: Espruino's native
 * E.convolve for the limb products), or puts tweetnacl's back with null. It must give exactly
 * tweetnacl's limbs (test/crypto/field-convolve.test.ts), so board and host agree bit for bit.
 */
export function useFieldMultiply(candidate: FieldMultiply | null): void {
  multiply = candidate !== null ? candidate : low.M;
}

/** The board's reduction of 64 bytes mod L, or null for tweetnacl's modL. */
let reduce: ((bytes: Uint8Array) => Uint8Array) | null = null;

/**
 * Installs the board's reduction mod L for h (boards/esp32/scalar-convolve.ts, the same bytes as
 * tweetnacl's modL), or puts modL back with null. modL's 32-by-20 loop is 14.5 ms of Espruino's Linux
 * interpreter, several seconds of one ESP32 slice away from the radio; the board's is 1.6 to 2.0 ms.
 */
export function useVerifyReduce(candidate: ((bytes: Uint8Array) => Uint8Array) | null): void {
  reduce = candidate;
}

/** tweetnacl's A and Z (limb-wise a + b and a - b), unless the board installed ones with the same limbs. */
let add: FieldMultiply = low.A;
let subtract: FieldMultiply = low.Z;

/**
 * Installs the board's limb-wise addition and subtraction (boards/esp32/field-convolve.ts: written out
 * without a loop, which Espruino runs faster), or puts tweetnacl's back with null. They must give
 * exactly tweetnacl's limbs (test/crypto/field-convolve.test.ts).
 */
export function useFieldAdditions(candidate: { add: FieldMultiply; subtract: FieldMultiply } | null): void {
  add = candidate !== null ? candidate.add : low.A;
  subtract = candidate !== null ? candidate.subtract : low.Z;
}

function mul(o: Gf, a: Gf, b: Gf, sameB?: boolean): void {
  fieldOps.multiplications++;
  multiply(o, a, b, sameB);
}

/** One counted field multiplication through the installed multiplication, for benches. */
export const fieldMultiply: FieldMultiply = mul;

function sqr(o: Gf, a: Gf): void {
  fieldOps.squarings++;
  multiply(o, a, a);
}

// Curve constants (RFC 8032 §5.1), as 16-bit limbs: the base point's coordinates and sqrt(-1).
const BASE_X = [0xd51a, 0x8f25, 0x2d60, 0xc956, 0xa7b2, 0x9525, 0xc760, 0x692c, 0xdc5c, 0xfdd6, 0xe231, 0xc0a4, 0x53fe, 0xcd6e, 0x36d3, 0x2169];
const BASE_Y = [0x6658, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666];
const SQRT_M1 = [0xa0b0, 0x4a0e, 0x1b27, 0xc4ee, 0xe478, 0xad2f, 0x1806, 0x2f43, 0xd7a7, 0x3dfb, 0x0099, 0x2b4d, 0xdf0b, 0x4fc1, 0x2480, 0x2b83];

/**
 * The wNAF widths: B's table (2^(bits - 2) odd multiples) is made once per boot, -A's per verification.
 * The pico's heap chose 4 (1, 3, 5, 7 B) and 3 (-A, 3(-A)); a board with room installs wider ones.
 */
let windowB = 4;
let windowA = 3;
/** The width B's table was made for (a ladder's digits must match it). */
let baseBits = 4;
const SCALAR_BITS = 256;

/** What a job's fields hold once their values are no longer needed, so their heap goes back. */
const NONE: Gf = new Float64Array(0);
let D2: Gf | null = null;
let I: Gf | null = null;
let baseTable: Point[] | null = null;

/**
 * A point's four coordinates are views of one buffer: a typed array with a buffer of its own costs
 * about 100 B of heap beyond its 128 B of limbs, a view into a shared one about a third of that.
 */
function point(): Point {
  const limbs = new Float64Array(64);
  return [limbs.subarray(0, 16), limbs.subarray(16, 32), limbs.subarray(32, 48), limbs.subarray(48, 64)];
}

/** Zero, never written. */
const ZERO: Gf = new Float64Array(16);
/**
 * The point formulas' temporaries, made once on first use (1.2 KB of limbs): a point operation
 * allocates nothing. On Espruino an array of 48 bytes or more is a flat string whose
 * allocation walks the free list: tens of microseconds each, nine of them a point operation before.
 */
let temporaries: Gf[] = [];

function scratch(): Gf[] {
  if (temporaries.length === 0) {
    const limbs = new Float64Array(16 * 9);
    for (let index = 0; index < 9; index++) temporaries.push(limbs.subarray(16 * index, 16 * index + 16));
  }
  return temporaries;
}

function copyPoint(target: Point, source: Point): void {
  for (let index = 0; index < 4; index++) low.set25519(target[index], source[index]);
}

/**
 * Point doubling (dbl-2008-hwcd, a = -1): 4 squarings and 4 multiplications, 3 when T is not wanted
 * (`withT` false: another doubling comes next). It reads only X, Y and Z.
 */
function doublePoint(p: Point, withT: boolean): void {
  const s = scratch();
  const a = s[0], b = s[1], c = s[2], e = s[3], g = s[4], f = s[5], h = s[6], t = s[7];
  sqr(a, p[0]);
  sqr(b, p[1]);
  sqr(c, p[2]);
  add(c, c, c);
  add(t, p[0], p[1]);
  sqr(e, t);
  // -F and -H instead of dbl-2008-hwcd's F and H: X, Y, Z and T all change sign, the same point (in
  // projective coordinates), for two limb-wise operations less.
  add(h, a, b); // -H = A + B
  subtract(e, e, h); // E = (X + Y)^2 - A - B
  subtract(g, b, a); // G = -A + B (a = -1)
  subtract(f, c, g); // -F = C - G
  // Each second product by the same b: field-convolve.ts prepares b once for both.
  mul(p[0], f, e);
  if (withT) mul(p[3], h, e, true);
  mul(p[1], h, g);
  mul(p[2], f, g, true);
}

/**
 * A table point in place in the cached form of the addition below: Y - X, Y + X, 2Z and 2dT (one
 * multiplication, once per table point instead of once per addition).
 */
function toCached(p: Point): void {
  const t = scratch()[8];
  subtract(t, p[1], p[0]);
  add(p[1], p[1], p[0]);
  low.set25519(p[0], t);
  add(p[2], p[2], p[2]);
  mul(p[3], p[3], D2 as Gf);
}

/**
 * p + q, or p - q with `negate`, for q in cached form (add-2008-hwcd-3 with its products of q's
 * coordinates made beforehand): 8 multiplications, 7 without the sum's T. -q is (-X, Y, Z, -T): its
 * Y - X and Y + X are q's swapped, and its 2dT negated swaps F and G.
 */
function addCached(p: Point, q: Point, negate: boolean, withT: boolean): void {
  const s = scratch();
  const a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
  subtract(e, p[1], p[0]);
  mul(a, e, negate ? q[1] : q[0]); // A = (Y1 - X1)(Y2 - X2)
  add(e, p[1], p[0]);
  mul(b, e, negate ? q[0] : q[1]); // B = (Y1 + X1)(Y2 + X2)
  mul(c, p[3], q[3]); // C = T1 2d T2
  mul(d, p[2], q[2]); // D = Z1 2 Z2
  subtract(e, b, a);
  add(h, b, a);
  subtract(negate ? g : f, d, c);
  add(negate ? f : g, d, c);
  // Each second product by the same b: field-convolve.ts prepares b once for both.
  mul(p[0], e, f);
  mul(p[2], g, f, true);
  mul(p[1], g, h);
  if (withT) mul(p[3], e, h, true);
}

/**
 * Appends the next odd multiple of `first` to a table for windows of `bits` (first itself, then 3, 5,
 * ... times it: 2^(bits - 2) points), one point operation per call, with 2 first kept in `twice`
 * (cached form) meanwhile; true once the table is complete, its points then in cached form (`first` too).
 */
function growTable(table: Point[], twice: Point, first: Point, bits: number): boolean {
  if (table.length === 1 << (bits - 2)) {
    // A call of its own (at most 4 multiplications), like every point operation of the building.
    for (let index = 0; index < table.length; index++) toCached(table[index]);
    return true;
  }
  if (table.length === 0) {
    table.push(first);
    copyPoint(twice, first);
    doublePoint(twice, true);
    toCached(twice);
  } else {
    const next = point();
    copyPoint(next, table[table.length - 1]);
    addCached(next, twice, false, true);
    table.push(next);
  }
  return false;
}

let baseBuild: Point[] = [];
let baseTwice: Point = [];
let base: Point = [];

/**
 * Installs the wNAF widths of B's table and of -A's (fast-verify's defaults, 4 and 3, are the pico's):
 * each width more roughly halves a ladder's additions of that table and doubles the table, 2^(bits - 2)
 * points of 512 B of limbs. B's table is made again at the next use for a new width, the old one let
 * go (a ladder under way keeps its own); a verification keeps the -A width it started with.
 */
export function useVerifyWindows(bitsB: number, bitsA: number): void {
  windowA = bitsA;
  if (bitsB === windowB) return;
  windowB = bitsB;
  baseTable = null;
  baseBuild = [];
  baseTwice = [];
}

/**
 * Builds the table of odd multiples of B one point operation per call, once per boot (about 80 field
 * operations in all); returns true once it is complete.
 */
function buildBaseTableStep(): boolean {
  if (baseTable !== null) return true;
  if (D2 === null) {
    D2 = low.gf();
    add(D2, low.D, low.D);
    I = low.gf(SQRT_M1);
  }
  if (baseTwice.length === 0) {
    // B itself (it becomes the table's first point, in cached form, so it is made again for each table).
    base = point();
    low.set25519(base[0], low.gf(BASE_X));
    low.set25519(base[1], low.gf(BASE_Y));
    low.set25519(base[2], low.gf([1]));
    mul(base[3], base[0], base[1]);
    baseTwice = point();
  } else if (growTable(baseBuild, baseTwice, base, windowB)) {
    baseTable = baseBuild;
    baseBits = windowB;
    // 2B only serves the building: its heap goes back.
    baseTwice = [];
  }
  return false;
}

/**
 * Width-`bits` NAF digits of a 256-bit little-endian scalar below 2^255 (or of one below 2^(length - 1),
 * in `length` digits): digits[i] is zero or odd in -(2^(bits - 1) - 1)..2^(bits - 1) - 1 (-7..7 for
 * width 4), and sum(digits[i] 2^i) equals the scalar. From the lowest bit up: where the scalar's bit plus
 * the carry is even the digit is 0; else the window of `bits` bits from there (plus the carry) becomes
 * one digit, taken as negative with a carry of 1 into the next window when it is above 2^(bits - 1), and
 * its bits above the first are 0. One pass with no inner loop: on an esp32's interpreter the two-pass
 * sliding form took about 0.35 s a scalar with the radio unread.
 */
export function wnaf(scalar: Uint8Array, bits: number, length: number): Int8Array {
  const digits = new Int8Array(length);
  let carry = 0;
  for (let index = 0; index < length; ) {
    const byte = index >> 3;
    // Past the scalar's end a byte reads as undefined, which a shift takes as 0.
    const window = (((scalar[byte] | (scalar[byte + 1] << 8)) >> (index & 7)) & ((1 << bits) - 1)) + carry;
    if ((window & 1) === 0) {
      index++;
      continue;
    }
    carry = window >> (bits - 1);
    digits[index] = window - (carry << bits);
    index += bits;
  }
  return digits;
}

function equalBytes(left: Uint8Array, right: Uint8Array, offset: number): boolean {
  let difference = 0;
  for (let index = 0; index < 32; index++) difference |= left[index] ^ right[offset + index];
  return difference === 0;
}

/**
 * Addition chains for the two exponentiations (the ones of ref10's fe_pow22523 and fe_invert, also
 * curve25519-donna's), three characters an instruction over registers 0 (the input) to 4: the target,
 * the left operand, then either the right operand's digit (target = left times right) or a count n of
 * squarings as the character of code 64 + n, A for 1 to r for 50 (target = left squared n times; 2^100
 * is two runs of 50; a string, not an array: the bundles' byte budgets). 2^252 - 3 is (p - 5) / 8 for the square root: 251
 * squarings and 11 multiplications; p - 2 for the inversion: 254 and 11. tweetnacl's square-and-multiply
 * chains take about 500 each.
 */
export const POW_P58 = '10A21B20211211A12121E12121J22132T23222J12121r22132r33r23222r12111B110';
export const INVERT = '10A21B20211231A22332E23232J33243T34333J23232r33243r44r34333r23222E121';

/**
 * A resumable exponentiation along one of the chains above: the register that ends with the value, and
 * a step that does at most `units` operations (at least one) and says whether the chain is complete.
 */
type Power = [Gf, (units: number) => boolean];

function power(input: Gf, program: string): Power {
  const limbs = new Float64Array(64);
  const registers = [input, limbs.subarray(0, 16), limbs.subarray(16, 32), limbs.subarray(32, 48), limbs.subarray(48, 64)];
  let next = 0;
  let squared = 0;
  return [
    registers[1],
    function (units: number): boolean {
      for (let done = 0; next < program.length && done < units; done++) {
        const target = registers[program.charCodeAt(next) - 48], code = program.charCodeAt(next + 2);
        if (code < 64) mul(target, registers[program.charCodeAt(next + 1) - 48], registers[code - 48]);
        else sqr(target, squared++ === 0 ? registers[program.charCodeAt(next + 1) - 48] : target);
        if (code < 64 || squared === code - 64) {
          squared = 0;
          next += 3;
        }
      }
      return next >= program.length;
    },
  ];
}

/**
 * Straus's interleaved multi-scalar multiplication sum [k_i] P_i over signed window digits and tables of
 * odd multiples, then the affine encoding (RFC 8032 §5.1.2), one point operation or one slice of the
 * inversion per pass. Shared by verification ([S]B + [h](-A)) and the fixed-base [r]B.
 */
class Ladder {
  result: Point = point();
  // From the digits' top (65 of them for the comb's 64-bit parts: no pass over the bits above).
  private bit: number;
  private phase = 0;
  private started = false;
  // The inversion of Z, made once the tables are let go.
  private inverse: Power | null = null;
  encoded: Uint8Array | null = null;

  constructor(
    private digits: Int8Array[],
    private tables: Point[][],
  ) {
    this.bit = digits[0].length - 1;
    low.set25519(this.result[1], low.gf([1]));
    low.set25519(this.result[2], low.gf([1]));
  }

  /** Whether an addition follows at this bit from the table `first` on (it needs the result's T). */
  private additionFrom(first: number): boolean {
    for (let index = first; index < this.digits.length; index++) if (this.digits[index][this.bit] !== 0) return true;
    return false;
  }

  /** One pass: a doubling or an addition of the ladder, a slice of the inversion, or the encoding. */
  pass(units: number): void {
    // `this` once in a local, which the minifier names in one letter: the bundles' byte budgets.
    const self = this;
    if (self.bit >= 0) {
      if (self.phase === 0) {
        self.phase = 1;
        if (self.started) {
          doublePoint(self.result, self.additionFrom(0));
          return;
        }
      }
      while (self.phase <= self.digits.length) {
        const digit = self.digits[self.phase - 1][self.bit];
        const table = self.tables[self.phase - 1];
        self.phase++;
        if (digit !== 0) {
          const entry = table[(digit < 0 ? -digit : digit) >> 1];
          addCached(self.result, entry, digit < 0, self.additionFrom(self.phase - 1));
          self.started = true;
          return;
        }
      }
      self.phase = 0;
      if (--self.bit < 0) {
        // The tables are done with: their heap can go back before the inversion.
        self.tables = [];
        self.inverse = power(self.result[2], INVERT);
      }
    } else if ((self.inverse as Power)[1](units)) {
      // The inversion's last slice and the encoding (two multiplications more) in one pass.
      const x = low.gf(), y = low.gf(), out = new Uint8Array(32), xBytes = new Uint8Array(32);
      const inverse = (self.inverse as Power)[0];
      mul(x, self.result[0], inverse);
      mul(y, self.result[1], inverse);
      low.pack25519(out, y);
      low.pack25519(xBytes, x);
      out[31] ^= (xBytes[0] & 1) << 7;
      self.encoded = out;
    }
  }
}

// Stages of a verification, in order.
const POLICY = 0, CONSTANTS = 1, HASH = 2, REDUCE = 3, DECOMPRESS = 4, CHECK_ROOT = 5, FIX_ROOT = 6, TABLES = 7, DIGITS = 8, LADDER = 9, DONE = 10;

/**
 * A resumable verification. Each step() does at most `units` field multiplications and squarings in the
 * long stages (the 250-step exponentiation, the ladder, the inversion), or one point operation when that
 * is more; the hash and modL are one step each.
 */
export class VerifyJob {
  private stage = POLICY;
  private outcome = false;
  private h: Uint8Array = new Uint8Array(32);
  private digest: Uint8Array<ArrayBufferLike> = new Uint8Array(64);
  private negA: Point = point();
  // u, v and u v^7 of the decompression, in one buffer, and its exponentiation: let go once -A is known.
  private num: Gf;
  private den: Gf;
  private candidate: Gf;
  private power: Power | null = null;
  private tableA: Point[] = [];
  // [S]'s digits while [h]'s wait for the next step.
  private digits: Int8Array[] = [];
  // Made when its stage starts: a job waiting in a queue holds little heap.
  private twice: Point = [];
  private ladder: Ladder | null = null;
  private spent = 0;
  private hashed = 0;
  private rooted = false;
  private bitsA = windowA;

  constructor(
    private message: Uint8Array,
    private signature: Uint8Array,
    private publicKey: Uint8Array,
  ) {
    const limbs = new Float64Array(48);
    this.num = limbs.subarray(0, 16);
    this.den = limbs.subarray(16, 32);
    this.candidate = limbs.subarray(32, 48);
  }

  operations(): number {
    return this.spent;
  }

  /** SHA-512 computations done so far (0 or 1), for the cost accounting. */
  hashes(): number {
    return this.hashed;
  }

  done(): boolean {
    return this.stage === DONE;
  }

  valid(): boolean {
    return this.stage === DONE && this.outcome;
  }

  /** Advances the job; returns true when it has finished (then valid() holds the answer). */
  step(units: number): boolean {
    const self = this;
    const start = fieldOps.multiplications + fieldOps.squarings;
    const spent = () => fieldOps.multiplications + fieldOps.squarings - start;
    while (self.stage !== DONE && spent() < units) {
      const stage = self.stage;
      if (stage === POLICY) {
        self.stage = checkSignatureEncoding(self.signature) !== null || checkKeyEncoding(self.publicKey) !== null ? DONE : CONSTANTS;
      } else if (stage === CONSTANTS) {
        if (buildBaseTableStep()) {
          self.stage = HASH;
          // The hash is the longest single piece (two SHA-512 blocks): it gets a step to itself.
          break;
        }
      } else if (stage === HASH) {
        const input = new Uint8Array(64 + self.message.length);
        input.set(self.signature.subarray(0, 32), 0);
        input.set(self.publicKey, 32);
        input.set(self.message, 64);
        self.digest = sha512(input);
        self.hashed = 1;
        self.stage = REDUCE;
        break;
      } else if (stage === REDUCE) {
        // h = SHA-512(R || A || M) mod L, in a step of its own (modL is a quarter of a second on a Pico).
        if (reduce !== null) self.h = reduce(self.digest);
        else {
          const wide = new Float64Array(64);
          for (let index = 0; index < 64; index++) wide[index] = self.digest[index];
          low.modL(self.h, wide);
        }
        self.startDecompress();
        self.stage = DECOMPRESS;
        break;
      } else if (stage === DECOMPRESS) {
        if ((self.power as Power)[1](units - spent())) self.stage = CHECK_ROOT;
      } else if (stage === CHECK_ROOT) {
        // The square root in two passes of a few operations each.
        self.rooted = self.rootCandidate();
        self.stage = FIX_ROOT;
      } else if (stage === FIX_ROOT) {
        self.stage = self.fixRoot() ? TABLES : DONE;
        self.num = self.den = self.candidate = NONE;
        self.power = null;
        // Its encodings are interpreted work beside few multiplications: a step of its own.
        break;
      } else if (stage === TABLES) {
        // One point operation per pass, so no pass is longer than a point addition.
        if (self.tableStep()) break;
      } else if (stage === DIGITS) {
        // Each scalar's digits in a step of its own: on an esp32's interpreter one is about 3,000 poll
        // points (0.4 s), and the two with the table's last operation were a call of 1.3 to 1.7 s away
        // from the radio, in which packets were written over.
        if (self.digits.length === 0) self.digits.push(wnaf(self.signature.subarray(32, 64), baseBits, SCALAR_BITS));
        else {
          self.ladder = new Ladder([self.digits[0], wnaf(self.h, self.bitsA, SCALAR_BITS)], [baseTable as Point[], self.tableA]);
          self.digits = [];
          self.tableA = [];
          self.stage = LADDER;
        }
        break;
      } else {
        const ladder = self.ladder as Ladder;
        ladder.pass(units - spent());
        if (ladder.encoded !== null) {
          self.outcome = equalBytes(ladder.encoded, self.signature, 0);
          self.ladder = null;
          self.stage = DONE;
        }
      }
    }
    self.spent += spent();
    return self.stage === DONE;
  }

  // Decompression of A (RFC 8032 §5.1.3), negated: x = (u/v)^((p+3)/8) computed as u v^3 (u v^7)^((p-5)/8).
  private startDecompress(): void {
    const self = this;
    const y = self.negA[1];
    low.set25519(self.negA[2], low.gf([1]));
    low.unpack25519(y, self.publicKey);
    const y2 = low.gf();
    sqr(y2, y);
    mul(self.den, y2, low.D);
    subtract(self.num, y2, self.negA[2]); // u = y^2 - 1
    add(self.den, self.negA[2], self.den); // v = d y^2 + 1
    const den2 = low.gf();
    sqr(den2, self.den);
    const den4 = low.gf();
    sqr(den4, den2);
    const den6 = low.gf();
    mul(den6, den4, den2);
    mul(self.candidate, den6, self.num);
    mul(self.candidate, self.candidate, self.den); // u v^7
    self.power = power(self.candidate, POW_P58);
  }

  /** x = u v^3 (u v^7)^((p-5)/8); whether v x^2 = u. */
  private rootCandidate(): boolean {
    const self = this;
    const x = self.negA[0];
    mul(x, (self.power as Power)[0], self.num);
    const den3 = low.gf();
    sqr(den3, self.den);
    mul(den3, den3, self.den);
    mul(x, x, den3);
    return self.isRoot(x);
  }

  private isRoot(x: Gf): boolean {
    const check = low.gf();
    sqr(check, x);
    mul(check, check, this.den);
    return this.same(check, this.num);
  }

  /** Else x sqrt(-1) when that is the root (no root: not a point); then the sign of -A, and T = XY. */
  private fixRoot(): boolean {
    const self = this;
    const x = self.negA[0];
    if (!self.rooted) {
      mul(x, x, I as Gf);
      if (!self.isRoot(x)) return false;
    }
    const xBytes = new Uint8Array(32);
    low.pack25519(xBytes, x);
    // The encoding's top bit is the sign of x; we want -A, so keep the opposite parity.
    if ((xBytes[0] & 1) === self.publicKey[31] >> 7) subtract(x, ZERO, x);
    mul(self.negA[3], self.negA[0], self.negA[1]);
    return true;
  }

  private same(left: Gf, right: Gf): boolean {
    const a = new Uint8Array(32), b = new Uint8Array(32);
    low.pack25519(a, left);
    low.pack25519(b, right);
    return equalBytes(a, b, 0);
  }

  /** Builds -A and 3(-A) one point operation per pass (-A itself is the first entry); true once built. */
  private tableStep(): boolean {
    const self = this;
    if (self.twice.length === 0) self.twice = point();
    if (!growTable(self.tableA, self.twice, self.negA, self.bitsA)) return false;
    self.twice = [];
    self.stage = DIGITS;
    return true;
  }
}

export function startFastVerify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): VerifyJob {
  return new VerifyJob(message, signature, publicKey);
}

/** Runs a verification to the end in slices of `units`; for hosts, tests and benches. */
export function verifyFast(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array, units: number): boolean {
  const job = new VerifyJob(message, signature, publicKey);
  // Each step is bounded; a board interleaves its other work between them.
  for (let steps = 0; steps < 1000000 && !job.step(units); steps++);
  return job.valid();
}

/** The comb's teeth: [r]B as the sum of [r_i](2^(64 i) B) over r's four 64-bit parts r_i. */
const COMB_TEETH = 4;
const COMB_BITS = SCALAR_BITS / COMB_TEETH;
/** The wNAF width of each tooth's table (four odd multiples, 2 KB of limbs). */
const COMB_WINDOW = 4;

/**
 * Once a board installed the comb (useBaseComb): a step of its tables' building, a point operation per
 * call, which gives the comb's ladder for a scalar once they are built.
 */
let combStep: (() => ((scalar: Uint8Array) => Ladder) | null) | null = null;

/**
 * Installs (on) or removes the comb for [r]B: a ladder over 65 bits instead of 256, so a signing nonce or
 * a public key takes about 1,070 field operations instead of 2,400 (test/crypto/nonces.test.ts prints
 * both). Its four tables, 8 KB of limbs, are built once, 192 doublings from B to 2^192 B, at the first use.
 */
export function useBaseComb(on: boolean): void {
  combStep = on ? combBuilder() : null;
}

function combBuilder(): () => ((scalar: Uint8Array) => Ladder) | null {
  const tables: Point[][] = [];
  // 2^(64 i) B for the tooth i = tables.length, extended; then the doublings toward the next.
  let tooth: Point | null = null;
  let doubled = 0;
  let first: Point | null = null;
  let build: Point[] = [];
  let twice: Point = [];
  const ladder = (scalar: Uint8Array): Ladder => new Ladder(combDigits(scalar), tables);
  return function (): ((scalar: Uint8Array) => Ladder) | null {
    if (tables.length === COMB_TEETH) return ladder;
    if (!buildBaseTableStep()) return null;
    if (tooth === null) {
      tooth = point();
      low.set25519(tooth[0], low.gf(BASE_X));
      low.set25519(tooth[1], low.gf(BASE_Y));
      low.set25519(tooth[2], low.gf([1]));
      mul(tooth[3], tooth[0], tooth[1]);
    } else if (first === null) {
      if (tables.length > 0 && doubled < COMB_BITS) {
        // T only after the last doubling: the table's building reads it.
        doublePoint(tooth, ++doubled === COMB_BITS);
        return null;
      }
      doubled = 0;
      first = point();
      copyPoint(first, tooth);
      build = [];
      twice = point();
    } else if (growTable(build, twice, first, COMB_WINDOW)) {
      tables.push(build);
      first = null;
      if (tables.length === COMB_TEETH) tooth = null;
    }
    return null;
  };
}

/** The wNAF digits of each 64-bit part of a scalar, for the comb's tables. */
function combDigits(scalar: Uint8Array): Int8Array[] {
  const digits: Int8Array[] = [];
  for (let index = 0; index < COMB_TEETH; index++) {
    const part = new Uint8Array(COMB_BITS / 8 + 1);
    part.set(scalar.subarray((index * COMB_BITS) / 8, ((index + 1) * COMB_BITS) / 8), 0);
    digits.push(wnaf(part, COMB_WINDOW, COMB_BITS + 1));
  }
  return digits;
}

/**
 * [r]B, encoded, as a resumable job (for signing nonces and key derivation in idle time): the base
 * table (or the comb's), then the ladder over r's digits, one point operation or inversion slice per pass.
 */
export class ScalarBaseJob {
  private ladder: Ladder | null = null;
  private encoded: Uint8Array | null = null;
  private spent = 0;

  constructor(private scalar: Uint8Array) {}

  operations(): number {
    return this.spent;
  }

  /** The encoding of [r]B once done, else null. */
  value(): Uint8Array | null {
    return this.encoded;
  }

  step(units: number): boolean {
    const self = this;
    const start = fieldOps.multiplications + fieldOps.squarings;
    while (self.encoded === null && fieldOps.multiplications + fieldOps.squarings - start < units) {
      const comb = combStep !== null ? combStep() : null;
      if (combStep !== null ? comb === null : !buildBaseTableStep()) continue;
      if (self.ladder === null) {
        // The digits in a step of their own (interpreted work: fast-verify's DIGITS stage).
        self.ladder = comb !== null ? comb(self.scalar) : new Ladder([wnaf(self.scalar, baseBits, SCALAR_BITS)], [baseTable as Point[]]);
        break;
      }
      self.ladder.pass(units - (fieldOps.multiplications + fieldOps.squarings - start));
      self.encoded = self.ladder.encoded;
    }
    if (self.encoded !== null) self.ladder = null;
    self.spent += fieldOps.multiplications + fieldOps.squarings - start;
    return self.encoded !== null;
  }
}
