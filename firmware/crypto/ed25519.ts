// Ed25519 (RFC 8032) and SHA-512 on the board, through tweetnacl. We bundle nacl-fast, not nacl: its
// unrolled field multiplication is about 2.5 times faster (PLATFORMS.md D: verify 160 ms against 392 ms
// in QuickJS), and on a Pico a verification is minutes, so speed binds harder than the ~30 KB of heap
// it costs over nacl. Verification applies the shared policy (S < L, canonical R and A) first.
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
