// Ledger records and link frames: COSE_Sign1 round trips, agreement with cbor-x, hostile input
// rejected with its code, the sizes docs/wire-format.md states, and golden vectors of our own format.
import { Decoder, Encoder } from 'cbor-x';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { CborValue, encodeCbor } from '../../firmware/codec/cbor';
import {
  Frame, FRAME_BYTES_MAX, FRAME_CAP_REPLY, FRAME_HELLO, FRAME_RECORD, FRAME_SCHEMAS, FRAME_TOKEN_GRANT, FRAME_TOKEN_REQUEST,
  decodeFrame, decodeToken, encodeFrame, encodeToken, keyedMac, tokenMessage,
} from '../../firmware/frames';
import {
  FIELD, KIND_NAMES, KIND_SOLD, LedgerRecord, RECORD_BYTES_MAX, RECORD_WITH_TOKENS_BYTES_MAX, bytesToSign, decodeRecord,
  encodePayload,
} from '../../firmware/records';
import { REJECTION_CODES } from '../../firmware/rejections';
import { TOKEN_BYTES_MAX } from '../../firmware/protocol';
import { sha512 } from '../../firmware/crypto/ed25519';
import { macHost, tokenKeyFor } from '../../host-tools/crypto/token-key';
import { KINDS, randomRecord, signFast, signRecord, testKey, verifyFast } from '../support/records';
import { createRng, testSeed } from '../support/rng';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const key = testKey(7);

function worstCase(kind: number): LedgerRecord {
  // Every integer at the top of its range and a full proof-of-time list: the largest record of a kind.
  const rng = createRng(1);
  const record = randomRecord(rng, kind);
  record.issuer = kind === 1 ? 0 : 65535;
  record.seq = 4294967295;
  record.timeMs = 4102444800000;
  record.pot = kind === 1 ? [] : [60001, 60002, 60003, 60004, 60005, 60006, 60007, 60008];
  if (record.energyWh !== undefined) record.energyWh = 1000000;
  if (record.ecash !== undefined) record.ecash = 1000000000000;
  if (record.grantEcash !== undefined) record.grantEcash = 1000000000000;
  if (record.member !== undefined) record.member = 65535;
  if (record.counterparty !== undefined) record.counterparty = 65534;
  return record;
}

function typical(kind: number): LedgerRecord {
  // What a trade really carries: member ids below 256, a sequence below 65536, two granters.
  const record = worstCase(kind);
  record.issuer = kind === 1 ? 0 : 12;
  record.seq = 4000;
  record.timeMs = 1795000000000;
  record.pot = kind === 1 ? [] : [3, 9];
  if (record.energyWh !== undefined) record.energyWh = 7500;
  if (record.ecash !== undefined) record.ecash = 2250;
  if (record.grantEcash !== undefined) record.grantEcash = 100000;
  if (record.member !== undefined) record.member = 12;
  if (record.counterparty !== undefined) record.counterparty = 5;
  return record;
}

test('every kind round-trips through COSE_Sign1 and the signature verifies', () => {
  const rng = createRng(testSeed('record round trip'));
  for (let round = 0; round < 2000; round++) {
    const record = randomRecord(rng, KINDS[round % KINDS.length]);
    const signed = signRecord(record, key);
    assert.ok(signed.bytes.length <= RECORD_BYTES_MAX, `${KIND_NAMES[record.kind]} is ${signed.bytes.length} bytes`);
    const decoded = decodeRecord(signed.bytes, RECORD_BYTES_MAX);
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.code + ' ' + decoded.detail);
    if (!decoded.ok) continue;
    assert.equal(decoded.value.record, record);
    assert.ok(verifyFast(bytesToSign(decoded.value.payload), decoded.value.signature, key.publicKey));
    if (round < 10) assert.ok(nacl.sign.detached.verify(bytesToSign(decoded.value.payload), decoded.value.signature, key.publicKey));
  }
});

test('payloads are byte-for-byte what cbor-x encodes for the same map, and cbor-x decodes our records', () => {
  const reference = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false });
  const decoder = new Decoder({ mapsAsObjects: false, int64AsNumber: true } as never);
  const rng = createRng(testSeed('record cbor-x'));
  for (let round = 0; round < 3000; round++) {
    const record = randomRecord(rng, KINDS[round % KINDS.length]);
    const payload = encodePayload(record);
    const entries = Object.entries(FIELD)
      .filter(([name]) => (record as Record<string, unknown>)[name] !== undefined)
      .map(([name, fieldKey]) => {
        const value = (record as Record<string, unknown>)[name];
        return [fieldKey, typeof value === 'number' && value >= 2 ** 32 ? BigInt(value) : value] as [number, unknown];
      })
      .sort((a, b) => a[0] - b[0]);
    assert.is(hex(payload), hex(reference.encode(new Map(entries))), `record ${round}`);
    const signed = signRecord(record, key);
    const envelope = decoder.decode(signed.bytes) as { tag: number; value: unknown[] };
    assert.is(envelope.tag, 18);
    assert.is(hex(envelope.value[2] as Uint8Array), hex(payload));
  }
});

test('sizes per kind fit one LoRa frame at SF7/SF8 and match docs/wire-format.md', () => {
  const doc = readFileSync('docs/wire-format.md', 'utf8');
  for (const kind of KINDS) {
    const largest = signRecord(worstCase(kind), key).bytes.length;
    const usual = signRecord(typical(kind), key).bytes.length;
    assert.ok(largest <= RECORD_BYTES_MAX, `${KIND_NAMES[kind]}: ${largest} bytes`);
    const row = new RegExp(`\\| ${KIND_NAMES[kind]} \\| ${usual} \\| ${largest} \\|`);
    assert.match(doc, row, `docs/wire-format.md must state ${KIND_NAMES[kind]}: typical ${usual}, largest ${largest}`);
  }
});

test('proof-of-time tokens ride in the unprotected header without changing the id', () => {
  const granterKey = new Uint8Array(32).fill(9);
  const record = typical(KIND_SOLD);
  const token = encodeToken({
    granter: 3, requester: record.issuer, seq: record.seq, slot: 99,
    mac: keyedMac(sha512, granterKey, tokenMessage(3, record.issuer, record.seq, 99)),
  });
  const bare = signRecord(record, key);
  const withTokens = signRecord(record, key, [token, token]);
  assert.is(hex(bare.id), hex(withTokens.id));
  assert.ok(withTokens.bytes.length > RECORD_BYTES_MAX);
  assert.is((decodeRecord(withTokens.bytes, RECORD_BYTES_MAX) as { code: string }).code, 'CBOR_TOO_LONG');
  const decoded = decodeRecord(withTokens.bytes, RECORD_WITH_TOKENS_BYTES_MAX);
  assert.ok(decoded.ok);
  if (decoded.ok) assert.is(decoded.value.tokens.length, 2);
  const parsed = decodeToken(token);
  assert.ok(parsed.ok);
  assert.is((decodeToken(token.subarray(0, 20)) as { code: string }).code, 'CBOR_TRUNCATED');
});

test('a token MAC is the same on the board (tweetnacl) and the aggregator (node:crypto), and binds key and fields', () => {
  const key = tokenKeyFor(new Uint8Array(32).fill(0xc0), 3);
  assert.is(key.length, 32);
  assert.is.not(hex(key), hex(tokenKeyFor(new Uint8Array(32).fill(0xc0), 4)));
  const mac = keyedMac(sha512, key, tokenMessage(3, 12, 4001, 2991666));
  assert.is(mac.length, 32);
  assert.is(hex(mac), hex(macHost(key, tokenMessage(3, 12, 4001, 2991666))));
  for (const other of [macHost(tokenKeyFor(new Uint8Array(32).fill(0xc0), 4), tokenMessage(3, 12, 4001, 2991666)), macHost(key, tokenMessage(3, 12, 4002, 2991666)), macHost(key, tokenMessage(3, 12, 4001, 2991667)), macHost(key, tokenMessage(3, 13, 4001, 2991666))]) {
    assert.is.not(hex(other), hex(mac));
  }
});

function codeOf(bytes: Uint8Array): string {
  const result = decodeRecord(bytes, RECORD_WITH_TOKENS_BYTES_MAX);
  return result.ok ? 'OK' : result.code;
}

/** Re-signs a hand-made payload map so only the payload's defect is under test. */
function withPayload(map: { [key: number]: CborValue }): Uint8Array {
  const payload = encodeCbor(map, 512);
  const signature = signFast(bytesToSign(payload), key);
  return encodeCbor([new Uint8Array([0xa1, 0x01, 0x27]), {}, payload, signature], 1024).reduce(
    (out, byte, index) => ((out[index + 1] = byte), out),
    new Uint8Array(encodeCbor([new Uint8Array([0xa1, 0x01, 0x27]), {}, payload, signature], 1024).length + 1).fill(0xd2, 0, 1),
  );
}

function soldMap(): { [key: number]: CborValue } {
  const record = typical(KIND_SOLD);
  const map: { [key: number]: CborValue } = {};
  for (const [name, fieldKey] of Object.entries(FIELD)) {
    const value = (record as Record<string, unknown>)[name];
    if (value !== undefined) map[fieldKey] = value as CborValue;
  }
  return map;
}

test('hostile records are rejected with the right code', () => {
  const good = signRecord(typical(KIND_SOLD), key).bytes;
  assert.is(codeOf(good), 'OK');
  const cases: [string, Uint8Array, string][] = [
    ['untagged', good.subarray(1), 'COSE_NOT_SIGN1'],
    ['trailing byte', Uint8Array.from([...good, 0]), 'CBOR_TRAILING_BYTES'],
    ['oversized', new Uint8Array(2000), 'CBOR_TOO_LONG'],
    ['unknown kind', withPayload({ ...soldMap(), 0: 9 }), 'RECORD_UNKNOWN_KIND'],
    ['unknown field', withPayload({ ...soldMap(), 30: 1 }), 'RECORD_UNKNOWN_FIELD'],
    ['field of another kind', withPayload({ ...soldMap(), 7: new Uint8Array(32) }), 'RECORD_UNKNOWN_FIELD'],
    ['missing ref', withPayload(Object.fromEntries(Object.entries(soldMap()).filter(([k]) => k !== '12'))), 'RECORD_MISSING_FIELD'],
    ['energy as bytes', withPayload({ ...soldMap(), 9: new Uint8Array(2) }), 'RECORD_FIELD_TYPE'],
    ['negative ecash', withPayload({ ...soldMap(), 10: -5 }), 'RECORD_FIELD_TYPE'],
    ['zero energy', withPayload({ ...soldMap(), 9: 0 }), 'RECORD_FIELD_RANGE'],
    ['energy above the bound', withPayload({ ...soldMap(), 9: 1000001 }), 'RECORD_FIELD_RANGE'],
    ['time before 2020', withPayload({ ...soldMap(), 3: 1000 }), 'RECORD_FIELD_RANGE'],
    ['issuer 0 on a sale', withPayload({ ...soldMap(), 1: 0 }), 'RECORD_FIELD_RANGE'],
    ['trade with oneself', withPayload({ ...soldMap(), 11: 12 }), 'RECORD_FIELD_RANGE'],
    ['one parent', withPayload({ ...soldMap(), 4: [new Uint8Array(16)] }), 'RECORD_PARENTS'],
    ['short parent', withPayload({ ...soldMap(), 4: [new Uint8Array(16), new Uint8Array(8)] }), 'RECORD_PARENTS'],
    ['granters unsorted', withPayload({ ...soldMap(), 5: [9, 3] }), 'RECORD_POT_GRANTERS'],
    ['granter repeated', withPayload({ ...soldMap(), 5: [3, 3] }), 'RECORD_POT_GRANTERS'],
    ['nine granters', withPayload({ ...soldMap(), 5: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), 'RECORD_POT_GRANTERS'],
    ['payload not a map', withPayload([] as never), 'RECORD_NOT_MAP'],
  ];
  for (const [name, bytes, code] of cases) assert.is(codeOf(bytes), code, name);
  const badProtected = good.slice();
  badProtected[4] = 0x26; // alg -7 (ES256) instead of -8
  assert.is(codeOf(badProtected), 'COSE_BAD_PROTECTED_HEADER');
});

test('truncations and bit flips of records never throw and never decode to a different valid record', () => {
  const rng = createRng(testSeed('record mutation'));
  for (let round = 0; round < 300; round++) {
    const signed = signRecord(randomRecord(rng, KINDS[round % KINDS.length]), key);
    for (let cut = 0; cut < signed.bytes.length; cut++) {
      const code = codeOf(signed.bytes.subarray(0, cut));
      assert.ok((REJECTION_CODES as readonly string[]).includes(code), `cut ${cut}: ${code}`);
    }
    const flipped = signed.bytes.slice();
    flipped[rng.int(0, flipped.length - 1)] ^= 1 << rng.int(0, 7);
    const result = decodeRecord(flipped, RECORD_WITH_TOKENS_BYTES_MAX);
    if (result.ok) {
      // A flip that still decodes changed the payload or signature: the signature check catches it.
      assert.not.ok(verifyFast(bytesToSign(result.value.payload), result.value.signature, key.publicKey));
    } else {
      assert.ok((REJECTION_CODES as readonly string[]).includes(result.code));
    }
  }
});

test('link frames round-trip and reject bad shapes with codes', () => {
  const frames: Frame[] = [
    { type: FRAME_HELLO, member: 12, seqNext: 4001 },
    { type: FRAME_TOKEN_REQUEST, requester: 12, seq: 4001, slot: 2991666, asked: [3, 7] },
    { type: FRAME_TOKEN_GRANT, token: encodeToken({ granter: 3, requester: 12, seq: 4001, slot: 2991666, mac: new Uint8Array(32).fill(5) }) },
    { type: FRAME_CAP_REPLY, caps: [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)] },
    { type: FRAME_RECORD, record: signRecord(typical(KIND_SOLD), key).bytes },
  ];
  for (const frame of frames) {
    const bytes = encodeFrame(frame);
    assert.ok(bytes.length <= FRAME_BYTES_MAX);
    const decoded = decodeFrame(bytes);
    assert.ok(decoded.ok);
    if (decoded.ok) assert.equal(decoded.value, frame);
  }
  const code = (bytes: Uint8Array) => {
    const result = decodeFrame(bytes);
    return result.ok ? 'OK' : result.code;
  };
  assert.is(code(new Uint8Array(FRAME_BYTES_MAX + 1)), 'FRAME_TOO_LONG');
  assert.is(code(encodeCbor({ 1: 1 }, 16)), 'FRAME_MALFORMED');
  assert.is(code(encodeCbor([99, 1], 16)), 'FRAME_UNKNOWN_TYPE');
  assert.is(code(encodeCbor([0], 16)), 'FRAME_UNKNOWN_TYPE');
  assert.is(code(encodeCbor([FRAME_HELLO, 12], 16)), 'FRAME_MALFORMED');
  assert.is(code(encodeCbor([FRAME_HELLO, 70000, 1], 16)), 'FRAME_FIELD');
  assert.is(code(encodeCbor([FRAME_HELLO, 12, 0], 16)), 'FRAME_FIELD');
  assert.is(code(encodeCbor([FRAME_CAP_REPLY, [new Uint8Array(16)]], 64)), 'FRAME_FIELD');
  // A grant carries its token as a byte string of 1 to TOKEN_BYTES_MAX bytes; the token's fields are the requester's to read.
  for (const token of [new Uint8Array(0), new Uint8Array(TOKEN_BYTES_MAX + 1), [3, 12, 4001, 2991666, new Uint8Array(32)]]) assert.is(code(encodeCbor([FRAME_TOKEN_GRANT, token], 128)), 'FRAME_FIELD');
  assert.is(code(encodeCbor([FRAME_TOKEN_GRANT, 3, 12, 4001, 2991666, new Uint8Array(32)], 64)), 'FRAME_MALFORMED');
  // A token request names one to four granters.
  for (const granters of [[], [1, 2, 3, 4, 5], [70000], 3]) assert.is(code(encodeCbor([FRAME_TOKEN_REQUEST, 12, 1, 5, granters], 64)), 'FRAME_FIELD');
  assert.is(code(new Uint8Array([0x82, 0x01])), 'CBOR_TRUNCATED');
  assert.is(FRAME_SCHEMAS.length, 13);
});

test('golden vector: a fixed sold record has the same bytes as docs/wire-format.md shows', () => {
  const signed = signRecord(typical(KIND_SOLD), key);
  const doc = readFileSync('docs/wire-format.md', 'utf8');
  const golden = /<!-- golden-sold -->\s*```\s*([0-9a-f\s]+)```/.exec(doc);
  assert.ok(golden, 'docs/wire-format.md holds the golden sold record');
  assert.is(hex(signed.bytes), (golden as RegExpExecArray)[1].replace(/\s+/g, ''));
});

test.run();
