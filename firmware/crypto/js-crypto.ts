// The board cryptography in JS (firmware/platform.ts BoardCrypto), for a runtime without native Ed25519:
// tweetnacl's SHA-512 and the firmware's own point arithmetic (ed25519.ts, fast-verify.ts). It has no
// one-step verify: a verification is minutes of board time in an interpreter, so a node on this suite
// verifies in slices (NodeConfig.startVerify, boards/common/sliced-crypto.ts useSlicedCrypto).
import type { BoardCrypto } from '../platform';
import { keyPairFromSeed, sha512, signDetached } from './ed25519';

export const jsCrypto: BoardCrypto = {
  sha512: sha512,
  publicKey: function (seed: Uint8Array): Uint8Array {
    return keyPairFromSeed(seed).publicKey;
  },
  sign: signDetached,
};
