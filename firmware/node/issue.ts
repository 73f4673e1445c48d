// Issuing the node's own record, a state machine of one record at a time: requested (the sequence
// number taken), collecting proof-of-time tokens from the neighbours it names in turn (asked again each
// quarter slot, afresh in a new slot), then once k tokens are in, caps and the signature on one tick and
// on the next the record id, persistence (before anything leaves), the window and the broadcast: each
// SHA-512 is seconds of ESP32 time, so the two in one call would pass the watchdog. A reset in between
// loses only the signature; its nonce is spent. One record per slot (paper IV.E).
import type { VerifiedCache } from '../crypto/verified-cache';
import { FRAME_RECORD, FRAME_TOKEN_REQUEST, Frame, GRANTERS_NAMED_MAX, decodeToken } from '../frames';
import { GENESIS_ID } from '../ledger/caps';
import type { MemberTable } from '../ledger/members';
import type { NodePersistence } from '../ledger/persist';
import { commitThreshold, slotOf, spendOf } from '../ledger/rules';
import { FLAG_CONFLICT_LOSER, FLAG_PINNED, FLAG_VALID, RecordWindow } from '../ledger/window';
import type { IssueRequest } from '../node-api';
import { KIND_MEMBERSHIP, KIND_SOLD, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../records';
import type { Clock } from '../node-api';
import type { Tally } from './counters';
import type { Links } from './links';
import type { Signer } from './signer';
import type { VerifyQueue } from './verify-queue';
import type { Work } from './work';

type Issue = {
  record: LedgerRecord; slot: number; tokens: Uint8Array[]; granters: number[]; requestedAtMs: number;
  /** How many requests went out for this record: each names the next neighbours in turn. */
  rounds: number;
  /** Once signed: the payload, its signature and the tokens in granter order, for the next tick to persist. */
  signed: { payload: Uint8Array; signature: Uint8Array; order: Uint8Array[] } | null;
};

export type IssueParts = {
  memberId: number;
  tokensRequired: number;
  slotMs: number;
  pendingMax: number;
  clock: Clock;
  window: RecordWindow;
  members: MemberTable;
  verified: VerifiedCache;
  persistence: NodePersistence;
  /** Two caps by the weighted walk, or null when the window has none. */
  pickCaps: () => Uint8Array[] | null;
  signer: Signer;
  links: Links;
  work: Work;
  tally: Tally;
  /** Its count of verified records awaiting this node's next record (a rationed verifier): issuing releases them. */
  verifyQueue: VerifyQueue;
};

export interface Issuer {
  /** Starts issuing a record; false when one is already under way or the pending records are at their maximum. */
  request(request: IssueRequest): boolean;
  /** Asks for tokens when due (a quarter slot after the last ask, or in a new slot). */
  advance(nowMs: number): void;
  /** A grant frame: its token, when it is for the record under way, is kept as it came, for the record. */
  onTokenGrant(frame: Frame): void;
  /** Whether the record has its tokens and can be signed (or persisted) now; else the next nonce is wanted first. */
  ready(): boolean;
  /** The record's next expensive step: caps and signature, or id, persistence and broadcast. */
  complete(): void;
  /** Whether another member's trade record awaits this node's approval below the commit threshold, or (a rationed verifier) the record it verified to approve. */
  approvalOwed(): boolean;
}

export function createIssuer(parts: IssueParts): Issuer {
  const memberId = parts.memberId;
  const tokensRequired = parts.tokensRequired;
  const slotMs = parts.slotMs;
  const window = parts.window;
  const members = parts.members;
  const persistence = parts.persistence;
  const counters = parts.tally.counters;
  let issue: Issue | null = null;
  let lastIssuedSlot = -1;
  /** Set by approvalTarget: whether its answer is a trade record whose commit still needs approvals. */
  let targetOwed = false;

  /**
   * The record this node's next record should approve directly: a trade record (sold, bought) it owes an
   * approval while its validation count is below the commit threshold, else another member's record it
   * has not approved yet; the newest, so that its ancestors gain too. Validation counts grow only by
   * approvals across members, and the walk alone tends to a node's own records (verified the moment it
   * signs them, where another's take minutes of board time). `other`: a slot passed over. -1: none.
   */
  function approvalTarget(other: number): number {
    let best = -1;
    targetOwed = false;
    for (let slot = 0; slot < window.capacity; slot++) {
      if (!window.isUsed(slot) || slot === other || window.issuer[slot] === memberId || window.kind[slot] === KIND_MEMBERSHIP) continue;
      if ((window.flags[slot] & (FLAG_VALID | FLAG_CONFLICT_LOSER)) !== FLAG_VALID || window.approvedBy(slot, memberId)) continue;
      // Sold and bought are the last kinds.
      const owed = window.kind[slot] >= KIND_SOLD && window.validationCount(slot) < commitThreshold(members.count);
      if (best < 0 || (owed && !targetOwed) || (owed === targetOwed && window.arrival[slot] > window.arrival[best])) {
        best = slot;
        targetOwed = owed;
      }
    }
    return best;
  }

  /**
   * The neighbours a token request names: as many as tokens are still missing, the members in turn from
   * an offset given by the sequence number (so grants spread over the neighbours), the next ones on each
   * repeat of the request (so a neighbour out of reach is passed over). Bounded by the member table.
   */
  function nameGranters(current: Issue): number[] {
    const named: number[] = [];
    const wanted = Math.min(tokensRequired - current.granters.length, GRANTERS_NAMED_MAX);
    let turn = current.record.seq + current.rounds * wanted;
    for (let tried = 0; tried < members.count && named.length < wanted; tried++) {
      const id = members.idAt(turn++ % members.count);
      if (id !== memberId && current.granters.indexOf(id) < 0) named.push(id);
    }
    current.rounds++;
    return named;
  }

  /** Caps and the signature on one tick; on the next the id, persistence, the window and the broadcast. */
  function complete(): void {
    const current = issue;
    if (current === null) return;
    if (current.signed !== null) {
      // The record id, persistence before anything leaves, the window (pinned) and the broadcast.
      const record = current.record;
      const caps = record.parents;
      const signed = current.signed;
      const payload = signed.payload;
      const signature = signed.signature;
      const id = parts.work.recordId(payload, signature);
      const withTokens = encodeRecord(payload, signature, signed.order);
      persistence.savePending(id, withTokens);
      // The window's update (its ancestors' weights) and the broadcast's encoding are each a tenth of a
      // second or more of ESP32 time: the links are polled before and between them.
      parts.work.between();
      parts.verified.add(id);
      members.recordSpend(memberId, spendOf(record));
      window.add(
        {
          id: id, issuer: memberId, kind: record.kind, seq: record.seq, timeMs: record.timeMs, energyWh: record.energyWh as number,
          ecash: record.ecash as number, counterparty: record.counterparty !== undefined ? record.counterparty : 0,
          parents: caps, ref: record.ref !== undefined ? record.ref : null,
        },
        FLAG_VALID | FLAG_PINNED,
      );
      // A pending record and the caps it approves stay in the window until the aggregator acknowledges it.
      for (let parent = 0; parent < 2; parent++) {
        const slot = window.find(caps[parent]);
        if (slot >= 0) window.flags[slot] |= FLAG_PINNED;
      }
      counters.records_issued++;
      parts.work.between();
      parts.links.broadcast({ type: FRAME_RECORD, record: encodeRecord(payload, signature, []) });
      lastIssuedSlot = current.slot;
      issue = null;
      parts.verifyQueue.held = 0;
      return;
    }
    // The links are polled between the pieces of this tick (the walk, the targets, the encoding, the
    // signature), each interpreted work of its own on an esp32, as between a verification's steps.
    let caps = parts.pickCaps();
    parts.work.between();
    // Nothing verified yet (a fresh ledger, or a node just provisioned): the record approves the genesis.
    if (caps === null && window.count === 0) caps = [GENESIS_ID, GENESIS_ID];
    if (caps === null) {
      parts.tally.count('CAPS_UNAVAILABLE');
      return;
    }
    // One cap is the record this node most needs to approve (approvalTarget), the other the walk's; a
    // rationed verifier holding two records it verified to approve takes the second in place of the walk's.
    const target = approvalTarget(-1);
    if (target >= 0 && !window.idEquals(target, caps[1], 0)) caps = [window.idOf(target), caps[1]];
    const second = parts.verifyQueue.held > 1 ? approvalTarget(target) : -1;
    if (second >= 0) caps = [caps[0], window.idOf(second)];
    parts.work.between();
    const unsigned = current.record;
    unsigned.parents = caps;
    unsigned.pot = current.granters.slice().sort(function (left, right) {
      return left - right;
    });
    const tokens: Uint8Array[] = [];
    for (let index = 0; index < unsigned.pot.length; index++) {
      for (let token = 0; token < current.granters.length; token++) if (current.granters[token] === unsigned.pot[index]) tokens.push(current.tokens[token]);
    }
    const unsignedPayload = encodePayload(unsigned);
    parts.work.between();
    const made = parts.signer.sign(bytesToSign(unsignedPayload));
    // Waiting for a nonce or the key: the issue stays under way and is completed on a later tick.
    if (made === null) return;
    current.signed = { payload: unsignedPayload, signature: made, order: tokens };
  }

  return {
    request: function (request: IssueRequest): boolean {
      if (issue !== null || persistence.pendingCount() >= parts.pendingMax) return false;
      const wallMs = parts.clock.wallClockMs();
      const record: LedgerRecord = {
        kind: request.kind, issuer: memberId, seq: persistence.takeSeq(), timeMs: wallMs, parents: [], pot: [],
        energyWh: request.energyWh, ecash: request.ecash,
      };
      if (request.counterparty !== undefined) record.counterparty = request.counterparty;
      if (request.ref !== undefined) record.ref = request.ref;
      issue = { record: record, slot: slotOf(wallMs, slotMs), tokens: [], granters: [], requestedAtMs: -Infinity, rounds: 0, signed: null };
      return true;
    },
    advance: function (nowMs: number): void {
      if (issue === null) return;
      const wallMs = parts.clock.wallClockMs();
      const slot = slotOf(wallMs, slotMs);
      // Tokens in hand: tick completes the record when that is its only expensive work.
      if (issue.granters.length >= tokensRequired) return;
      if (slot !== issue.slot) {
        // Tokens are bound to a slot: a new slot means asking again, with the same sequence number.
        issue.slot = slot;
        issue.record.timeMs = wallMs;
        issue.granters = [];
        issue.tokens = [];
        issue.requestedAtMs = -Infinity;
      }
      // One record per slot (paper IV.E): after issuing, wait for the next slot before asking for tokens.
      if (issue.slot !== lastIssuedSlot && nowMs - issue.requestedAtMs >= slotMs / 4) {
        issue.requestedAtMs = nowMs;
        const granters = nameGranters(issue);
        if (granters.length > 0) parts.links.broadcast({ type: FRAME_TOKEN_REQUEST, requester: memberId, seq: issue.record.seq, slot: issue.slot, asked: granters });
      }
    },
    onTokenGrant: function (frame: Frame): void {
      const bytes = frame.token as Uint8Array;
      // The token's fields are read here, once; its bytes go into the record unchanged.
      const decoded = decodeToken(bytes);
      if (!decoded.ok) {
        counters.frames_rejected++;
        parts.tally.count(decoded.code);
        return;
      }
      const token = decoded.value;
      if (issue === null || token.requester !== memberId) return;
      const granter = token.granter;
      if (token.seq !== issue.record.seq || token.slot !== issue.slot || !members.has(granter) || granter === memberId) return;
      for (let index = 0; index < issue.granters.length; index++) if (issue.granters[index] === granter) return;
      if (issue.granters.length >= tokensRequired) return;
      issue.granters.push(granter);
      issue.tokens.push(bytes);
      counters.tokens_collected++;
    },
    ready: function (): boolean {
      if (issue === null || issue.granters.length < tokensRequired) return false;
      if (issue.signed !== null) return true;
      return parts.signer.canSign();
    },
    complete: complete,
    approvalOwed: function (): boolean {
      return parts.verifyQueue.held > 0 || (approvalTarget(-1) >= 0 && targetOwed);
    },
  };
}
