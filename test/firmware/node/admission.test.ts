// Other members' records entering the window through validation (firmware/node/validate.ts) and
// admission: accepted once, a bad signature refused and remembered, rule failures counted by code with
// nothing changed, a double spend kept as the conflict loser; and signed balance checkpoints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VerifiedCache } from '../../../firmware/crypto/verified-cache';
import { keyPairFromSeed, signDetached, verifyDetached } from '../../../firmware/crypto/ed25519';
import { encodeCbor } from '../../../firmware/codec/cbor';
import { FRAME_CHECKPOINT, checkpointMessage } from '../../../firmware/frames';
import { GENESIS_ID } from '../../../firmware/ledger/caps';
import { MemberTable } from '../../../firmware/ledger/members';
import { FLAG_CONFIRMED, FLAG_CONFLICT_LOSER, FLAG_VALID, RecordWindow } from '../../../firmware/ledger/window';
import { createAdmission } from '../../../firmware/node/admission';
import { createCheckpoints } from '../../../firmware/node/checkpoints';
import { createConflicts } from '../../../firmware/node/conflicts';
import { createTally } from '../../../firmware/node/counters';
import { createValidate } from '../../../firmware/node/validate';
import { VerifyQueue } from '../../../firmware/node/verify-queue';
import { createWork } from '../../../firmware/node/work';
import { KIND_BOUGHT, KIND_DEMAND, KIND_MEMBERSHIP, KIND_OFFER, KIND_SOLD, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../../firmware/records';
import { idOf, testPlatform } from '../../support/node-parts';

const SLOT_MS = 60000;
const keyOf = (member: number) => keyPairFromSeed(new Uint8Array(32).fill(member));

/** A sliced job of one step that really verifies, as a board without one-step verification runs it. */
const oneStepJob = (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => {
  let valid = false;
  return { step: () => ((valid = verifyDetached(message, signature, publicKey)), true), valid: () => valid, operations: () => 0 };
};

function admitting(rationed = false) {
  const platform = testPlatform();
  const tally = createTally();
  const polls = { count: 0 };
  const work = createWork(tally.counters, platform.crypto.sha512, 1, () => polls.count++);
  const window = new RecordWindow(16, 4);
  const members = new MemberTable(8);
  for (let id = 1; id <= 5; id++) members.add(id, keyOf(id).publicKey, 1000);
  // A rationed verifier is a board whose verification is sliced: its queue holds what waits.
  const verifyQueue = rationed ? new VerifyQueue(3, { sha512: platform.crypto.sha512 }, oneStepJob, work, tally) : new VerifyQueue(3, platform.crypto, undefined, work, tally);
  const refused = new VerifiedCache(8, 16);
  const validate = createValidate(window, members, refused, { consortiumPublicKey: keyOf(0).publicKey }, { clockSkewMs: 30000, recordAgeMaxMs: 3600000 }, SLOT_MS, 2, null);
  const onRecord = createAdmission({
    memberId: 1, consortiumPublicKey: keyOf(0).publicKey, clock: platform, window, members, verified: new VerifiedCache(8, 16),
    refused, validate, verifyQueue, conflicts: createConflicts(window, members, tally.counters), work, tally, rationed,
  });
  const rejected = () => {
    const out: { [name: string]: number | string } = {};
    tally.report(out);
    return out;
  };
  const record = (fields: Partial<LedgerRecord>): LedgerRecord => ({
    kind: KIND_OFFER, issuer: 2, seq: 1, timeMs: platform.wallClockMs(), parents: [GENESIS_ID, GENESIS_ID], pot: [3, 4], energyWh: 100, ecash: 10, ...fields,
  });
  const signed = (value: LedgerRecord, signer = value.issuer) => {
    const payload = encodePayload(value);
    return encodeRecord(payload, signDetached(bytesToSign(payload), keyOf(signer).secretKey), []);
  };
  return { platform, tally, window, members, verifyQueue, onRecord, rejected, record, signed, polls };
}

test('a valid record is accepted once; the same bytes again change nothing', () => {
  const { onRecord, tally, window, record, signed, platform } = admitting();
  const bytes = signed(record({}));
  onRecord(bytes, platform.nowMs());
  onRecord(bytes, platform.nowMs());
  assert.is(tally.counters.records_accepted, 1);
  assert.is(tally.counters.crypto_verify, 1);
  assert.is(window.count, 1);
});

test('the links are polled between a record\'s pieces of work: after its id, after its checks, before and after its admission', () => {
  const { onRecord, tally, record, signed, platform, polls, verifyQueue } = admitting(true);
  onRecord(signed(record({})), platform.nowMs());
  assert.is(polls.count, 2, 'after the id and after the checks');
  verifyQueue.advance();
  assert.is(tally.counters.records_accepted, 1);
  assert.is(polls.count, 6, 'after the slice, after the verified record\'s decode, after its checks again and after its admission');
});

test('a bad signature is refused and remembered: the second copy costs no verification', () => {
  const { onRecord, tally, window, record, signed, rejected, platform } = admitting();
  const bytes = signed(record({}), 3);
  onRecord(bytes, platform.nowMs());
  onRecord(bytes, platform.nowMs());
  assert.is(rejected().rejected_SIGNATURE_INVALID, 2);
  assert.is(tally.counters.crypto_verify, 1);
  assert.is(tally.counters.signature_cache_hits, 1);
  assert.is(window.count, 0);
});

test('rule failures are counted by code and leave the window as it was', () => {
  const { onRecord, tally, window, record, signed, rejected, platform } = admitting();
  onRecord(new Uint8Array([0x83, 0x01]), platform.nowMs());
  onRecord(signed(record({ issuer: 7 }), 2), platform.nowMs());
  onRecord(signed(record({ pot: [3] })), platform.nowMs());
  onRecord(signed(record({ timeMs: platform.wallClockMs() + 60000 })), platform.nowMs());
  onRecord(signed(record({})), platform.nowMs());
  onRecord(signed(record({ energyWh: 5 })), platform.nowMs());
  const out = rejected();
  assert.is(out.rejected_ISSUER_UNKNOWN, 1);
  assert.is(out.rejected_POT_TOO_FEW, 1);
  assert.is(out.rejected_TIMESTAMP_FUTURE, 1);
  assert.is(out.rejected_EQUIVOCATION, 1, 'the same seq again with other content');
  assert.is(tally.counters.records_rejected, 5);
  assert.is(tally.counters.records_accepted, 1);
  assert.is(window.count, 1);
});

test('a second spend past the balance enters as the conflict loser', () => {
  const { onRecord, tally, window, record, signed, members, platform } = admitting();
  const bought = (seq: number, ecash: number, slots: number) =>
    record({ kind: KIND_BOUGHT, seq, ecash, counterparty: 3, ref: idOf(seq), timeMs: platform.wallClockMs() - slots * SLOT_MS });
  onRecord(signed(bought(1, 700, 2)), platform.nowMs());
  onRecord(signed(bought(2, 600, 1)), platform.nowMs());
  assert.is(tally.counters.conflicts_detected, 1);
  assert.is(window.count, 2);
  let losers = 0;
  for (let slot = 0; slot < window.capacity; slot++) if (window.isUsed(slot) && (window.flags[slot] & (FLAG_VALID | FLAG_CONFLICT_LOSER)) === (FLAG_VALID | FLAG_CONFLICT_LOSER)) losers++;
  assert.is(losers, 1);
  assert.is(members.spentSince(2), 700, 'the loser does not spend');
});

test('a rationed verifier verifies one record to approve, then holds: only the buyer\'s sold record starts until its record approves it', () => {
  const { onRecord, tally, window, record, signed, verifyQueue, platform } = admitting(true);
  onRecord(signed(record({ kind: KIND_OFFER })), platform.nowMs());
  assert.is(verifyQueue.length, 1, 'an order waits for its verification like any record');
  verifyQueue.advance();
  assert.is(tally.counters.records_accepted, 1);
  assert.is(window.count, 1);
  assert.is(verifyQueue.held, 1, 'a verified record awaits the node\'s next record');
  onRecord(signed(record({ kind: KIND_DEMAND, issuer: 3, pot: [2, 4] })), platform.nowMs());
  onRecord(signed(record({ kind: KIND_OFFER, issuer: 4, pot: [2, 3] })), platform.nowMs());
  onRecord(signed(record({ kind: KIND_OFFER, issuer: 5, pot: [2, 3] })), platform.nowMs());
  for (let call = 0; call < 3; call++) verifyQueue.advance();
  assert.is(tally.counters.signatures_verified, 1, 'held: nothing else is verified');
  platform.clock.advance(SLOT_MS);
  onRecord(signed(record({ kind: KIND_SOLD, seq: 2, timeMs: platform.wallClockMs(), counterparty: 1, ref: idOf(1) })), platform.nowMs());
  verifyQueue.advance();
  assert.is(tally.counters.signatures_verified, 2, 'the sold record the node buys against is verified while held');
  assert.is(window.count, 2);
  verifyQueue.held = 0;
  verifyQueue.advance();
  assert.is(tally.counters.signatures_verified, 3);
  assert.is(verifyQueue.held, 1);
  assert.is(verifyQueue.length, 1, 'member 4\'s offer still waits (member 3\'s demand, the oldest, made room for the sold record)');
  let newest = -1;
  for (let slot = 0; slot < window.capacity; slot++) if (window.isUsed(slot) && (newest < 0 || window.arrival[slot] > window.arrival[newest])) newest = slot;
  assert.is(window.issuer[newest], 5, 'released, the newest waiting record (member 5\'s offer) went first');
});

test('a rationed verifier leaves a membership of a member it knows unverified, and verifies one of a new member', () => {
  const { onRecord, tally, members, verifyQueue, platform } = admitting(true);
  const membership = (member: number) => {
    const payload = encodePayload({ kind: KIND_MEMBERSHIP, issuer: 0, seq: member, timeMs: platform.wallClockMs(), parents: [GENESIS_ID, GENESIS_ID], pot: [], member, publicKey: keyOf(member).publicKey, grantEcash: 1000 });
    return encodeRecord(payload, signDetached(bytesToSign(payload), keyOf(0).secretKey), []);
  };
  onRecord(membership(2), platform.nowMs());
  assert.is(verifyQueue.length, 0, 'member 2 is known with this key: nothing to learn');
  onRecord(membership(6), platform.nowMs());
  assert.is(verifyQueue.length, 1);
  verifyQueue.advance();
  assert.is(tally.counters.records_accepted, 1);
  assert.ok(members.has(6));
  assert.is(verifyQueue.held, 0, 'a membership is no record to approve');
  const plain = admitting();
  plain.onRecord(membership(2), plain.platform.nowMs());
  assert.is(plain.tally.counters.crypto_verify, 1, 'a node that is not rationed verifies it');
});

test('a checkpoint signed by the aggregator replaces the balance and confirms the records up to its time; a forged one is counted', () => {
  const { members, tally, verifyQueue, rejected, platform, window, onRecord, record, signed } = admitting();
  const aggregator = keyOf(9);
  const onCheckpoint = createCheckpoints(aggregator.publicKey, window, members, verifyQueue, tally);
  const asOfMs = platform.wallClockMs();
  onRecord(signed(record({ timeMs: asOfMs - 2 * SLOT_MS })), platform.nowMs());
  onRecord(signed(record({ seq: 2, timeMs: asOfMs + 1 })), platform.nowMs());
  onRecord(signed(record({ issuer: 3, pot: [2, 4], timeMs: asOfMs - SLOT_MS })), platform.nowMs());
  assert.is(window.count, 3);
  const message = checkpointMessage(2, 555, asOfMs);
  assert.equal(message, encodeCbor(['SmartChain checkpoint', 2, 555, asOfMs], 64), 'the message the aggregator signs');
  onCheckpoint({ type: FRAME_CHECKPOINT, member: 2, balance: 555, asOfMs, signature: signDetached(message, keyOf(8).secretKey) });
  assert.is(rejected().rejected_CHECKPOINT_SIGNATURE_INVALID, 1);
  assert.is(members.balanceOf(2), 1000);
  const confirmed = () => Array.from({ length: window.capacity }, (_, slot) => slot).filter((slot) => window.isUsed(slot) && (window.flags[slot] & FLAG_CONFIRMED) !== 0).map((slot) => `${window.issuer[slot]}/${window.seq[slot]}`);
  assert.equal(confirmed(), [], 'a forged checkpoint confirms nothing');
  onCheckpoint({ type: FRAME_CHECKPOINT, member: 2, balance: 555, asOfMs, signature: signDetached(message, aggregator.secretKey) });
  assert.is(members.balanceOf(2), 555);
  assert.is(tally.counters.checkpoints, 1);
  assert.equal(confirmed(), ['2/1'], 'only that member\'s records, only up to its time');
});

test.run();
