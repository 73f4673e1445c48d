// Ed25519 (RFC 8032) and SHA-512 on the board. SHA-512 and the field arithmetic are tweetnacl's (its
// small variant, nacl.js, which host-tools/build/bundle.ts aliases); the point arithmetic is ours
// (fast-verify.ts: the variable-time verification and the fixed-base ladder), so the bundles carry
// tweetnacl's hash and field code but not its constant-time sign, verify and key pair, which no board
// runs (host-tools/build/prune-nacl.ts drops them: 4 KB of bundle, about 11 KB of pico heap). Signing
// here is deterministic RFC 8032 signing, in one step: for hosts, tests and key derivation off the
// board; a board signs with its nonce stock (nonces.ts) and verifies in slices.
import nacl from 'tweetnacl';
import { ScalarBaseJob, secretScalar, sha512, verifyFast } from './fast-verify';
import { concat, copyBytes } from '../bytes';
import { ID_BYTES, SEED_BYTES } from '../protocol';

export type KeyPair = { publicKey: Uint8Array; secretKey: Uint8Array };


const low = (nacl as unknown as { lowlevel: { modL(r: Uint8Array, x: Float64Array): void } }).lowlevel;
const ONE_STEP = 1000000000;

/** Arithmetic mod L a board may do faster (boards/esp32/scalar-convolve.ts); the same bytes as tweetnacl's modL. */
export type ScalarArithmetic = {
  /** A 64-byte little-endian number reduced mod L. */
  reduce(bytes: Uint8Array): Uint8Array;
  /** (r + h a) mod L, with r and h below L and a below 2^256, 32 bytes each, little-endian. */
  multiplyAdd(r: Uint8Array, h: Uint8Array, a: Uint8Array): Uint8Array;
  /** (r + (hash mod L) a) mod L for a 64-byte little-endian hash, without reducing the hash first. */
  multiplyAddHash?(r: Uint8Array, hash: Uint8Array, a: Uint8Array): Uint8Array;
  /** Up to rowsMax more steps of multiplyAddHash's preparation for the scalar a; true once it is complete. */
  prepare?(a: Uint8Array, rowsMax: number): boolean;
};

let scalars: ScalarArithmetic | null = null;

/** Installs the board's arithmetic mod L, or puts tweetnacl's modL back with null; a board does this at boot. */
export function useScalarArithmetic(candidate: ScalarArithmetic | null): void {
  scalars = candidate;
}

/** A 64-byte little-endian number reduced mod L (the group order). */
export function reduceModL(bytes: Uint8Array): Uint8Array {
  if (scalars !== null) return scalars.reduce(bytes);
  const wide = new Float64Array(64);
  for (let index = 0; index < 64; index++) wide[index] = bytes[index];
  const out = new Uint8Array(32);
  low.modL(out, wide);
  return out;
}

/** [scalar]B, encoded, in one step. */
export function scalarBase(scalar: Uint8Array): Uint8Array {
  const job = new ScalarBaseJob(scalar);
  // The digits take a step of their own, then the ladder one.
  for (let steps = 0; steps < 3 && !job.step(ONE_STEP); steps++);
  return job.value() as Uint8Array;
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== SEED_BYTES) throw new Error('an Ed25519 seed is 32 bytes');
  const publicKey = scalarBase(secretScalar(seed));
  const secretKey = new Uint8Array(64);
  secretKey.set(seed, 0);
  secretKey.set(publicKey, 32);
  return { publicKey: publicKey, secretKey: secretKey };
}

/** S = (r + h a) mod L, with r and h reduced and a the clamped secret scalar (RFC 8032 §5.1.6 step 5). */
export function signatureScalar(r: Uint8Array, h: Uint8Array, a: Uint8Array): Uint8Array {
  if (scalars !== null) return scalars.multiplyAdd(r, h, a);
  const wide = new Float64Array(64);
  for (let index = 0; index < 32; index++) wide[index] = r[index];
  for (let index = 0; index < 32; index++) for (let other = 0; other < 32; other++) wide[index + other] += h[index] * a[other];
  const s = new Uint8Array(32);
  low.modL(s, wide);
  return s;
}

/** S = (r + (hash mod L) a) mod L for the 64-byte hash of RFC 8032 §5.1.6 step 4: the board's fused path when it has one. */
export function signatureScalarFromHash(r: Uint8Array, hash: Uint8Array, a: Uint8Array): Uint8Array {
  return scalars && scalars.multiplyAddHash ? scalars.multiplyAddHash(r, hash, a) : signatureScalar(r, reduceModL(hash), a);
}

/** A bounded step of the board's preparation for signing with the scalar a (idle time); true once nothing is left. */
export function prepareSigningScalar(a: Uint8Array, rowsMax: number): boolean {
  return !scalars || !scalars.prepare || scalars.prepare(a, rowsMax);
}

/** RFC 8032 §5.1.6: r = H(prefix || M) mod L, R = [r]B, S = (r + H(R || A || M) a) mod L. */
export function signDetached(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const seed = secretKey.subarray(0, 32);
  const publicKey = secretKey.subarray(32, 64);
  const r = reduceModL(sha512(concat([sha512(seed).subarray(32, 64), message])));
  const encodedR = scalarBase(r);
  return concat([encodedR, signatureScalarFromHash(r, sha512(concat([encodedR, publicKey, message])), secretScalar(seed))]);
}

/** The shared policy (S < L, canonical R and A), then the curve equation; false on malformed input. */
export function verifyDetached(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyFast(message, signature, publicKey, ONE_STEP);
}

export { sha512 };

/** A record's id: the first 16 bytes of SHA-512(payload || signature) (docs/wire-format.md). */
export function recordId(payload: Uint8Array, signature: Uint8Array): Uint8Array {
  return copyBytes(sha512(concat([payload, signature])), 0, ID_BYTES);
}
