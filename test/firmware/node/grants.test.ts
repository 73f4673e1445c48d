// Proof of time, the granter's side: only a named granter answers, a repeated request gets the same
// grant, each refusal has its code, at most GRANTS_PER_SLOT_MAX grants a slot, on a shared medium the
// later turns wait for their airtime, and a record naming the node as a granter of a token it never
// granted is denied while its memory of the slot is whole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_TOKEN_GRANT, FRAME_TOKEN_REQUEST, Frame, decodeToken, encodeToken, keyedMac, tokenMessage } from '../../../firmware/frames';
import { sha512 } from '../../../firmware/crypto/ed25519';
import { MemberTable } from '../../../firmware/ledger/members';
import { createTally } from '../../../firmware/node/counters';
import { GRANTS_PER_SLOT_MAX, GRANTS_REMEMBERED_MAX, GRANT_TURN_GUARD_MS, createGranter } from '../../../firmware/node/grants';
import { KIND_OFFER, LedgerRecord } from '../../../firmware/records';
import { createLinks } from '../../../firmware/node/links';
import { recordingLink, testClock } from '../../support/node-parts';

const SLOT_MS = 60000;
const TOKEN_KEY = new Uint8Array(32).fill(5);

function granter(airtimeMs?: number) {
  return granterOn(testClock(), airtimeMs);
}

function granterOn(clock: ReturnType<typeof testClock>, airtimeMs?: number) {
  const members = new MemberTable(16);
  for (let id = 1; id <= 8; id++) members.add(id, new Uint8Array(32).fill(id), 1000);
  const link = recordingLink(airtimeMs === undefined ? {} : { airtimeMs });
  const tally = createTally();
  const part = createGranter({ memberId: 1, tokenKey: TOKEN_KEY, slotMs: SLOT_MS, sha512, clock, links: [link] }, members, createLinks([link]), tally);
  const slot = Math.floor(clock.wallClockMs() / SLOT_MS);
  const request = (requester: number, seq: number, asked = [1], atSlot = slot): Frame => ({ type: FRAME_TOKEN_REQUEST, requester, seq, slot: atSlot, asked });
  const rejected = () => {
    const out: { [name: string]: number | string } = {};
    tally.report(out);
    return out;
  };
  return { part, link, clock, tally, slot, request, rejected };
}

test('a named granter answers with a MAC under its token key; one not named stays silent', () => {
  const { part, link, slot, request, tally } = granter();
  part.onTokenRequest(request(2, 7, [3, 4]));
  assert.is(link.sent.length, 0);
  part.onTokenRequest(request(2, 7));
  const token = encodeToken({ granter: 1, requester: 2, seq: 7, slot, mac: keyedMac(sha512, TOKEN_KEY, tokenMessage(1, 2, 7, slot)) });
  assert.equal(link.frames(), [{ type: FRAME_TOKEN_GRANT, token }], 'the grant carries the token as a record keeps it');
  assert.is(tally.counters.tokens_granted, 1);
  part.onTokenRequest(request(2, 7));
  assert.equal(link.frames()[1], link.frames()[0], 'a repeated request gets the same grant again');
  assert.is(tally.counters.tokens_granted, 1);
});

test('refusals: unknown or own requester, another slot, another seq in the slot, past the slot limit', () => {
  const { part, link, slot, request, rejected, tally } = granter();
  part.onTokenRequest(request(1, 1));
  part.onTokenRequest(request(99, 1));
  part.onTokenRequest(request(2, 1, [1], slot + 1));
  part.onTokenRequest(request(2, 1));
  part.onTokenRequest(request(2, 2));
  for (let requester = 3; requester < 3 + GRANTS_PER_SLOT_MAX; requester++) part.onTokenRequest(request(requester, 1));
  const out = rejected();
  assert.is(out.rejected_TOKEN_REQUESTER_UNKNOWN, 2);
  assert.is(out.rejected_TOKEN_SLOT_NOT_CURRENT, 1);
  assert.is(out.rejected_TOKEN_ALREADY_GRANTED, 1);
  assert.is(out.rejected_TOKEN_RATE_LIMITED, 1);
  assert.is(tally.counters.tokens_granted, GRANTS_PER_SLOT_MAX);
  assert.is(tally.counters.tokens_refused, 5);
  assert.is(link.sent.length, GRANTS_PER_SLOT_MAX);
});

test('a new slot starts a new allowance', () => {
  const { part, clock, request, tally } = granter();
  for (let requester = 2; requester < 2 + GRANTS_PER_SLOT_MAX; requester++) part.onTokenRequest(request(requester, 1));
  clock.advance(SLOT_MS);
  const slot = Math.floor(clock.wallClockMs() / SLOT_MS);
  part.onTokenRequest(request(2, 2, [1], slot));
  assert.is(tally.counters.tokens_granted, GRANTS_PER_SLOT_MAX + 1);
});

test('on a shared medium the n-th named granter sends after n airtimes plus the guard', () => {
  const { part, link, clock, request } = granter(100);
  part.onTokenRequest(request(2, 1, [5, 1]));
  assert.is(link.sent.length, 0, 'second in turn: waits');
  assert.ok(part.sendDueTurns(clock.nowMs() + 100 + GRANT_TURN_GUARD_MS - 1), 'still waiting');
  assert.is(link.sent.length, 0);
  assert.is(part.sendDueTurns(clock.nowMs() + 100 + GRANT_TURN_GUARD_MS), false, 'sent, nothing left');
  assert.is((decodeToken(link.frames()[0].token as Uint8Array) as { value: { requester: number } }).value.requester, 2);
  const first = granter(100);
  first.part.onTokenRequest(first.request(2, 1, [1, 5]));
  assert.is(first.link.sent.length, 1, 'first in turn: at once');
});

/** A record of `issuer` with sequence number `seq` in `slot`, naming `pot` as its granters. */
function claim(issuer: number, seq: number, slot: number, pot = [1, 3]): LedgerRecord {
  return { kind: KIND_OFFER, issuer, seq, timeMs: slot * SLOT_MS + 1234, parents: [], pot, energyWh: 1000, ecash: 300 };
}

test('a record naming the node as a granter: its real grant passes, a forged or replayed claim is denied', () => {
  const { part, clock } = granter();
  // The slot the node started in is not judged: grants made before a reset are unknown.
  clock.advance(SLOT_MS);
  const slot = Math.floor(clock.wallClockMs() / SLOT_MS);
  part.onTokenRequest({ type: FRAME_TOKEN_REQUEST, requester: 2, seq: 7, slot, asked: [1] });
  assert.is(part.deniesGrant(claim(2, 7, slot)), false, 'the grant it made');
  assert.is(part.deniesGrant(claim(2, 8, slot)), true, 'another sequence number in the slot (a replayed token)');
  assert.is(part.deniesGrant(claim(2, 7, slot + 1)), true, 'another slot (a replayed token)');
  assert.is(part.deniesGrant(claim(4, 7, slot)), true, 'another issuer (a forged token)');
  assert.is(part.deniesGrant(claim(4, 7, slot, [3, 5])), false, 'a record not naming the node: not its to judge');
  assert.is(part.deniesGrant(claim(4, 7, slot - 1)), false, 'the slot the node started in: unknown');
});

test('a forgotten grant leaves its slot unjudged; the slots after it stay judged', () => {
  const { part, clock } = granter();
  clock.advance(SLOT_MS);
  const first = Math.floor(clock.wallClockMs() / SLOT_MS);
  part.onTokenRequest({ type: FRAME_TOKEN_REQUEST, requester: 2, seq: 1, slot: first, asked: [1] });
  assert.is(part.deniesGrant(claim(3, 9, first, [1, 2])), true, 'remembered whole: a claim it never granted is denied');
  // One grant a slot after it, until the first is forgotten.
  for (let step = 1; step <= GRANTS_REMEMBERED_MAX; step++) {
    clock.advance(SLOT_MS);
    part.onTokenRequest({ type: FRAME_TOKEN_REQUEST, requester: 2, seq: 1 + step, slot: first + step, asked: [1] });
  }
  assert.is(part.deniesGrant(claim(2, 1, first)), false, 'the forgotten grant');
  assert.is(part.deniesGrant(claim(3, 9, first, [1, 2])), false, 'its slot: no longer judged');
  assert.is(part.deniesGrant(claim(3, 9, first + 1, [1, 2])), true, 'the next slot: still remembered whole');
  assert.is(part.deniesGrant(claim(2, 1 + GRANTS_REMEMBERED_MAX, first + GRANTS_REMEMBERED_MAX)), false, 'the newest grant');
});

test('a slot whose grant was forgotten stays unjudged when the wall clock steps back', () => {
  const clock = testClock();
  const { part } = granterOn(clock);
  clock.advance(10 * SLOT_MS);
  const late = Math.floor(clock.wallClockMs() / SLOT_MS);
  part.onTokenRequest({ type: FRAME_TOKEN_REQUEST, requester: 2, seq: 1, slot: late, asked: [1] });
  clock.advance(-9 * SLOT_MS);
  // Three grants a slot from here on: the grant of `late` is forgotten first, then older slots' grants.
  for (let grant = 0; grant < GRANTS_REMEMBERED_MAX + 1; grant++) {
    const slot = Math.floor(clock.wallClockMs() / SLOT_MS);
    part.onTokenRequest({ type: FRAME_TOKEN_REQUEST, requester: 2 + (grant % GRANTS_PER_SLOT_MAX), seq: 10 + grant, slot, asked: [1] });
    if (grant % GRANTS_PER_SLOT_MAX === GRANTS_PER_SLOT_MAX - 1) clock.advance(SLOT_MS);
  }
  assert.is(part.deniesGrant(claim(2, 1, late)), false, 'the forgotten grant is not denied');
  assert.is(part.deniesGrant(claim(5, 1, late)), false, 'nor is its slot judged');
});

test('grants of earlier slots, remembered, do not count against this slot\'s allowance', () => {
  const { part, clock, tally } = granter();
  for (let step = 0; step < 3; step++) {
    const slot = Math.floor(clock.wallClockMs() / SLOT_MS);
    for (let requester = 2; requester < 2 + GRANTS_PER_SLOT_MAX; requester++) part.onTokenRequest({ type: FRAME_TOKEN_REQUEST, requester, seq: 1 + step, slot, asked: [1] });
    clock.advance(SLOT_MS);
  }
  assert.is(tally.counters.tokens_granted, 3 * GRANTS_PER_SLOT_MAX);
  assert.is(tally.counters.tokens_refused, 0);
});

test.run();
