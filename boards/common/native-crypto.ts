// The board's native cryptography: the `smartcrypto` module of our Kaluma image (docs/boards.md), whose
// sha512, publicKey, sign and verify are BoardCrypto's functions by name and arguments (verify applies
// the shared canonical policy itself). A bundle built for that image carries no JS Ed25519 at all, so
// on an image without the module it cannot run: the caller logs NATIVE_CRYPTO_MISSING and halts.
import type { BoardCrypto } from '../../firmware/platform';

export const NATIVE_CRYPTO_MODULE = 'smartcrypto';

/** The image's module, or null when the image has none (require throws) or it lacks a function. */
export function loadNativeCrypto(load: () => unknown): BoardCrypto | null {
  let module: unknown;
  try {
    module = load();
  } catch (error) {
    return null;
  }
  if (typeof module !== 'object' || module === null) return null;
  const crypto = module as BoardCrypto;
  if (typeof crypto.sha512 !== 'function' || typeof crypto.publicKey !== 'function' || typeof crypto.sign !== 'function' || typeof crypto.verify !== 'function') return null;
  return crypto;
}
