// The protocol module: its relations hold for real encodings (the largest record of each kind, the
// largest token, a record of the largest size in the largest frame), a broken relation stops the module
// at load, no file outside it defines a protocol number again, and the one table of codes is complete.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as protocol from '../../firmware/protocol';
import {
  COMMIT_WAIT_MS, DEFAULT_RECORD_AGE_MAX_MS, DEFAULT_SLOT_MS, DEFAULT_TOKENS_REQUIRED, ECASH_MAX, ENERGY_WH_MAX, FRAME_BYTES_MAX, LORA_FRAME_BYTES_SF7, LORA_LINK_FRAMING_BYTES, MEMBER_ID_MAX,
  PAYLOAD_BYTES_MAX, POT_GRANTERS_MAX, RECORD_BYTES_MAX, RECORD_WITH_TOKENS_BYTES_MAX, SEQ_MAX, SLOT_MAX, TIME_MS_MAX, TOKEN_BYTES_MAX, TOKEN_MAC_BYTES, UART_PAYLOAD_BYTES_MAX,
} from '../../firmware/protocol';
import { FRAME_RECORD, FRAME_TOKEN_GRANT, OFFLOAD_PARTS_MAX, decodeFrame, encodeFrame, encodeToken, offloadFrames } from '../../firmware/frames';
import { KIND_MEMBERSHIP, KIND_NAMES, LedgerRecord, decodeRecord, encodePayload } from '../../firmware/records';
import { DECODE_REJECTIONS, KEY_AND_SIGNATURE_POLICY, LEDGER_CODES, NODE_REFUSALS, REJECTION_CODES, TRADE_CODES, VALIDATION_REJECTIONS } from '../../firmware/rejections';
import { VALIDATION_CODES } from '../../firmware/ledger/rules';
import { encodeUartFrame } from '../../boards/drivers/uart-framing';
import { KINDS, randomRecord, signRecord, testKey } from '../support/records';
import { createRng } from '../support/rng';

const key = testKey(3);

/** Every integer field at the top of its range and a full proof-of-time list: a kind's largest record. */
function largest(kind: number): LedgerRecord {
  const record = randomRecord(createRng(1), kind);
  record.issuer = kind === KIND_MEMBERSHIP ? 0 : MEMBER_ID_MAX;
  record.seq = SEQ_MAX;
  record.timeMs = TIME_MS_MAX;
  record.pot = kind === KIND_MEMBERSHIP ? [] : Array.from({ length: POT_GRANTERS_MAX }, (_, index) => MEMBER_ID_MAX - 1 - index).reverse();
  if (record.energyWh !== undefined) record.energyWh = ENERGY_WH_MAX;
  if (record.ecash !== undefined) record.ecash = ECASH_MAX;
  if (record.grantEcash !== undefined) record.grantEcash = ECASH_MAX;
  if (record.member !== undefined) record.member = MEMBER_ID_MAX;
  if (record.counterparty !== undefined) record.counterparty = MEMBER_ID_MAX - 1;
  return record;
}

const largestToken = () => encodeToken({ granter: MEMBER_ID_MAX, requester: MEMBER_ID_MAX, seq: SEQ_MAX, slot: SLOT_MAX, mac: new Uint8Array(TOKEN_MAC_BYTES).fill(0xff) });

test('the largest record of every kind fits the payload and record bounds, and its offload frames link frames', () => {
  for (const kind of KINDS) {
    const record = largest(kind);
    assert.ok(encodePayload(record).length <= PAYLOAD_BYTES_MAX, `${KIND_NAMES[kind]} payload ${encodePayload(record).length} B`);
    const signed = signRecord(record, key);
    assert.ok(signed.bytes.length <= RECORD_BYTES_MAX, `${KIND_NAMES[kind]} record ${signed.bytes.length} B`);
    assert.ok(decodeRecord(signed.bytes, RECORD_BYTES_MAX).ok);
    for (const frame of offloadFrames(MEMBER_ID_MAX, new Uint8Array(16).fill(0xff), signed.bytes).map(encodeFrame)) {
      assert.ok(frame.length <= FRAME_BYTES_MAX && decodeFrame(frame).ok, `${KIND_NAMES[kind]} offload frame ${frame.length} B`);
    }
  }
});

test('a record of RECORD_BYTES_MAX travels in a record frame, one byte more does not; the largest offload in its parts', () => {
  const edge = new Uint8Array(RECORD_BYTES_MAX).fill(7);
  const offload = offloadFrames(MEMBER_ID_MAX, new Uint8Array(16).fill(0xff), new Uint8Array(RECORD_WITH_TOKENS_BYTES_MAX).fill(7));
  assert.is(offload.length, OFFLOAD_PARTS_MAX);
  for (const frame of [{ type: FRAME_RECORD, record: edge }, ...offload]) {
    const bytes = encodeFrame(frame);
    assert.ok(bytes.length <= FRAME_BYTES_MAX, `${bytes.length} B`);
    assert.ok(decodeFrame(bytes).ok);
    assert.is(encodeUartFrame(bytes, UART_PAYLOAD_BYTES_MAX).length, bytes.length + 5);
  }
  assert.throws(() => encodeFrame({ type: FRAME_RECORD, record: new Uint8Array(RECORD_BYTES_MAX + 1) }));
  assert.ok(FRAME_BYTES_MAX + LORA_LINK_FRAMING_BYTES <= LORA_FRAME_BYTES_SF7);
});

test('the largest token fits its bound, a grant frame, and a record carries k..POT_GRANTERS_MAX of them within its bound', () => {
  const token = largestToken();
  assert.ok(token.length <= TOKEN_BYTES_MAX, `token ${token.length} B`);
  const grant = encodeFrame({ type: FRAME_TOKEN_GRANT, token });
  assert.ok(grant.length <= FRAME_BYTES_MAX);
  // A grant frame carries a token of up to TOKEN_BYTES_MAX bytes, and no longer.
  assert.ok(encodeFrame({ type: FRAME_TOKEN_GRANT, token: new Uint8Array(TOKEN_BYTES_MAX) }).length <= FRAME_BYTES_MAX);
  assert.throws(() => encodeFrame({ type: FRAME_TOKEN_GRANT, token: new Uint8Array(TOKEN_BYTES_MAX + 1) }));
  for (const kind of KINDS.filter((entry) => entry !== KIND_MEMBERSHIP)) {
    const signed = signRecord(largest(kind), key, Array.from({ length: POT_GRANTERS_MAX }, largestToken));
    assert.ok(signed.bytes.length <= RECORD_WITH_TOKENS_BYTES_MAX, `${KIND_NAMES[kind]} with tokens ${signed.bytes.length} B`);
    assert.ok(decodeRecord(signed.bytes, RECORD_WITH_TOKENS_BYTES_MAX).ok);
  }
  assert.ok(DEFAULT_TOKENS_REQUIRED >= 1 && DEFAULT_TOKENS_REQUIRED <= POT_GRANTERS_MAX);
  assert.ok(Math.floor(TIME_MS_MAX / DEFAULT_SLOT_MS) <= SLOT_MAX);
  assert.ok(DEFAULT_RECORD_AGE_MAX_MS <= COMMIT_WAIT_MS);
});

/** protocol.ts with one definition replaced, evaluated, then its relations checked as the build does. */
function loadWith(from: RegExp, to: string): () => void {
  const source = readFileSync('firmware/protocol.ts', 'utf8');
  assert.match(source, from);
  const code = transformSync(source.replace(from, to), { loader: 'ts', format: 'cjs' }).code;
  return () => {
    const module = { exports: {} as { checkProtocolRelations(): void } };
    new Function('module', 'exports', code)(module, module.exports);
    module.exports.checkProtocolRelations();
  };
}

test('a broken relation stops the build with a message naming it; no board bundle carries the check', () => {
  for (const board of ['pico', 'esp32']) assert.not.match(readFileSync(`dist/${board}/firmware.js`, 'utf8'), 'PROTOCOL_RELATION');
  loadWith(/export const TOKEN_BYTES_MAX = 64;/, 'export const TOKEN_BYTES_MAX = 64;')();
  assert.throws(loadWith(/export const FRAME_BYTES_MAX = [^;]+;/, 'export const FRAME_BYTES_MAX = 300;'), /PROTOCOL_RELATION: a frame fits a LoRa frame at SF7/);
  assert.throws(loadWith(/export const TOKEN_BYTES_MAX = 64;/, 'export const TOKEN_BYTES_MAX = 50;'), /PROTOCOL_RELATION: a token fits its bound/);
  assert.throws(loadWith(/export const RECORD_WITH_TOKENS_BYTES_MAX = 1024;/, 'export const RECORD_WITH_TOKENS_BYTES_MAX = 600;'), /PROTOCOL_RELATION: a record with all its tokens fits its bound/);
  assert.throws(loadWith(/export const DEFAULT_TOKENS_REQUIRED = 2;/, 'export const DEFAULT_TOKENS_REQUIRED = 9;'), /PROTOCOL_RELATION: k tokens fit a record/);
  assert.throws(loadWith(/export const COMMIT_WAIT_MS = [^;]+;/, 'export const COMMIT_WAIT_MS = 60000;'), /PROTOCOL_RELATION: the aggregator takes every record/);
});

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).sort().flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

test('no file but firmware/protocol.ts defines a protocol number or restates a protocol default', () => {
  const names = Object.keys(protocol).filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name));
  assert.ok(names.length >= 30, `${names.length} names`);
  const forbidden: [RegExp, string][] = [
    [new RegExp(`\\b(?:const|let|var)\\s+(?:${names.join('|')})\\s*(?::[^=]+)?=`), 'a protocol constant defined again'],
    [/\b(?:const|let|var)\s+(?!UF2_)\w*(?:PAYLOAD|FRAME)\w*\s*=\s*256\b/, 'the UART payload under another name (a UF2 block\'s 256 bytes are another format)'],
    [/\b(?:const|let|var)\s+\w*ID_BYTES\w*\s*=\s*16\b/, 'the id size under another name'],
    [/(?:encodeUartFrame\([^;]*,|UartDeframer\()\s*256\b/, 'the UART payload as a literal'],
    [/\b(?:tokensRequired|tokens_required|slotMs|slot_ms|alpha|clockSkewMs|recordAgeMaxMs)\b[^,;]*\?\?\s*\d/, 'a protocol default as a literal'],
    [/frameBytesMax:\s*\d/, 'a frame size as a literal'],
  ];
  const offences: string[] = [];
  for (const file of ['firmware', 'host-tools', 'boards'].flatMap(sourceFiles)) {
    if (file === join('firmware', 'protocol.ts')) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const [pattern, what] of forbidden) if (pattern.test(line)) offences.push(`${file}:${index + 1}: ${what}: ${line.trim()}`);
    });
  }
  assert.equal(offences, []);
  // The check itself: it finds each kind of restatement it is meant to find.
  const samples = ['const ID_BYTES = 16;', 'export const FRAME_BYTES_MAX = 236;', 'const UART_PAYLOAD_MAX = 256;', 'encodeUartFrame(frame, 256)', 'tokens_required: options.tokensRequired ?? 1,', 'frameBytesMax: 236,'];
  for (const sample of samples) assert.ok(forbidden.some(([pattern]) => pattern.test(sample)), sample);
});

test('one table of codes: each code once, with a one-line meaning; the rules and decoders draw from it', () => {
  const groups = [DECODE_REJECTIONS, VALIDATION_REJECTIONS, KEY_AND_SIGNATURE_POLICY, NODE_REFUSALS, TRADE_CODES];
  assert.is(Object.keys(LEDGER_CODES).length, groups.reduce((sum, group) => sum + Object.keys(group).length, 0), 'no code in two groups');
  for (const [code, meaning] of Object.entries(LEDGER_CODES)) {
    assert.match(code, /^[A-Z][A-Z0-9_]+$/);
    assert.ok(meaning.length > 8 && !meaning.includes('\n'), `${code}: ${meaning}`);
  }
  assert.equal(VALIDATION_CODES, Object.keys(VALIDATION_REJECTIONS));
  assert.equal(REJECTION_CODES, Object.keys(DECODE_REJECTIONS));
  // docs list the decoding and validation codes (docs/wire-format.md, docs/ledger.md).
  const docs = readFileSync('docs/wire-format.md', 'utf8') + readFileSync('docs/ledger.md', 'utf8');
  for (const code of [...REJECTION_CODES, ...VALIDATION_CODES]) assert.match(docs, new RegExp(`\\b${code}\\b`), `${code} is documented`);
});

test.run();
