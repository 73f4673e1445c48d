// The esp32's validation bench program: the shared one (validation-entry.ts) plus a switch between
// Espruino's native helpers and the JS paths (boards/esp32/natives.ts), so one run measures both, and
// the calibration workloads of the emulator's esp32 cost model (docs/emulator.md): field
// multiplications, SHA-512 of a record, the record codec, each repeated n times.
import './validation-entry';
import { useEspruinoNatives } from '../../boards/esp32/natives';
import { fieldMultiply } from '../../firmware/crypto/fast-verify';
import { sha512 } from '../../firmware/crypto/sha512';
import { HASHES_PER_COLLECTION, collectGarbage } from '../../boards/esp32/collect';
import { KIND_SOLD, RECORD_BYTES_MAX, bytesToSign, decodeRecord, encodePayload, encodeRecord } from '../../firmware/records';

const ref = new Uint8Array(16);
const record = { kind: KIND_SOLD, issuer: 12, seq: 9, timeMs: 1795000000009, parents: [ref, ref], pot: [3, 9], energyWh: 7500, ecash: 2250, counterparty: 5, ref: ref };
const signed = encodeRecord(encodePayload(record), new Uint8Array(64), []);
const limbsA = new Float64Array(16);
const limbsB = new Float64Array(16);
for (let index = 0; index < 16; index++) {
  limbsA[index] = (index * 40503 + 7) & 0xffff;
  limbsB[index] = (index * 12345 + 99) & 0xffff;
}

const calibrate = {
  natives: function (on: boolean): string {
    const installed = useEspruinoNatives(on);
    return (installed.sha512 ? 'sha512' : '-') + ',' + (installed.convolve ? 'convolve' : '-');
  },
  /** n field multiplications (each result feeds the next, so none can be skipped). */
  field: function (n: number): number {
    for (let index = 0; index < n; index++) fieldMultiply(limbsA, limbsA, limbsB);
    return n;
  },
  /** n SHA-512 of a record's signed bytes plus signature (what a record id hashes), the path installed. */
  hash: function (n: number): number {
    const input = new Uint8Array(bytesToSign(encodePayload(record)).length + 64);
    for (let index = 0; index < n; index++) sha512(input);
    return n;
  },
  /**
   * n SHA-512 of a record as the node makes them: a garbage collection before every
   * HASHES_PER_COLLECTION (boards/esp32/collect.ts); the collections' own time is in the figure.
   */
  hashAsNode: function (n: number): number {
    const input = new Uint8Array(bytesToSign(encodePayload(record)).length + 64);
    for (let index = 0; index < n; index++) {
      if (index % HASHES_PER_COLLECTION === 0) collectGarbage();
      sha512(input);
    }
    return n;
  },
  /** n garbage collections, the esp32 node's upkeep (boards/esp32/collect.ts). */
  collect: function (n: number): number {
    for (let index = 0; index < n; index++) collectGarbage();
    return n;
  },
  /** n round trips of a record through the codec: encode the payload and envelope, decode strictly. */
  codec: function (n: number): number {
    for (let index = 0; index < n; index++) {
      encodeRecord(encodePayload(record), new Uint8Array(64), []);
      if (!decodeRecord(signed, RECORD_BYTES_MAX).ok) return -1;
    }
    return n;
  },
};

(globalThis as unknown as { calibrate: unknown }).calibrate = calibrate;
