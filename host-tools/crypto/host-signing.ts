// Ed25519 signing on the host with node:crypto (OpenSSL): the aggregator's consortium and checkpoint keys,
// the simulations', load generator's and benchmarks' members, and the tests' records all sign here.
// node:crypto takes a raw 32-byte seed (RFC 8032 §5.1.5's private key) only inside a PKCS#8 document; for
// Ed25519 that document is a fixed 16-byte DER prefix followed by the seed (RFC 8410 §7).
import { createPrivateKey, sign, KeyObject } from 'node:crypto';
import { SEED_BYTES } from '../../firmware/protocol';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The node:crypto private key of a 32-byte Ed25519 seed; make it once per key and sign with it many times. */
export function signingKey(seed: Uint8Array): KeyObject {
  if (seed.length !== SEED_BYTES) throw new Error(`an Ed25519 seed is ${SEED_BYTES} bytes, got ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The 64-byte Ed25519 signature of `message` (RFC 8032 §5.1.6), by a key from signingKey or by its seed. */
export function signHost(message: Uint8Array, key: KeyObject | Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key instanceof Uint8Array ? signingKey(key) : key));
}
