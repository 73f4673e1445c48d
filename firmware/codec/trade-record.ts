// A purpose-built codec for the trade records (offer, demand, sold, bought: firmware/records.ts) without
// tokens, for interpreters that pay for every statement (Espruino: the generic CBOR walk is 3 ms a record
// there). It writes and reads the one deterministic encoding (RFC 8949 §4.2.1) of exactly the records the
// generic path accepts, byte for byte the same, and answers null for anything else (another kind, tokens,
// any byte out of the one canonical shape, any field out of range), so the caller falls back to the
// generic codec, whose rejection codes stay the only ones (test/firmware/trade-record.test.ts).
import { copyBytes } from '../bytes';
import { useTradeCodec } from '../records';
import { ECASH_MAX, ENERGY_WH_MAX, ID_BYTES, MEMBER_ID_MAX, PAYLOAD_BYTES_MAX, POT_GRANTERS_MAX, SEQ_MAX, SIGNATURE_BYTES, TIME_MS_MAX, TIME_MS_MIN } from '../protocol';

/** The record's fields as firmware/records.ts has them. */
type TradeFields = {
  kind: number; issuer: number; seq: number; timeMs: number; parents: Uint8Array[]; pot: number[];
  energyWh?: number; ecash?: number; counterparty?: number; ref?: Uint8Array;
};

/** Kinds 2 to 5 (records.ts): offer and demand have 8 fields, sold and bought 10 (counterparty, ref). */
const KIND_OFFER = 2;
const KIND_BOUGHT = 5;
const KIND_SOLD = 4;
const TWO_POW_32 = 4294967296;
/** Tag 18, [h'A10127' (protected {1: -8}), {} (unprotected, no tokens), ... (RFC 9052 §4.2). */
const ENVELOPE_START = [0xd2, 0x84, 0x43, 0xa1, 0x01, 0x27, 0xa0];
/** The parents' array head (two items) and a 16-byte id's byte-string head. */
const PAIR_HEAD = 0x82;
const ID_HEAD = 0x40 | ID_BYTES;

const scratch = new Uint8Array(PAYLOAD_BYTES_MAX);
/** The reader's cursor after readUint (module state: one decode at a time, no object per read). */
let cursor = 0;

/** Whether value is an integer in [min, max] (NaN and fractions are not). */
function within(value: number | undefined, min: number, max: number): boolean {
  return typeof value === 'number' && value >= min && value <= max && value === Math.floor(value);
}

/** Writes an unsigned integer's shortest head (RFC 8949 §4.2.1) at `at`; the offset after it. */
function writeUint(value: number, at: number): number {
  if (value < 24) {
    scratch[at] = value;
    return at + 1;
  }
  if (value < 256) {
    scratch[at] = 24;
    scratch[at + 1] = value;
    return at + 2;
  }
  if (value < 65536) {
    scratch[at] = 25;
    scratch[at + 1] = value >> 8;
    scratch[at + 2] = value & 255;
    return at + 3;
  }
  if (value < TWO_POW_32) {
    scratch[at] = 26;
    return writeLow(value, at + 1);
  }
  const high = Math.floor(value / TWO_POW_32);
  scratch[at] = 27;
  writeLow(high, at + 1);
  return writeLow(value - high * TWO_POW_32, at + 5);
}

/** Four bytes of an argument, big-endian (value below 2^32). */
function writeLow(value: number, at: number): number {
  scratch[at] = value >>> 24;
  scratch[at + 1] = (value >> 16) & 255;
  scratch[at + 2] = (value >> 8) & 255;
  scratch[at + 3] = value & 255;
  return at + 4;
}

/**
 * The payload of a trade record, the generic encoder's bytes (records.ts encodePayload), or null when
 * the record is not a valid trade record (the generic path then says why).
 */
export function encodeTradePayload(record: TradeFields): Uint8Array | null {
  const kind = record.kind;
  if (!within(kind, KIND_OFFER, KIND_BOUGHT)) return null;
  const traded = kind >= KIND_SOLD;
  const parents = record.parents;
  const pot = record.pot;
  const issuer = record.issuer;
  if (!within(issuer, 1, MEMBER_ID_MAX) || !within(record.seq, 1, SEQ_MAX) || !within(record.timeMs, TIME_MS_MIN, TIME_MS_MAX)) return null;
  if (!within(record.energyWh, 1, ENERGY_WH_MAX) || !within(record.ecash, 0, ECASH_MAX)) return null;
  if (!Array.isArray(parents) || parents.length !== 2 || !Array.isArray(pot) || pot.length > POT_GRANTERS_MAX) return null;
  for (let index = 0; index < 2; index++) if (!(parents[index] instanceof Uint8Array) || parents[index].length !== ID_BYTES) return null;
  for (let index = 0; index < pot.length; index++) if (!within(pot[index], index > 0 ? pot[index - 1] + 1 : 1, MEMBER_ID_MAX)) return null;
  const ref = record.ref;
  if (traded && (!within(record.counterparty, 1, MEMBER_ID_MAX) || record.counterparty === issuer || !(ref instanceof Uint8Array) || ref.length !== ID_BYTES)) return null;
  // The map, its keys in canonical order (0 to 5, 9, 10, then 11 and 12 for sold and bought).
  scratch[0] = traded ? 0xaa : 0xa8;
  scratch[1] = 0;
  scratch[2] = kind;
  scratch[3] = 1;
  let at = writeUint(issuer, 4);
  scratch[at] = 2;
  at = writeUint(record.seq, at + 1);
  scratch[at] = 3;
  at = writeUint(record.timeMs, at + 1);
  scratch[at] = 4;
  scratch[at + 1] = PAIR_HEAD;
  scratch[at + 2] = ID_HEAD;
  scratch.set(parents[0], at + 3);
  scratch[at + 19] = ID_HEAD;
  scratch.set(parents[1], at + 20);
  scratch[at + 36] = 5;
  scratch[at + 37] = 0x80 | pot.length;
  at += 38;
  for (let index = 0; index < pot.length; index++) at = writeUint(pot[index], at);
  scratch[at] = 9;
  at = writeUint(record.energyWh as number, at + 1);
  scratch[at] = 10;
  at = writeUint(record.ecash as number, at + 1);
  if (traded) {
    scratch[at] = 11;
    at = writeUint(record.counterparty as number, at + 1);
    scratch[at] = 12;
    scratch[at + 1] = ID_HEAD;
    scratch.set(ref as Uint8Array, at + 2);
    at += 2 + ID_BYTES;
  }
  return copyBytes(scratch, 0, at);
}

/**
 * Reads an unsigned integer (major type 0) in its shortest form at `at`, leaving cursor after it; -1
 * for anything else (another major type, a longer form than needed, beyond 2^53 - 1 or the input).
 */
function readUint(bytes: Uint8Array, at: number, end: number): number {
  const initial = bytes[at];
  if (initial < 24) {
    cursor = at + 1;
    return initial;
  }
  let value = -1;
  if (initial === 24 && at + 2 <= end) {
    value = bytes[at + 1];
    cursor = at + 2;
    return value < 24 ? -1 : value;
  }
  if (initial === 25 && at + 3 <= end) {
    value = (bytes[at + 1] << 8) | bytes[at + 2];
    cursor = at + 3;
    return value < 256 ? -1 : value;
  }
  if (initial === 26 && at + 5 <= end) {
    value = bytes[at + 1] * 16777216 + ((bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4]);
    cursor = at + 5;
    return value < 65536 ? -1 : value;
  }
  if (initial === 27 && at + 9 <= end && bytes[at + 1] === 0 && bytes[at + 2] < 0x20) {
    value = ((bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4]) * TWO_POW_32 + bytes[at + 5] * 16777216 + ((bytes[at + 6] << 16) | (bytes[at + 7] << 8) | bytes[at + 8]);
    cursor = at + 9;
    return value < TWO_POW_32 ? -1 : value;
  }
  return -1;
}

/** Whether bytes[at, at + 17) is a 16-byte id's byte string and at + 17 is within end. */
function idAt(bytes: Uint8Array, at: number, end: number): boolean {
  return at + 1 + ID_BYTES <= end && bytes[at] === ID_HEAD;
}

export type TradeDecoded = {
  record: TradeFields & { energyWh: number; ecash: number };
  payload: Uint8Array; signature: Uint8Array; tokens: Uint8Array[];
};

/**
 * A trade record without tokens, decoded exactly as records.ts decodeRecord would accept it (the same
 * values, in copies), or null for anything it does not recognise: the generic decoder then accepts or
 * rejects it with its code.
 */
export function decodeTradeRecord(bytes: Uint8Array, bytesMax: number): TradeDecoded | null {
  const length = bytes.length;
  if (length > bytesMax || length < 8) return null;
  for (let index = 0; index < 7; index++) if (bytes[index] !== ENVELOPE_START[index]) return null;
  // The payload's byte-string head, shortest form; payloads are shorter than 2^16 bytes.
  const head = bytes[7];
  let start = 8;
  let size = head - 0x40;
  if (head === 0x58) {
    size = bytes[8];
    start = 9;
    if (size < 24) return null;
  } else if (head === 0x59) {
    size = (bytes[8] << 8) | bytes[9];
    start = 10;
    if (size < 256) return null;
  } else if (head < 0x40 || head >= 0x58) return null;
  const end = start + size;
  if (size > PAYLOAD_BYTES_MAX || end + 2 + SIGNATURE_BYTES !== length || bytes[end] !== 0x58 || bytes[end + 1] !== SIGNATURE_BYTES) return null;
  const map = bytes[start];
  const kind = bytes[start + 2];
  const traded = map === 0xaa;
  if ((map !== 0xa8 && !traded) || bytes[start + 1] !== 0 || kind < KIND_OFFER || kind > KIND_BOUGHT || traded !== kind >= KIND_SOLD || bytes[start + 3] !== 1) return null;
  const issuer = readUint(bytes, start + 4, end);
  if (issuer < 1 || issuer > MEMBER_ID_MAX || bytes[cursor] !== 2) return null;
  const seq = readUint(bytes, cursor + 1, end);
  if (seq < 1 || seq > SEQ_MAX || bytes[cursor] !== 3) return null;
  const timeMs = readUint(bytes, cursor + 1, end);
  if (timeMs < TIME_MS_MIN || timeMs > TIME_MS_MAX || bytes[cursor] !== 4 || bytes[cursor + 1] !== PAIR_HEAD) return null;
  let at = cursor + 2;
  if (!idAt(bytes, at, end) || !idAt(bytes, at + 17, end) || bytes[at + 34] !== 5) return null;
  const parents = [copyBytes(bytes, at + 1, at + 17), copyBytes(bytes, at + 18, at + 34)];
  const count = bytes[at + 35] - 0x80;
  if (count < 0 || count > POT_GRANTERS_MAX) return null;
  cursor = at + 36;
  const pot: number[] = [];
  for (let index = 0; index < count; index++) {
    const granter = readUint(bytes, cursor, end);
    if (granter < (index > 0 ? pot[index - 1] + 1 : 1) || granter > MEMBER_ID_MAX) return null;
    pot.push(granter);
  }
  if (bytes[cursor] !== 9) return null;
  const energyWh = readUint(bytes, cursor + 1, end);
  if (energyWh < 1 || energyWh > ENERGY_WH_MAX || bytes[cursor] !== 10) return null;
  const ecash = readUint(bytes, cursor + 1, end);
  if (ecash < 0 || ecash > ECASH_MAX) return null;
  const record: TradeDecoded['record'] = { kind: kind, issuer: issuer, seq: seq, timeMs: timeMs, parents: parents, pot: pot, energyWh: energyWh, ecash: ecash };
  if (traded) {
    if (bytes[cursor] !== 11) return null;
    const counterparty = readUint(bytes, cursor + 1, end);
    at = cursor;
    if (counterparty < 1 || counterparty > MEMBER_ID_MAX || counterparty === issuer || bytes[at] !== 12 || !idAt(bytes, at + 1, end)) return null;
    record.counterparty = counterparty;
    record.ref = copyBytes(bytes, at + 2, at + 2 + ID_BYTES);
    cursor = at + 2 + ID_BYTES;
  }
  if (cursor !== end) return null;
  return { record: record, payload: copyBytes(bytes, start, end), signature: copyBytes(bytes, end + 2, length), tokens: [] };
}

/** Installs this codec in firmware/records.ts (on) or leaves the generic codec alone (off); a board does this at boot. */
export function installTradeCodec(on: boolean): void {
  useTradeCodec(on ? { encode: encodeTradePayload, decode: decodeTradeRecord } : null);
}
