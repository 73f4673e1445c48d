// A small program for the real Espruino interpreter (test/crypto/espruino-natives.test.ts): SHA-512 and
// the field multiplication on the JS paths and with Espruino's natives, from hex in, hex out, so the
// host compares them with node:crypto and tweetnacl; the arithmetic mod L and the record codec likewise.
import { useEspruinoNatives } from '../../boards/esp32/natives';
import { sha512 } from '../../firmware/crypto/sha512';
import { fieldMultiply } from '../../firmware/crypto/fast-verify';
import { reduceModL, signatureScalarFromHash } from '../../firmware/crypto/ed25519';
import { RECORD_BYTES_MAX, decodeRecord, encodePayload } from '../../firmware/records';

function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let index = 0; index < out.length; index++) out[index] = parseInt(text.substr(index * 2, 2), 16);
  return out;
}

function toHex(bytes: Uint8Array): string {
  let text = '';
  for (let index = 0; index < bytes.length; index++) text += (bytes[index] + 256).toString(16).substr(1);
  return text;
}

const check = {
  natives: function (on: boolean): string {
    const installed = useEspruinoNatives(on);
    return (installed.sha512 ? 'sha512' : '-') + ',' + (installed.convolve ? 'convolve' : '-');
  },
  /** SHA-512 of each hex input, through whatever path is installed; the digests joined by commas. */
  sha512: function (inputs: string[]): string {
    const out: string[] = [];
    for (let index = 0; index < inputs.length; index++) out.push(toHex(sha512(fromHex(inputs[index]))));
    return out.join(',');
  },
  /** a b through the installed field multiplication, for 16-limb a and b given as arrays. */
  multiply: function (a: number[], b: number[]): number[] {
    const o = new Float64Array(16);
    fieldMultiply(o, new Float64Array(a), new Float64Array(b));
    const out: number[] = [];
    for (let index = 0; index < 16; index++) out.push(o[index]);
    return out;
  },
  /** hash mod L and (r + (hash mod L) a) mod L through the installed arithmetic, as hex joined by a comma. */
  scalar: function (r: string, hash: string, a: string): string {
    return toHex(reduceModL(fromHex(hash))) + ',' + toHex(signatureScalarFromHash(fromHex(r), fromHex(hash), fromHex(a)));
  },
  /** A record decoded through the installed codec and its payload encoded again: the payload's hex, or the rejection code. */
  record: function (bytes: string): string {
    const decoded = decodeRecord(fromHex(bytes), RECORD_BYTES_MAX);
    return decoded.ok ? toHex(encodePayload(decoded.value.record)) + ',' + toHex(decoded.value.signature) : decoded.code;
  },
};

(globalThis as unknown as { check: unknown }).check = check;
