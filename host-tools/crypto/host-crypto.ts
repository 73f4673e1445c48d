// The board cryptography (firmware/platform.ts BoardCrypto) on the host: node:crypto (OpenSSL) for
// SHA-512 and Ed25519, verification behind the shared policy (verify-host.ts). Host-class light nodes
// (the in-process simulation, the city's attacker) run on it, and the emulator's native `smartcrypto`
// module (host-tools/emulator/native-crypto.ts) computes with it.
import { createHash, createPrivateKey, sign } from 'node:crypto';
import type { BoardCrypto } from '../../firmware/platform';
import { publicKeyFromSeed, verifyHost } from './verify-host';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export const hostCrypto: Required<BoardCrypto> = {
  sha512(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(createHash('sha512').update(bytes).digest());
  },
  publicKey: publicKeyFromSeed,
  /** RFC 8032 §5.1.6 from the seed (the secret key's first half); node:crypto derives the public key itself. */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secretKey.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
    return new Uint8Array(sign(null, message, key));
  },
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    return verifyHost(message, signature, publicKey);
  },
};
