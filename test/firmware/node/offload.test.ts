// Offload: the next pending record goes out in turn with its tokens; an acknowledgement is checked only
// for the node's own ids, a bad MAC is counted and changes nothing, a good one ends the pending record
// and unpins it and the parents no other pending record needs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha512 } from '../../../firmware/crypto/ed25519';
import { FRAME_OFFLOAD, FRAME_OFFLOAD_ACK, FRAME_TOKEN_GRANT, ackMessage, encodeToken, keyedMac } from '../../../firmware/frames';
import { NodePersistence } from '../../../firmware/ledger/persist';
import { FLAG_OFFLOADED, FLAG_PINNED, FLAG_VALID, RecordWindow } from '../../../firmware/ledger/window';
import { createTally } from '../../../firmware/node/counters';
import { createLinks } from '../../../firmware/node/links';
import { createOffload } from '../../../firmware/node/offload';
import { KIND_OFFER, encodePayload, encodeRecord } from '../../../firmware/records';
import { MemoryStore } from '../../../host-tools/sim/in-process';
import { entry, idOf, recordingLink } from '../../support/node-parts';

const TOKEN_KEY = new Uint8Array(32).fill(9);

function offloading() {
  const link = recordingLink();
  const tally = createTally();
  const persistence = new NodePersistence(new MemoryStore(), 3);
  const window = new RecordWindow(16, 4);
  const offload = createOffload(persistence, window, TOKEN_KEY, sha512, createLinks([link]), tally);
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

test('the pending record goes out bare in an offload frame, then each token as a grant frame', () => {
  const { link, persistence, offload, payload, tokens, signature } = offloading();
  offload.sendNext();
  assert.is(link.sent.length, 0, 'nothing pending: nothing sent');
  persistence.savePending(idOf(5), encodeRecord(payload, signature, tokens));
  offload.sendNext();
  assert.equal(link.frames(), [
    { type: FRAME_OFFLOAD, batch: 4, record: encodeRecord(payload, signature, []) },
    { type: FRAME_TOKEN_GRANT, granter: 2, requester: 1, seq: 4, slot: 7, mac: new Uint8Array(32).fill(2) },
    { type: FRAME_TOKEN_GRANT, granter: 3, requester: 1, seq: 4, slot: 7, mac: new Uint8Array(32).fill(3) },
  ]);
});

test('an unreadable pending record is counted, not sent', () => {
  const { link, persistence, offload, rejected } = offloading();
  persistence.savePending(idOf(5), new Uint8Array([0xff, 0x00]));
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
