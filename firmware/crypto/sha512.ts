// SHA-512 (FIPS 180-4) for the board: the runtime's native hash when the board adapter installs one
// (Espruino's `require("crypto").SHA512`, checked once at boot by boards/esp32/main.ts), else
// tweetnacl's JS SHA-512, called through its lowlevel table (boards carry no `nacl.hash` wrapper).
// Both give the same 64 bytes (test/crypto/sha512.test.ts, here and on the real Espruino interpreter).
import nacl from 'tweetnacl';

const low = (nacl as unknown as { lowlevel: { crypto_hash(out: Uint8Array, message: Uint8Array, length: number): number } }).lowlevel;

/** Espruino's `require("crypto").SHA512` returns an ArrayBuffer; a host stand-in may return bytes. */
type NativeSha512 = (bytes: Uint8Array) => ArrayBuffer | Uint8Array;

let native: NativeSha512 | null = null;
/** Native hashes since the board last took the count (each allocates its result: boards/esp32/collect.ts). */
let nativeCalls = 0;

/** tweetnacl's SHA-512, whatever the board installed. */
export function sha512Js(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  low.crypto_hash(out, bytes, bytes.length);
  return out;
}

/**
 * SHA-512 of the bytes: native when installed, else JS. The native function is called from here with
 * no wrapper of its own: on Espruino every interpreted call costs a few microseconds, a tenth of the
 * native hash.
 */
export function sha512(bytes: Uint8Array): Uint8Array {
  if (native === null) return sha512Js(bytes);
  nativeCalls++;
  return new Uint8Array(native(bytes));
}

/** Native hashes since the last call of this (the esp32's garbage collection counts them). */
export function takeNativeSha512Calls(): number {
  const calls = nativeCalls;
  nativeCalls = 0;
  return calls;
}

/** Installs a native SHA-512 (null puts the JS one back); a board does this once, at boot. */
export function useNativeSha512(hash: NativeSha512 | null): void {
  native = hash;
}

/** Whether SHA-512 is native now, for the node's stats and the cost accounting. */
export function sha512IsNative(): boolean {
  return native !== null;
}
