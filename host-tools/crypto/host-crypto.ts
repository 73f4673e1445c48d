// The board cryptography (firmware/platform.ts BoardCrypto) on the host: node:crypto (OpenSSL) for
// SHA-512 and Ed25519, verification behind the shared policy (verify-host.ts). Host-class light nodes
// (the in-process simulation, the city's attacker) run on it, and the emulator's native `smartcrypto`
// module (host-tools/emulator/native-crypto.ts) computes with it.
import { createHash } from 'node:crypto';
import { signHost } from './host-signing';
import type { BoardCrypto } from '../../firmware/platform';
import { publicKeyFromSeed, verifyHost } from './verify-host';

export const hostCrypto: Required<BoardCrypto> = {
  sha512(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(createHash('sha512').update(bytes).digest());
  },
  publicKey: publicKeyFromSeed,
  /** RFC 8032 §5.1.6 from the seed (the secret key's first half); node:crypto derives the public key itself. */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
    return signHost(message, secretKey.subarray(0, 32));
  },
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    return verifyHost(message, signature, publicKey);
  },
};
