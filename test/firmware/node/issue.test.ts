// Issuing the node's own record: one at a time, tokens asked of named neighbours in turn (again each
// quarter slot), grants collected up to k, caps and signature on one tick, then id, persistence, window
// and broadcast on the next, and one record per slot.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VerifiedCache } from '../../../firmware/crypto/verified-cache';
import { keyPairFromSeed, recordId, verifyDetached } from '../../../firmware/crypto/ed25519';
import { FRAME_RECORD, FRAME_TOKEN_GRANT, FRAME_TOKEN_REQUEST, encodeToken } from '../../../firmware/frames';
import { MemberTable } from '../../../firmware/ledger/members';
import { NodePersistence } from '../../../firmware/ledger/persist';
import { FLAG_PINNED, FLAG_VALID, RecordWindow } from '../../../firmware/ledger/window';
import { createCapPicker } from '../../../firmware/node/cap-picker';
import { createTally } from '../../../firmware/node/counters';
import { createIssuer } from '../../../firmware/node/issue';
import { createLinks } from '../../../firmware/node/links';
import { createSigner } from '../../../firmware/node/signer';
import { VerifyQueue } from '../../../firmware/node/verify-queue';
import { createWork } from '../../../firmware/node/work';
import { KIND_OFFER, RECORD_WITH_TOKENS_BYTES_MAX, bytesToSign, decodeRecord } from '../../../firmware/records';
import { entry, recordingLink, testPlatform } from '../../support/node-parts';

const SLOT_MS = 60000;
const SEED = new Uint8Array(32).fill(3);

function issuing(pendingMax = 3) {
  const link = recordingLink();
  const platform = testPlatform([link]);
  const tally = createTally();
  const polls = { count: 0 };
  const work = createWork(tally.counters, platform.crypto.sha512, 24, () => polls.count++);
  const persistence = new NodePersistence(platform.storage, pendingMax);
  const config = { memberId: 1, seed: SEED, tokenKey: new Uint8Array(32), heapBytesBudget: 200000, consortiumPublicKey: new Uint8Array(32), aggregatorPublicKey: new Uint8Array(32) };
  const signer = createSigner(platform, config, persistence, work, tally.counters);
  signer.start();
  const window = new RecordWindow(16, 4);
  const members = new MemberTable(8);
  for (let id = 1; id <= 5; id++) members.add(id, new Uint8Array(32).fill(id), 1000);
  const verifyQueue = new VerifyQueue(2, platform.crypto, undefined, work, tally);
  const issuer = createIssuer({
    memberId: 1, tokensRequired: 2, slotMs: SLOT_MS, pendingMax, clock: platform, window, members, verified: new VerifiedCache(8, 16),
    persistence, pickCaps: createCapPicker(window, 0.5, 7, () => undefined), signer, links: createLinks([link]), work, tally, verifyQueue,
  });
  /** The token a granter sends, as the grant frame carries it. */
  const tokenOf = (granter: number, seq = 1, slot = Math.floor(platform.wallClockMs() / SLOT_MS), requester = 1) =>
    encodeToken({ granter, requester, seq, slot, mac: new Uint8Array(32).fill(granter) });
  const grant = (granter: number, seq = 1, slot = Math.floor(platform.wallClockMs() / SLOT_MS)) =>
    issuer.onTokenGrant({ type: FRAME_TOKEN_GRANT, token: tokenOf(granter, seq, slot) });
  return { link, platform, tally, persistence, window, issuer, grant, tokenOf, verifyQueue, polls };
}

test('one record at a time: a second request waits, and none starts with the pending records at their maximum', () => {
  const { issuer } = issuing();
  assert.ok(issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 }));
  assert.is(issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 }), false);
  const none = issuing(0);
  assert.is(none.issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 }), false);
});

test('tokens are asked of named neighbours, again a quarter slot later naming the next ones', () => {
  const { issuer, link, platform } = issuing();
  issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 });
  issuer.advance(platform.nowMs());
  issuer.advance(platform.nowMs() + SLOT_MS / 4 - 1);
  const slot = Math.floor(platform.wallClockMs() / SLOT_MS);
  assert.equal(link.frames(), [{ type: FRAME_TOKEN_REQUEST, requester: 1, seq: 1, slot, asked: [2, 3] }]);
  issuer.advance(platform.nowMs() + SLOT_MS / 4);
  assert.equal(link.frames()[1].asked, [4, 5]);
});

test('grants are collected once per granter, for this seq and slot, from members other than itself, up to k', () => {
  const { issuer, grant, tally } = issuing();
  issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 });
  grant(2, 2);
  grant(2, 1, 7);
  grant(1);
  grant(9);
  assert.is(issuer.ready(), false);
  grant(2);
  grant(2);
  assert.is(issuer.ready(), false, 'one granter counts once');
  grant(3);
  grant(4);
  assert.ok(issuer.ready());
  assert.is(tally.counters.tokens_collected, 2);
});

test('a grant for another requester is passed over; a malformed token is rejected with its code and counted', () => {
  const { issuer, tally, tokenOf } = issuing();
  issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 });
  issuer.onTokenGrant({ type: FRAME_TOKEN_GRANT, token: tokenOf(2, 1, undefined, 4) });
  assert.is(tally.counters.tokens_collected, 0);
  assert.is(tally.counters.frames_rejected, 0);
  const truncated = tokenOf(2).subarray(0, 20);
  issuer.onTokenGrant({ type: FRAME_TOKEN_GRANT, token: truncated });
  // A well-formed array that is not a token: four fields.
  issuer.onTokenGrant({ type: FRAME_TOKEN_GRANT, token: new Uint8Array([0x84, 0x02, 0x01, 0x01, 0x01]) });
  const out: { [name: string]: number | string } = {};
  tally.report(out);
  assert.is(out.rejected_CBOR_TRUNCATED, 1);
  assert.is(out.rejected_TOKEN_MALFORMED, 1);
  assert.is(tally.counters.frames_rejected, 2);
  assert.is(tally.counters.tokens_collected, 0);
});

test('signed on one tick, then persisted with its tokens, pinned in the window and broadcast on the next', () => {
  const { issuer, grant, link, persistence, window, tally, tokenOf, polls } = issuing();
  issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 });
  grant(3);
  grant(2);
  issuer.complete();
  assert.is(link.sent.length, 0, 'signing sends nothing');
  assert.is(persistence.pendingCount(), 0);
  const pollsBefore = polls.count;
  issuer.complete();
  assert.is(polls.count - pollsBefore, 3, 'the links polled after the id, before the window\'s update and before the broadcast');
  const frames = link.frames();
  assert.is(frames.length, 1);
  assert.is(frames[0].type, FRAME_RECORD);
  const decoded = decodeRecord((persistence.nextPendingToOffload() as Uint8Array).subarray(16), RECORD_WITH_TOKENS_BYTES_MAX);
  assert.ok(decoded.ok);
  const pending = decoded as Extract<typeof decoded, { ok: true }>;
  assert.equal(pending.value.record.pot, [2, 3]);
  assert.equal(pending.value.tokens, [tokenOf(2), tokenOf(3)], 'the grants\' token bytes unchanged, in granter order');
  assert.ok(verifyDetached(bytesToSign(pending.value.payload), pending.value.signature, keyPairFromSeed(SEED).publicKey));
  const id = recordId(pending.value.payload, pending.value.signature);
  assert.equal(persistence.pendingIds(), [id]);
  const slot = window.find(id);
  assert.is(window.flags[slot], FLAG_VALID | FLAG_PINNED);
  assert.is(tally.counters.records_issued, 1);
  assert.is(issuer.ready(), false, 'nothing under way');
});

test('one record per slot: the next record asks for tokens only in the next slot', () => {
  const { issuer, grant, link, platform } = issuing();
  issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 });
  grant(2);
  grant(3);
  issuer.complete();
  issuer.complete();
  issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 });
  issuer.advance(platform.nowMs());
  assert.is(link.sent.length, 1, 'only the record so far');
  platform.clock.advance(SLOT_MS);
  issuer.advance(platform.nowMs());
  assert.is(link.frames()[1].type, FRAME_TOKEN_REQUEST);
  assert.is(link.frames()[1].seq, 2);
});

test('a rationed verifier holding records owes an approval; its record approves the two it holds, the newest first, and issuing releases them', () => {
  const { issuer, grant, verifyQueue, window, link } = issuing();
  assert.is(issuer.approvalOwed(), false, 'an empty window owes nothing');
  const others = [2, 3, 4].map((issuerId, index) => window.add(entry(index + 1, { issuer: issuerId }), FLAG_VALID));
  verifyQueue.held = 2;
  assert.ok(issuer.approvalOwed());
  issuer.request({ kind: KIND_OFFER, energyWh: 100, ecash: 5 });
  grant(2);
  grant(3);
  issuer.complete();
  assert.is(verifyQueue.held, 2, 'signing alone does not release them');
  issuer.complete();
  assert.is(verifyQueue.held, 0);
  const record = decodeRecord((link.frames()[0].record as Uint8Array), RECORD_WITH_TOKENS_BYTES_MAX);
  assert.ok(record.ok);
  const parents = (record as Extract<typeof record, { ok: true }>).value.record.parents;
  assert.equal(parents, [window.idOf(others[2]), window.idOf(others[1])], 'the two newest it has not approved, not the walk\'s');
  assert.ok(window.approvedBy(others[0], 1) === false && window.approvedBy(others[2], 1) && window.approvedBy(others[1], 1));
});

test.run();
