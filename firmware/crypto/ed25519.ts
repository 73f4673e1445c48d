// Ed25519 (RFC 8032) and SHA-512 on the board, through tweetnacl. Board bundles carry tweetnacl's small
// variant, nacl.js (host-tools/build/bundle.ts aliases it): 18.7 KB minified against nacl-fast's 32.6 KB,
// and at about 2.3 bytes of Kaluma heap per byte of source (PLATFORMS.md D) nacl-fast would leave the
// node almost no heap; the host runs nacl-fast, which computes the same results faster. Verification
// applies the shared policy (S < L, canonical R and A) before any curve arithmetic.
import nacl from 'tweetnacl';
import { checkKeyEncoding, checkSignatureEncoding } from './policy';

export type KeyPair = { publicKey: Uint8Array; secretKey: Uint8Array };

export const SEED_BYTES = 32;
export const ID_BYTES = 16;

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== SEED_BYTES) throw new Error('an Ed25519 seed is 32 bytes');
  const pair = nacl.sign.keyPair.fromSeed(seed);
  return { publicKey: pair.publicKey, secretKey: pair.secretKey };
}

export function signDetached(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return nacl.sign.detached(message, secretKey);
}

/** Policy first, then the curve equation; false on any malformed input, never a throw. */
export function verifyDetached(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (checkSignatureEncoding(signature) !== null || checkKeyEncoding(publicKey) !== null) return false;
  return nacl.sign.detached.verify(message, signature, publicKey);
}

export function sha512(bytes: Uint8Array): Uint8Array {
  return nacl.hash(bytes);
}

/** A record's id: the first 16 bytes of SHA-512(payload || signature) (docs/wire-format.md). */
export function recordId(payload: Uint8Array, signature: Uint8Array): Uint8Array {
  const input = new Uint8Array(payload.length + signature.length);
  input.set(payload, 0);
  input.set(signature, payload.length);
  return sha512(input).slice(0, ID_BYTES);
}
