// The purpose-built trade-record codec (firmware/codec/trade-record.ts) against the generic one
// (firmware/records.ts without it): the same payload bytes for every trade record, the same decoded
// values for every record it recognises, null for everything else (membership records, tokens,
// non-canonical or out-of-range bytes), and, installed, decodeRecord's answers (value or rejection
// code) unchanged on random and mutated records. Seeds are printed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeTradeRecord, encodeTradePayload } from '../../firmware/codec/trade-record';
import { encodeCbor } from '../../firmware/codec/cbor';
import {
  KIND_MEMBERSHIP, KIND_OFFER, KIND_SOLD, LedgerRecord, RECORD_BYTES_MAX, RECORD_WITH_TOKENS_BYTES_MAX, decodeRecord, encodePayload, encodeRecord, useTradeCodec,
} from '../../firmware/records';
import { KINDS, randomRecord } from '../support/records';
import { Rng, createRng, testSeed } from '../support/rng';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const codec = { encode: encodeTradePayload, decode: decodeTradeRecord };

/** A decoded record as text: every field, typed arrays as hex, in the decoder's key order. */
function describe(value: unknown): string {
  return JSON.stringify(value, (_key, field) => (field instanceof Uint8Array ? 'hex:' + hex(field) : field));
}

/** decodeRecord's answer with the generic codec alone. */
function generic(bytes: Uint8Array, bytesMax = RECORD_BYTES_MAX) {
  useTradeCodec(null);
  return decodeRecord(bytes, bytesMax);
}

function signedBytes(record: LedgerRecord, rng: Rng, tokens: Uint8Array[] = []): Uint8Array {
  useTradeCodec(null);
  return encodeRecord(encodePayload(record), rng.bytes(64), tokens);
}

function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  const choice = rng.int(0, 4);
  const out = Array.from(bytes);
  if (choice === 0) out[rng.int(0, out.length - 1)] = rng.int(0, 255);
  else if (choice === 1) out[rng.int(0, out.length - 1)] ^= 1 << rng.int(0, 7);
  else if (choice === 2) out.splice(rng.int(0, out.length - 1), 1);
  else if (choice === 3) out.splice(rng.int(0, out.length), 0, rng.int(0, 255));
  else out.length = rng.int(0, out.length - 1);
  return Uint8Array.from(out);
}

test('trade payloads are the generic encoder\'s bytes; other kinds are left to it', () => {
  const rng = createRng(testSeed('trade codec encode'));
  for (let round = 0; round < 2000; round++) {
    const kind = KINDS[round % KINDS.length];
    const record = randomRecord(rng, kind);
    useTradeCodec(null);
    const expected = hex(encodePayload(record));
    const fast = encodeTradePayload(record);
    if (kind === KIND_MEMBERSHIP) assert.is(fast, null, 'membership records take the generic path');
    else assert.is(hex(fast as Uint8Array), expected, describe(record));
    useTradeCodec(codec);
    assert.is(hex(encodePayload(record)), expected);
  }
  useTradeCodec(null);
});

test('an invalid trade record is not encoded by the fast path, and encodePayload still refuses it', () => {
  const rng = createRng(testSeed('trade codec invalid'));
  const base = randomRecord(rng, KIND_SOLD);
  base.issuer = 7;
  const broken: Partial<LedgerRecord>[] = [
    { issuer: 0 }, { issuer: 65536 }, { seq: 0 }, { seq: 1.5 }, { seq: NaN }, { timeMs: 1 }, { energyWh: 0 }, { ecash: -1 },
    { counterparty: 7 }, { counterparty: undefined }, { ref: new Uint8Array(15) }, { parents: [new Uint8Array(16)] },
    { parents: [new Uint8Array(16), new Uint8Array(17)] }, { pot: [3, 3] }, { pot: [4, 3] }, { pot: [0] }, { pot: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
    { kind: 6 }, { kind: 4.5 },
  ];
  for (const change of broken) {
    const record = { ...base, ...change } as LedgerRecord;
    assert.is(encodeTradePayload(record), null, describe(change));
    useTradeCodec(codec);
    assert.throws(() => encodePayload(record), /invalid record built|lacks|safe integers|kind/, describe(change));
  }
  // An offer ignores fields that are not its own, as the generic encoder does.
  const offer = { ...base, kind: KIND_OFFER } as LedgerRecord;
  useTradeCodec(null);
  assert.is(hex(encodeTradePayload(offer) as Uint8Array), hex(encodePayload(offer)));
});

test('valid trade records decode to the generic decoder\'s values; tokens and membership are left to it', () => {
  const rng = createRng(testSeed('trade codec decode'));
  for (let round = 0; round < 2000; round++) {
    const kind = KINDS[round % KINDS.length];
    const bytes = signedBytes(randomRecord(rng, kind), rng);
    const expected = generic(bytes);
    assert.ok(expected.ok);
    const fast = decodeTradeRecord(bytes, RECORD_BYTES_MAX);
    if (kind === KIND_MEMBERSHIP) assert.is(fast, null);
    else assert.is(describe(fast), describe(expected.ok ? expected.value : null));
  }
  const withTokens = signedBytes(randomRecord(rng, KIND_SOLD), rng, [rng.bytes(20)]);
  assert.is(decodeTradeRecord(withTokens, RECORD_WITH_TOKENS_BYTES_MAX), null);
  assert.ok(generic(withTokens, RECORD_WITH_TOKENS_BYTES_MAX).ok);
});

test('on mutated records the fast path recognises only what the generic path accepts, with its values; decodeRecord\'s answers are unchanged', () => {
  const rng = createRng(testSeed('trade codec mutations'));
  let recognised = 0;
  let rejected = 0;
  for (let round = 0; round < 20000; round++) {
    const valid = signedBytes(randomRecord(rng, KINDS[1 + (round % 4)]), rng);
    let bytes = mutate(rng, valid);
    if (round % 3 === 0) bytes = mutate(rng, bytes);
    const expected = generic(bytes);
    const fast = decodeTradeRecord(bytes, RECORD_BYTES_MAX);
    assert.ok(fast === null || (expected.ok && describe(fast) === describe(expected.value)), 'seed-replayable mutation ' + hex(bytes));
    useTradeCodec(codec);
    const installed = decodeRecord(bytes, RECORD_BYTES_MAX);
    assert.is(describe(installed), describe(expected), hex(bytes));
    if (fast !== null) recognised++;
    if (!expected.ok) rejected++;
  }
  useTradeCodec(null);
  // The mutations exercised both sides: some still valid (a changed id byte), many rejected.
  assert.ok(recognised > 100 && rejected > 10000, `${recognised} recognised, ${rejected} rejected`);
});

test('non-canonical integers and over-long inputs go to the generic decoder', () => {
  const rng = createRng(testSeed('trade codec canonical'));
  const record = randomRecord(rng, KIND_SOLD);
  record.issuer = 5;
  record.counterparty = 6;
  const bytes = signedBytes(record, rng);
  // Issuer 5 written as 0x18 0x05 (a one-byte argument that fits the initial byte): the payload re-encoded by hand.
  useTradeCodec(null);
  const payload = Array.from(encodePayload(record));
  assert.is(payload[3], 1);
  assert.is(payload[4], 5);
  payload.splice(4, 1, 0x18, 5);
  const long = encodeRecord(Uint8Array.from(payload), rng.bytes(64), []);
  assert.is(decodeTradeRecord(long, RECORD_BYTES_MAX), null);
  const refused = generic(long);
  assert.is(refused.ok ? 'accepted' : refused.code, 'CBOR_NONCANONICAL');
  assert.is(decodeTradeRecord(bytes, bytes.length - 1), null);
  // A payload the generic encoder writes for an unknown key is not recognised either.
  assert.is(decodeTradeRecord(encodeRecord(encodeCbor({ 0: 4, 13: 1 }, 64), rng.bytes(64), []), RECORD_BYTES_MAX), null);
});

test.run();
