// The bench program of espruino-trade-pieces.ts: each piece of the node's trade-time path (and of a
// cap's decoding) as a function repeated n times, with the natives and the trade codec installed as the
// esp32 boots, so the host can time each on the real Espruino interpreter.
import { useEspruinoNatives } from '../../boards/esp32/natives';
import { sha512 } from '../../firmware/crypto/sha512';
import { recordId, signatureScalarFromHash } from '../../firmware/crypto/ed25519';
import { KIND_SOLD, LedgerRecord, RECORD_BYTES_MAX, bytesToSign, decodeRecord, encodePayload, encodeRecord } from '../../firmware/records';

declare function __runtimeRequire(name: 'crypto'): { SHA512(message: ArrayBuffer | Uint8Array): ArrayBuffer };

const ref = new Uint8Array(16);
function record(seq: number): LedgerRecord {
  return { kind: KIND_SOLD, issuer: 12, seq: seq, timeMs: 1795000000000 + seq, parents: [ref, ref], pot: [3, 9], energyWh: 7500, ecash: 2250, counterparty: 5, ref: ref };
}
const installed = useEspruinoNatives(true);
const payload = encodePayload(record(7));
const toSign = bytesToSign(payload);
const signature = new Uint8Array(64);
const signed = encodeRecord(payload, signature, []);
const signInput = new Uint8Array(64 + toSign.length);
const hashed = new Uint8Array(64);
const scalar = new Uint8Array(32);
for (let index = 0; index < 64; index++) {
  signature[index] = (index * 7) & 255;
  hashed[index] = (index * 91 + 3) & 255;
}
for (let index = 0; index < 32; index++) scalar[index] = (index * 13) & 127;
const nonce = new Uint8Array(32);
const native = __runtimeRequire('crypto').SHA512;

/** Each piece, run n times; the loop alone is `loop`, for subtraction. */
const pieces: { [name: string]: (n: number) => number } = {
  loop: function (n) { for (let index = 0; index < n; index++); return n; },
  encode_payload: function (n) { for (let index = 0; index < n; index++) encodePayload(record(index + 1)); return n; },
  sig_structure: function (n) { for (let index = 0; index < n; index++) bytesToSign(payload); return n; },
  sha512: function (n) { for (let index = 0; index < n; index++) sha512(signInput); return n; },
  sha512_native_call: function (n) { for (let index = 0; index < n; index++) native(signInput); return n; },
  array_buffer_64: function (n) { for (let index = 0; index < n; index++) new ArrayBuffer(64); return n; },
  signature_mod_l: function (n) { for (let index = 0; index < n; index++) signatureScalarFromHash(nonce, hashed, scalar); return n; },
  record_id: function (n) { for (let index = 0; index < n; index++) recordId(payload, signature); return n; },
  envelope: function (n) { for (let index = 0; index < n; index++) encodeRecord(payload, signature, []); return n; },
  decode_record: function (n) { for (let index = 0; index < n; index++) decodeRecord(signed, RECORD_BYTES_MAX); return n; },
};

(globalThis as unknown as { pieces: unknown; installed: unknown }).pieces = pieces;
(globalThis as unknown as { installed: unknown }).installed = installed;
