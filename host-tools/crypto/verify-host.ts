// Ed25519 verification on the host: node:crypto (OpenSSL), about a hundred times faster than tweetnacl,
// behind the same policy the board applies (firmware/crypto/policy.ts): S < L and canonical R and A.
// The aggregator and the host tools verify through here, so both sides of the ledger agree.
import { createPublicKey, verify, KeyObject } from 'node:crypto';
import { signingKey } from './host-signing';
import { checkKeyEncoding, checkSignatureEncoding } from '../../firmware/crypto/policy';
import { MEMBER_ID_MAX } from '../../firmware/protocol';

/**
 * Every member's key and the consortium's stay imported (about 1 KB each, 64 MiB at most): importing a
 * key costs more than the verification itself, and a ledger's issuers take turns, so a smaller cache
 * that cycles misses on every record (bench: docs/benchmarks.md, aggregator section).
 */
const KEY_CACHE_MAX = MEMBER_ID_MAX + 2;
const keyCache = new Map<string, KeyObject>();

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const hex = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('hex');
  let key = keyCache.get(hex);
  if (key === undefined) {
    // As a JWK (RFC 8037 §2): OpenSSL's DER decoder takes about 14 times as long for the same 32 bytes.
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64url') }, format: 'jwk' });
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
    keyCache.set(hex, key);
  }
  return key;
}

/** True only for a well-encoded signature that verifies; false for anything malformed, never a throw. */
export function verifyHost(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (checkSignatureEncoding(signature) !== null || checkKeyEncoding(publicKey) !== null) return false;
  try {
    return verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/** The Ed25519 public key of a 32-byte seed, with node:crypto (RFC 8032 §5.1.5). */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const jwk = createPublicKey(signingKey(seed)).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
}
