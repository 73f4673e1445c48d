// Offload: the next pending record goes out in turn as stored, with its tokens, in parts; an acknowledgement is checked only
// for the node's own ids, a bad MAC is counted and changes nothing, a good one ends the pending record
// and unpins it and the parents no other pending record needs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha512 } from '../../../firmware/crypto/ed25519';
import { FRAME_BYTES_MAX, FRAME_OFFLOAD, FRAME_OFFLOAD_ACK, OFFLOAD_CHUNK_BYTES_MAX, OFFLOAD_PARTS_MAX, ackMessage, decodeFrame, encodeFrame, encodeToken, keyedMac, offloadFrames } from '../../../firmware/frames';
import { NodePersistence } from '../../../firmware/ledger/persist';
import { FLAG_OFFLOADED, FLAG_PINNED, FLAG_VALID, RecordWindow } from '../../../firmware/ledger/window';
import { createTally } from '../../../firmware/node/counters';
import { createLinks } from '../../../firmware/node/links';
import { createOffload } from '../../../firmware/node/offload';
import { KIND_OFFER, RECORD_WITH_TOKENS_BYTES_MAX, encodePayload, encodeRecord } from '../../../firmware/records';
import { encodeCbor } from '../../../firmware/codec/cbor';
import { MemoryStore } from '../../../host-tools/sim/in-process';
import { entry, idOf, recordingLink } from '../../support/node-parts';

const TOKEN_KEY = new Uint8Array(32).fill(9);

function offloading() {
  const link = recordingLink();
  const tally = createTally();
  const persistence = new NodePersistence(new MemoryStore(), 3);
  const window = new RecordWindow(16, 4);
  const offload = createOffload(1, persistence, window, TOKEN_KEY, sha512, createLinks([link]), tally);
  const payload = encodePayload({ kind: KIND_OFFER, issuer: 1, seq: 4, timeMs: 1795000000000, parents: [idOf(1), idOf(2)], pot: [2, 3], energyWh: 10, ecash: 1 });
  const tokens = [2, 3].map((granter) => encodeToken({ granter, requester: 1, seq: 4, slot: 7, mac: new Uint8Array(32).fill(granter) }));
  const signature = new Uint8Array(64).fill(1);
  const rejected = () => {
    const out: { [name: string]: number | string } = {};
    tally.report(out);
    return out;
  };
  return { link, tally, persistence, window, offload, payload, tokens, signature, rejected };
}

test('the pending record goes out as stored, its tokens included, in parts joined back to the same bytes', () => {
  const { link, persistence, offload, payload, tokens, signature } = offloading();
  offload.sendNext();
  assert.is(link.sent.length, 0, 'nothing pending: nothing sent');
  const stored = encodeRecord(payload, signature, tokens);
  persistence.savePending(idOf(5), stored);
  offload.sendNext();
  const frames = link.frames();
  assert.is(frames.length, Math.ceil(stored.length / OFFLOAD_CHUNK_BYTES_MAX));
  assert.ok(frames.length >= 2, `a record with two tokens takes ${frames.length} parts`);
  frames.forEach((frame, part) => assert.equal({ ...frame, chunk: undefined }, { type: FRAME_OFFLOAD, member: 1, id: idOf(5), part, parts: frames.length, chunk: undefined }));
  assert.equal(new Uint8Array(Buffer.concat(frames.map((frame) => frame.chunk as Uint8Array))), stored, 'the bytes as stored');
});

test('the largest record with tokens fits OFFLOAD_PARTS_MAX frames, each within FRAME_BYTES_MAX; no offload of nothing or of too much', () => {
  const largest = new Uint8Array(RECORD_WITH_TOKENS_BYTES_MAX).fill(0xab);
  const frames = offloadFrames(65535, idOf(0xff), largest);
  assert.is(frames.length, OFFLOAD_PARTS_MAX);
  for (const frame of frames) {
    const bytes = encodeFrame(frame);
    assert.ok(bytes.length <= FRAME_BYTES_MAX, `${bytes.length} bytes`);
    assert.equal(decodeFrame(bytes), { ok: true, value: { ...frame, chunk: new Uint8Array(frame.chunk as Uint8Array) } });
  }
  const full = encodeFrame(offloadFrames(65535, idOf(0xff), new Uint8Array(OFFLOAD_CHUNK_BYTES_MAX * 2))[0]);
  assert.is(full.length, FRAME_BYTES_MAX, 'a full part fills the frame exactly');
  assert.throws(() => offloadFrames(1, idOf(1), new Uint8Array(0)));
  assert.throws(() => offloadFrames(1, idOf(1), new Uint8Array(RECORD_WITH_TOKENS_BYTES_MAX + 1)));
  // A decoder enforces what the encoder does: a part past the last, no parts, an empty or overlong chunk.
  const hostile = (part: number, parts: number, chunk: Uint8Array) => decodeFrame(encodeCbor([FRAME_OFFLOAD, 1, idOf(1), part, parts, chunk], 512));
  assert.equal(hostile(OFFLOAD_PARTS_MAX, OFFLOAD_PARTS_MAX, new Uint8Array(1)).ok, false);
  assert.equal((hostile(0, 0, new Uint8Array(1)) as { code: string }).code, 'FRAME_FIELD');
  assert.equal((hostile(0, 1, new Uint8Array(0)) as { code: string }).code, 'FRAME_FIELD');
  assert.equal((hostile(0, 1, new Uint8Array(OFFLOAD_CHUNK_BYTES_MAX + 1)) as { code: string }).code, 'FRAME_FIELD');
});

test('a pending entry whose length cannot be a record is counted, not sent', () => {
  const { link, persistence, offload, rejected } = offloading();
  persistence.savePending(idOf(5), new Uint8Array(0));
  offload.sendNext();
  assert.is(link.sent.length, 0);
  assert.is(rejected().rejected_PENDING_UNREADABLE, 1);
});

test('acknowledgements: another id costs nothing, a bad MAC is counted, a good one unpins', () => {
  const { persistence, window, offload, payload, tokens, signature, tally, rejected } = offloading();
  const parent = window.add(entry(1), FLAG_VALID | FLAG_PINNED);
  const own = window.add(entry(5, { parents: [idOf(1), idOf(1)] }), FLAG_VALID | FLAG_PINNED);
  persistence.savePending(idOf(5), encodeRecord(payload, signature, tokens));
  offload.onAck({ type: FRAME_OFFLOAD_ACK, batch: 0, id: idOf(6), mac: new Uint8Array(32) });
  assert.is(tally.counters.crypto_hash, 0, 'not its own: no hash');
  offload.onAck({ type: FRAME_OFFLOAD_ACK, batch: 0, id: idOf(5), mac: new Uint8Array(32) });
  assert.is(rejected().rejected_ACK_MAC_INVALID, 1);
  assert.is(persistence.pendingCount(), 1, 'a bad MAC changes nothing');
  offload.onAck({ type: FRAME_OFFLOAD_ACK, batch: 0, id: idOf(5), mac: keyedMac(sha512, TOKEN_KEY, ackMessage(idOf(5))) });
  assert.is(persistence.pendingCount(), 0);
  assert.is(tally.counters.offload_acked, 1);
  assert.is(window.flags[own], FLAG_VALID | FLAG_OFFLOADED);
  assert.is(window.flags[parent], FLAG_VALID, 'the parent no pending record needs is unpinned');
});

test.run();
