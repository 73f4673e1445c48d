// Link frames between neighbours and to the aggregator (docs/wire-format.md "Link frames"), and the
// proof-of-time token (paper IV.E). A frame is one deterministic CBOR array [type, fields...] of at
// most FRAME_BYTES_MAX bytes: one LoRa frame at SF7/SF8 less the link's own framing. Every field is
// typed and bounded by the schema table below; decoding never throws out of decodeFrame.
import { CborValue, decodeCborStrict, encodeCbor } from './codec/cbor';
import {
  BALANCE_MAX, ENERGY_WH_MAX, FRAME_BYTES_MAX, GRANTERS_NAMED_MAX, ID_BYTES, MEMBER_ID_MAX, OFFLOAD_CHUNK_BYTES_MAX, OFFLOAD_PARTS_MAX, RECORD_BYTES_MAX, RECORD_WITH_TOKENS_BYTES_MAX, SEQ_MAX, SIGNATURE_BYTES, SLOT_MAX, TIME_MS_MAX, TOKEN_BYTES_MAX, TOKEN_MAC_BYTES,
} from './protocol';
import { Rejection, Result, accept, reject } from './rejections';

export { BALANCE_MAX, FRAME_BYTES_MAX, OFFLOAD_CHUNK_BYTES_MAX, OFFLOAD_PARTS_MAX, GRANTERS_NAMED_MAX, SIGNATURE_BYTES, SLOT_MAX, TOKEN_KEY_BYTES, TOKEN_MAC_BYTES } from './protocol';

export const FRAME_HELLO = 1;
export const FRAME_TOKEN_REQUEST = 2;
export const FRAME_TOKEN_GRANT = 3;
export const FRAME_CAP_REQUEST = 4;
export const FRAME_CAP_REPLY = 5;
export const FRAME_RECORD = 6;
export const FRAME_OFFLOAD = 7;
export const FRAME_OFFLOAD_ACK = 8;
export const FRAME_CHECKPOINT = 9;
export const FRAME_RECORD_REQUEST = 10;
/** From the aggregator: an auction match (advisory: the trade binds only through the signed records). */
export const FRAME_MATCH = 11;
/** From the aggregator: a trade committed and settled. */
export const FRAME_TRADE_COMMITTED = 12;

type FieldType = 'member' | 'members' | 'mac' | 'seq' | 'slot' | 'time' | 'id' | 'ids2' | 'signature' | 'record' | 'token' | 'ecash' | 'energy' | 'batch' | 'part' | 'parts' | 'chunk';

/**
 * Field names and types per frame type; index = type. The names are the keys of the decoded object.
 * Each schema is one string, "frame_name field:type ...": a board keeps thirteen strings here rather
 * than some sixty small arrays (about 3 KB of pico heap); frameSchema reads one when a frame needs it.
 */
export const FRAME_SCHEMAS: string[] = [
  '',
  'hello member:member seqNext:seq',
  'token_request requester:member seq:seq slot:slot asked:members',
  'token_grant token:token',
  'cap_request requester:member',
  'cap_reply caps:ids2',
  'record record:record',
  'offload member:member id:id part:part parts:parts chunk:chunk',
  'offload_ack batch:batch id:id mac:mac',
  'checkpoint member:member balance:ecash asOfMs:time signature:signature',
  'record_request id:id',
  'match seller:member buyer:member energyWh:energy ecash:ecash offer:id demand:id',
  'trade_committed seller:member buyer:member sold:id bought:id',
];

/**
 * The first byte of every offload frame: a CBOR array header of six items (the type and its five fields).
 * With the type after it, a node tells a neighbour's offload part (for the aggregator alone) from its two
 * first bytes and passes it over undecoded.
 */
export const OFFLOAD_FRAME_HEAD = 0x80 + 6;

/** A frame type's name and its fields as [name, type] pairs, or null for no such type. */
export function frameSchema(type: number): { name: string; fields: [string, FieldType][] } | null {
  const text = FRAME_SCHEMAS[type];
  if (type === 0 || text === undefined) return null;
  const parts = text.split(' ');
  const fields: [string, FieldType][] = [];
  for (let index = 1; index < parts.length; index++) {
    const pair = parts[index].split(':');
    fields.push([pair[0], pair[1] as FieldType]);
  }
  return { name: parts[0], fields: fields };
}

export type Frame = { type: number; [field: string]: number | number[] | Uint8Array | Uint8Array[] };

/** A number within min..max (decoded CBOR numbers are integers; `whole` also checks one the node built). */
function numberIn(value: CborValue, min: number, max: number, whole?: boolean): boolean {
  return typeof value === 'number' && value >= min && value <= max && (!whole || value % 1 === 0);
}

/** A byte string of min..max bytes. */
function bytesIn(value: CborValue, min: number, max: number): boolean {
  return value instanceof Uint8Array && value.length >= min && value.length <= max;
}

function checkFrameField(type: FieldType, name: string, value: CborValue): void {
  let ok: boolean;
  if (type === 'member') ok = numberIn(value, 0, MEMBER_ID_MAX);
  else if (type === 'seq') ok = numberIn(value, 1, SEQ_MAX);
  else if (type === 'slot' || type === 'batch') ok = numberIn(value, 0, SLOT_MAX);
  else if (type === 'part') ok = numberIn(value, 0, OFFLOAD_PARTS_MAX - 1, true);
  else if (type === 'parts') ok = numberIn(value, 1, OFFLOAD_PARTS_MAX, true);
  else if (type === 'chunk') ok = bytesIn(value, 1, OFFLOAD_CHUNK_BYTES_MAX);
  else if (type === 'time') ok = numberIn(value, 0, TIME_MS_MAX);
  else if (type === 'energy') ok = numberIn(value, 1, ENERGY_WH_MAX, true);
  else if (type === 'ecash') ok = numberIn(value, 0, BALANCE_MAX);
  else if (type === 'id') ok = bytesIn(value, ID_BYTES, ID_BYTES);
  else if (type === 'signature') ok = bytesIn(value, SIGNATURE_BYTES, SIGNATURE_BYTES);
  else if (type === 'mac') ok = bytesIn(value, TOKEN_MAC_BYTES, TOKEN_MAC_BYTES);
  else if (type === 'members') {
    ok = Array.isArray(value) && value.length >= 1 && value.length <= GRANTERS_NAMED_MAX;
    for (let index = 0; ok && index < (value as CborValue[]).length; index++) ok = numberIn((value as CborValue[])[index], 0, MEMBER_ID_MAX);
  } else if (type === 'record') ok = bytesIn(value, 1, RECORD_BYTES_MAX);
  // A token travels as the bytes it has in a record; only the requester and the aggregator read its fields (decodeToken).
  else if (type === 'token') ok = bytesIn(value, 1, TOKEN_BYTES_MAX);
  else {
    ok = Array.isArray(value) && value.length === 2;
    for (let index = 0; ok && index < 2; index++) ok = bytesIn((value as CborValue[])[index], ID_BYTES, ID_BYTES);
  }
  if (!ok) throw new Rejection('FRAME_FIELD', name + ' is not a valid ' + type);
}

/** Encodes a frame the node built; throws on a bug (a field missing or out of range). */
export function encodeFrame(frame: Frame): Uint8Array {
  const schema = frameSchema(frame.type);
  if (schema === null) throw new Error('unknown frame type ' + frame.type);
  const list: CborValue[] = [frame.type];
  for (let index = 0; index < schema.fields.length; index++) {
    const field = schema.fields[index];
    const value = frame[field[0]] as CborValue;
    checkFrameField(field[1], field[0], value);
    list.push(value);
  }
  return encodeCbor(list, FRAME_BYTES_MAX);
}

/** Decodes a frame from a link: length, then shape, then each field's type and range. */
export function decodeFrame(bytes: Uint8Array): Result<Frame> {
  if (bytes.length > FRAME_BYTES_MAX) return reject('FRAME_TOO_LONG', bytes.length + ' bytes, at most ' + FRAME_BYTES_MAX);
  try {
    const list = decodeCborStrict(bytes, FRAME_BYTES_MAX);
    if (!Array.isArray(list) || list.length === 0 || typeof list[0] !== 'number') {
      return reject('FRAME_MALFORMED', 'a frame is an array starting with its type');
    }
    const type = list[0];
    const schema = frameSchema(type);
    if (schema === null) return reject('FRAME_UNKNOWN_TYPE', 'type ' + type);
    if (list.length !== schema.fields.length + 1) {
      return reject('FRAME_MALFORMED', schema.name + ' has ' + schema.fields.length + ' fields, got ' + (list.length - 1));
    }
    const frame: Frame = { type: type };
    for (let index = 0; index < schema.fields.length; index++) {
      const field = schema.fields[index];
      checkFrameField(field[1], field[0], list[index + 1]);
      frame[field[0]] = list[index + 1] as number | number[] | Uint8Array;
    }
    return accept(frame);
  } catch (error) {
    if (error instanceof Rejection) return reject(error.code, error.detail);
    throw error;
  }
}

/**
 * The offload frames of a pending record as stored (its id, then the record with its tokens): the bytes
 * in order, in parts of OFFLOAD_CHUNK_BYTES_MAX. Nothing is decoded: the aggregator decodes the record
 * once, before it stores it. A record beyond RECORD_WITH_TOKENS_BYTES_MAX is a bug (never stored).
 */
export function offloadFrames(member: number, id: Uint8Array, stored: Uint8Array): Frame[] {
  if (stored.length === 0 || stored.length > RECORD_WITH_TOKENS_BYTES_MAX) throw new Error('offload of ' + stored.length + ' bytes');
  const parts = Math.ceil(stored.length / OFFLOAD_CHUNK_BYTES_MAX);
  const frames: Frame[] = [];
  for (let part = 0; part < parts; part++) {
    const chunk = stored.subarray(part * OFFLOAD_CHUNK_BYTES_MAX, Math.min(stored.length, (part + 1) * OFFLOAD_CHUNK_BYTES_MAX));
    frames.push({ type: FRAME_OFFLOAD, member: member, id: id, part: part, parts: parts, chunk: chunk });
  }
  return frames;
}

/**
 * A proof-of-time token's fields. Its one wire form is encodeToken's bytes: the granter encodes them once,
 * a grant frame carries them as a byte string, and the requester keeps them unchanged for its record's
 * unprotected header, where they sit as the same byte string (docs/wire-format.md "Proof-of-time token").
 */
export type Token = { granter: number; requester: number; seq: number; slot: number; mac: Uint8Array };

/** The bytes a granter authenticates: ["SmartChain PoT", granter, requester, seq, slot] in deterministic CBOR. */
export function tokenMessage(granter: number, requester: number, seq: number, slot: number): Uint8Array {
  return encodeCbor(['SmartChain PoT', granter, requester, seq, slot], 64);
}

/** The bytes an offload acknowledgement authenticates: ["SmartChain ack", id] in deterministic CBOR. */
export function ackMessage(id: Uint8Array): Uint8Array {
  return encodeCbor(['SmartChain ack', id], 64);
}

/**
 * The bytes the aggregator signs in a balance checkpoint: ["SmartChain checkpoint", member, balance,
 * asOfMs] in deterministic CBOR. The aggregator signs them and a board verifies them: built here once.
 */
export function checkpointMessage(member: number, balance: number, asOfMs: number): Uint8Array {
  return encodeCbor(['SmartChain checkpoint', member, balance, asOfMs], 64);
}

/**
 * A MAC under a member's token key, which the member shares with the aggregator alone (docs/ledger.md):
 * SHA-512(key || message) cut to its first 32 bytes. Proof-of-time tokens and offload acknowledgements
 * carry one: a SHA-512 where a signature would cost a point multiplication (minutes of board time) to
 * make or to check. Cut in half, the hash offers no length extension. `hash` is SHA-512: tweetnacl's on
 * a board, node:crypto's on a host.
 */
export function keyedMac(hash: (bytes: Uint8Array) => Uint8Array, key: Uint8Array, message: Uint8Array): Uint8Array {
  const input = new Uint8Array(key.length + message.length);
  input.set(key, 0);
  input.set(message, key.length);
  return hash(input).subarray(0, TOKEN_MAC_BYTES);
}

/** The token's bytes, [granter, requester, seq, slot, mac]: made once, by the granter. */
export function encodeToken(token: Token): Uint8Array {
  return encodeCbor([token.granter, token.requester, token.seq, token.slot, token.mac], TOKEN_BYTES_MAX);
}

/** Reads a token's fields where one must be checked (the requester, the aggregator); never throws. */
export function decodeToken(bytes: Uint8Array): Result<Token> {
  try {
    const list = decodeCborStrict(bytes, TOKEN_BYTES_MAX);
    if (!Array.isArray(list) || list.length !== 5) return reject('TOKEN_MALFORMED', 'a token is an array of five');
    checkFrameField('member', 'granter', list[0]);
    checkFrameField('member', 'requester', list[1]);
    checkFrameField('seq', 'seq', list[2]);
    checkFrameField('slot', 'slot', list[3]);
    checkFrameField('mac', 'mac', list[4]);
    return accept({
      granter: list[0] as number,
      requester: list[1] as number,
      seq: list[2] as number,
      slot: list[3] as number,
      mac: list[4] as Uint8Array,
    });
  } catch (error) {
    if (error instanceof Rejection) return reject(error.code === 'FRAME_FIELD' ? 'TOKEN_MALFORMED' : error.code, error.detail);
    throw error;
  }
}
