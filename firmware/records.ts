// Ledger records (docs/design.md "Ledger rules"; paper IV.A, IV.H and Algorithm 1): the five kinds, their
// payload fields with integer keys, types and bounds, and their strict encoding inside COSE_Sign1.
// docs/wire-format.md is the prose form of the tables here; a test keeps the two in step.
import { CborMap, CborValue, decodeCborStrict, encodeCbor, isMap } from './codec/cbor';
import { decodeSign1, encodeSign1, sigStructure } from './codec/cose';
import { Rejection, Result, accept, reject } from './rejections';
import { CONSORTIUM_MEMBER_ID, ECASH_MAX, ENERGY_WH_MAX, ID_BYTES, MEMBER_ID_MAX, PAYLOAD_BYTES_MAX, POT_GRANTERS_MAX, PUBLIC_KEY_BYTES, SEQ_MAX, TIME_MS_MAX, TIME_MS_MIN } from './protocol';

export const KIND_MEMBERSHIP = 1;
export const KIND_OFFER = 2;
export const KIND_DEMAND = 3;
export const KIND_SOLD = 4;
export const KIND_BOUGHT = 5;
export const KIND_NAMES = ['', 'membership', 'offer', 'demand', 'sold', 'bought'];

/** Payload keys (docs/wire-format.md "Record payload"). */
export const FIELD = {
  kind: 0,
  issuer: 1,
  seq: 2,
  timeMs: 3,
  parents: 4,
  pot: 5,
  member: 6,
  publicKey: 7,
  grantEcash: 8,
  energyWh: 9,
  ecash: 10,
  counterparty: 11,
  ref: 12,
};

export { ID_BYTES, PUBLIC_KEY_BYTES, CONSORTIUM_MEMBER_ID, MEMBER_ID_MAX, SEQ_MAX, TIME_MS_MIN, TIME_MS_MAX, POT_GRANTERS_MAX, ENERGY_WH_MAX, ECASH_MAX, RECORD_BYTES_MAX, PAYLOAD_BYTES_MAX, RECORD_WITH_TOKENS_BYTES_MAX } from './protocol';

export type LedgerRecord = {
  kind: number;
  issuer: number;
  seq: number;
  timeMs: number;
  parents: Uint8Array[];
  pot: number[];
  member?: number;
  publicKey?: Uint8Array;
  grantEcash?: number;
  energyWh?: number;
  ecash?: number;
  counterparty?: number;
  ref?: Uint8Array;
};

export type SignedRecord = {
  record: LedgerRecord;
  payload: Uint8Array;
  signature: Uint8Array;
  tokens: Uint8Array[];
};

type FieldName = keyof typeof FIELD;
type FieldRule = { name: FieldName; type: 'uint' | 'bytes' | 'ids' | 'members'; min: number; max: number };

/**
 * The rules of a kind's fields, the common ones first. Made per call rather than kept in tables: a
 * board then holds no rule objects between records (about 1 KB of pico heap), and a record is decoded
 * at most once per frame.
 */
function rulesFor(kind: number): FieldRule[] {
  const rules: FieldRule[] = [
    { name: 'kind', type: 'uint', min: KIND_MEMBERSHIP, max: KIND_BOUGHT },
    { name: 'issuer', type: 'uint', min: 0, max: MEMBER_ID_MAX },
    { name: 'seq', type: 'uint', min: 1, max: SEQ_MAX },
    { name: 'timeMs', type: 'uint', min: TIME_MS_MIN, max: TIME_MS_MAX },
    { name: 'parents', type: 'ids', min: 2, max: 2 },
    { name: 'pot', type: 'members', min: 0, max: POT_GRANTERS_MAX },
  ];
  if (kind === KIND_MEMBERSHIP) {
    rules.push({ name: 'member', type: 'uint', min: 1, max: MEMBER_ID_MAX });
    rules.push({ name: 'publicKey', type: 'bytes', min: PUBLIC_KEY_BYTES, max: PUBLIC_KEY_BYTES });
    rules.push({ name: 'grantEcash', type: 'uint', min: 0, max: ECASH_MAX });
    return rules;
  }
  // Offer, demand, sold, bought: the trade's energy and price; sold and bought name the other side.
  rules.push({ name: 'energyWh', type: 'uint', min: 1, max: ENERGY_WH_MAX });
  rules.push({ name: 'ecash', type: 'uint', min: 0, max: ECASH_MAX });
  if (kind === KIND_SOLD || kind === KIND_BOUGHT) {
    rules.push({ name: 'counterparty', type: 'uint', min: 1, max: MEMBER_ID_MAX });
    rules.push({ name: 'ref', type: 'bytes', min: ID_BYTES, max: ID_BYTES });
  }
  return rules;
}

function checkField(rule: FieldRule, value: CborValue): void {
  const where = rule.name + ' (key ' + FIELD[rule.name] + ')';
  if (rule.type === 'uint') {
    if (typeof value !== 'number' || value < 0) throw new Rejection('RECORD_FIELD_TYPE', where + ' must be an unsigned integer');
    if (value < rule.min || value > rule.max) {
      throw new Rejection('RECORD_FIELD_RANGE', where + ' = ' + value + ' outside ' + rule.min + '..' + rule.max);
    }
  } else if (rule.type === 'bytes') {
    if (!(value instanceof Uint8Array)) throw new Rejection('RECORD_FIELD_TYPE', where + ' must be a byte string');
    if (value.length < rule.min || value.length > rule.max) {
      throw new Rejection('RECORD_FIELD_RANGE', where + ' must be ' + rule.min + ' bytes');
    }
  } else if (rule.type === 'ids') {
    if (!Array.isArray(value) || value.length !== 2) throw new Rejection('RECORD_PARENTS', 'parents must be two ids');
    for (let index = 0; index < 2; index++) {
      const parent = value[index];
      if (!(parent instanceof Uint8Array) || parent.length !== ID_BYTES) {
        throw new Rejection('RECORD_PARENTS', 'parent ' + index + ' must be a ' + ID_BYTES + '-byte id');
      }
    }
  } else {
    if (!Array.isArray(value) || value.length > rule.max) {
      throw new Rejection('RECORD_POT_GRANTERS', 'pot must list at most ' + rule.max + ' granter ids');
    }
    for (let index = 0; index < value.length; index++) {
      const granter = value[index];
      if (typeof granter !== 'number' || granter < 1 || granter > MEMBER_ID_MAX) {
        throw new Rejection('RECORD_POT_GRANTERS', 'granter ' + index + ' is not a member id');
      }
      // Granters are listed in ascending order, which also makes them distinct.
      if (index > 0 && granter <= (value[index - 1] as number)) {
        throw new Rejection('RECORD_POT_GRANTERS', 'granters must be distinct and ascending');
      }
    }
  }
}

/** Checks a decoded payload map against its kind's rules and builds the record; throws Rejection. */
function recordFromMap(map: CborMap): LedgerRecord {
  const kind = map[FIELD.kind];
  if (typeof kind !== 'number') throw new Rejection('RECORD_MISSING_FIELD', 'kind (key 0) is missing');
  if (kind < KIND_MEMBERSHIP || kind > KIND_BOUGHT) throw new Rejection('RECORD_UNKNOWN_KIND', 'kind ' + kind);
  const rules = rulesFor(kind);
  const keys = Object.keys(map);
  // The map has no unknown key exactly when each of its keys is one of the kind's fields present in it:
  // one pass over the rules, and the search for the unknown key only for a map that has one.
  let present = 0;
  for (let rule = 0; rule < rules.length; rule++) if (map[FIELD[rules[rule].name]] !== undefined) present++;
  for (let index = 0; index < keys.length && present !== keys.length; index++) {
    let known = false;
    for (let rule = 0; rule < rules.length; rule++) if (FIELD[rules[rule].name] === Number(keys[index])) known = true;
    if (!known) throw new Rejection('RECORD_UNKNOWN_FIELD', 'key ' + keys[index] + ' is not a field of kind ' + KIND_NAMES[kind]);
  }
  const record: { [name: string]: unknown } = {};
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index];
    const value = map[FIELD[rule.name]];
    if (value === undefined) throw new Rejection('RECORD_MISSING_FIELD', rule.name + ' (key ' + FIELD[rule.name] + ') is missing');
    checkField(rule, value);
    record[rule.name] = value;
  }
  const result = record as unknown as LedgerRecord;
  if ((kind === KIND_MEMBERSHIP) !== (result.issuer === CONSORTIUM_MEMBER_ID)) {
    throw new Rejection('RECORD_FIELD_RANGE', 'issuer 0 (the consortium) issues membership records alone');
  }
  if ((kind === KIND_SOLD || kind === KIND_BOUGHT) && result.counterparty === result.issuer) {
    throw new Rejection('RECORD_FIELD_RANGE', 'a trade needs two different members');
  }
  return result;
}

/** Checks a record the node built itself against the same rules; a failure is a bug. */
export function assertRecordValid(record: LedgerRecord): void {
  assertMapValid(recordToMap(record));
}

function assertMapValid(map: CborMap): void {
  try {
    recordFromMap(map);
  } catch (error) {
    if (error instanceof Rejection) throw new Error('invalid record built: ' + error.code + ' ' + error.detail);
    throw error;
  }
}

function recordToMap(record: LedgerRecord): CborMap {
  const map: CborMap = {};
  const rules = rulesFor(record.kind);
  for (let index = 0; index < rules.length; index++) {
    const value = (record as unknown as { [name: string]: CborValue | undefined })[rules[index].name];
    if (value === undefined) throw new Error('record of kind ' + record.kind + ' lacks ' + rules[index].name);
    map[FIELD[rules[index].name]] = value;
  }
  return map;
}

/**
 * A board's purpose-built codec for the trade records (codec/trade-record.ts), the same bytes and values
 * as the generic path; null from either function means "not recognised", and the generic path runs.
 * Installed by a board that needs it (trade-record.ts installTradeCodec, from boards/esp32/natives.ts),
 * so other bundles do not carry it.
 */
export type TradeCodec = {
  encode(record: LedgerRecord): Uint8Array | null;
  decode(bytes: Uint8Array, bytesMax: number): SignedRecord | null;
};

let tradeCodec: TradeCodec | null = null;

/** Installs a trade codec (null: the generic codec alone); a board does this once, at boot. */
export function useTradeCodec(codec: TradeCodec | null): void {
  tradeCodec = codec;
}

/** The deterministic CBOR payload of a record; its bytes are what the issuer signs (via sigStructure). */
export function encodePayload(record: LedgerRecord): Uint8Array {
  const fast = tradeCodec && tradeCodec.encode(record);
  if (fast) return fast;
  // One map, checked and then encoded (the check does not change it).
  const map = recordToMap(record);
  assertMapValid(map);
  return encodeCbor(map, PAYLOAD_BYTES_MAX);
}

/** The bytes an Ed25519 signature over this payload covers (RFC 9052 §4.4 Sig_structure). */
export function bytesToSign(payload: Uint8Array): Uint8Array {
  return sigStructure(payload);
}

export function encodeRecord(payload: Uint8Array, signature: Uint8Array, tokens: Uint8Array[]): Uint8Array {
  return encodeSign1(payload, signature, tokens);
}

/**
 * Decodes a record strictly: length first, then the envelope, the payload's shape, every field's
 * type and range. The signature is not checked here (that is the validator's last, dearest step).
 */
export function decodeRecord(bytes: Uint8Array, bytesMax: number): Result<SignedRecord> {
  const fast = tradeCodec && tradeCodec.decode(bytes, bytesMax);
  if (fast) return accept(fast);
  try {
    const envelope = decodeSign1(bytes, bytesMax, POT_GRANTERS_MAX);
    const map = decodeCborStrict(envelope.payload, PAYLOAD_BYTES_MAX);
    if (!isMap(map)) return reject('RECORD_NOT_MAP', 'payload is not a map');
    const record = recordFromMap(map);
    return accept({ record: record, payload: envelope.payload, signature: envelope.signature, tokens: envelope.tokens });
  } catch (error) {
    if (error instanceof Rejection) return reject(error.code, error.detail);
    throw error;
  }
}

/** A record's id: the first 16 bytes of SHA-512(payload || signature); tokens do not change it. */
export function recordIdInput(payload: Uint8Array, signature: Uint8Array): Uint8Array {
  const input = new Uint8Array(payload.length + signature.length);
  input.set(payload, 0);
  input.set(signature, payload.length);
  return input;
}
