// Ed25519 verification on the host: node:crypto (OpenSSL), about a hundred times faster than tweetnacl,
// behind the same policy the board applies (firmware/crypto/policy.ts): S < L and canonical R and A.
// The aggregator and the host tools verify through here, so both sides of the ledger agree.
import { createPublicKey, verify, KeyObject } from 'node:crypto';
import { signingKey } from './host-signing';
import { checkKeyEncoding, checkSignatureEncoding } from '../../firmware/crypto/policy';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const KEY_CACHE_MAX = 4096;
const keyCache = new Map<string, KeyObject>();

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const hex = Buffer.from(publicKey).toString('hex');
  let key = keyCache.get(hex);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
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
