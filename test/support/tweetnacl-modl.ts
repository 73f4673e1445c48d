// tweetnacl's own reduction mod L (nacl.lowlevel.modL), the reference the board's arithmetic mod L is
// checked against (test/crypto/scalar-convolve.test.ts, test/crypto/espruino-natives.test.ts).
import nacl from 'tweetnacl';

const low = (nacl as unknown as { lowlevel: { modL(r: Uint8Array, x: Float64Array): void } }).lowlevel;

/** A 64-byte little-endian number mod L, 32 bytes, as tweetnacl computes it. */
export function tweetnaclReduce(bytes: Uint8Array): Uint8Array {
  const wide = new Float64Array(64);
  for (let index = 0; index < 64; index++) wide[index] = bytes[index];
  const out = new Uint8Array(32);
  low.modL(out, wide);
  return out;
}
