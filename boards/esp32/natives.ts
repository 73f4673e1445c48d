// Espruino's native helpers for the crypto path, checked once at boot: `require("crypto").SHA512`
// (in the standard ESP32 build: boards/ESP32.py lists CRYPTO, SHA512; it returns an ArrayBuffer of 64
// bytes) for every SHA-512, and E.convolve for the limb products of the field multiplication
// (field-convolve.ts) and of the arithmetic mod L (scalar-convolve.ts). A firmware without either keeps the JS path; both give the same bytes.
// With them goes the purpose-built trade-record codec (firmware/codec/trade-record.ts): plain JS, but
// shaped for an interpreter that pays per statement; the generic codec's bytes and rejections.
import { useNativeSha512 } from '../../firmware/crypto/sha512';
import { useBaseComb, useFieldAdditions, useFieldMultiply, useVerifyReduce, useVerifyWindows } from '../../firmware/crypto/fast-verify';
import { useScalarArithmetic } from '../../firmware/crypto/ed25519';
import { installTradeCodec } from '../../firmware/codec/trade-record';
import { Convolve, convolveMultiply, unrolledAdditions } from './field-convolve';
import { convolveScalars } from './scalar-convolve';

type EspruinoCrypto = { SHA512?: (message: Uint8Array) => ArrayBuffer };
declare function __runtimeRequire(name: 'crypto'): EspruinoCrypto;
declare const E: { convolve?: Convolve };

function nativeCrypto(): EspruinoCrypto | null {
  try {
    const module = __runtimeRequire('crypto');
    return module !== undefined && typeof module.SHA512 === 'function' ? module : null;
  } catch (error) {
    // A firmware built without the crypto library: require throws "Module crypto not found".
    return null;
  }
}

/** Installs what this firmware has and the trade codec (on), or puts the generic paths back (off); says what is installed. */
export function useEspruinoNatives(on: boolean): { sha512: boolean; convolve: boolean; tradeCodec: boolean } {
  const crypto = on ? nativeCrypto() : null;
  const hash = crypto !== null ? (crypto.SHA512 as (message: Uint8Array) => ArrayBuffer) : null;
  useNativeSha512(hash);
  const convolve = on && typeof E.convolve === 'function' ? E.convolve : null;
  useFieldMultiply(convolve === null ? null : convolveMultiply(convolve));
  useFieldAdditions(on ? unrolledAdditions() : null);
  // The esp32's heap has room for wider windows than the pico's 4 and 3 (fast-verify.ts): 4 and 2 points more.
  useVerifyWindows(on ? 5 : 4, on ? 4 : 3);
  // And room for the comb's tables (8 KB): a signing nonce in about 1,070 field operations instead of 2,400.
  useBaseComb(on);
  const scalars = convolve === null ? null : convolveScalars(convolve);
  useScalarArithmetic(scalars);
  useVerifyReduce(scalars === null ? null : scalars.reduce);
  installTradeCodec(on);
  return { sha512: hash !== null, convolve: convolve !== null, tradeCodec: on };
}
