// Other members' records entering the window: decoded, validated (cheapest rules first), their signature
// verified once (a verified id and a refused id are both remembered, bounded), validated again once the
// signature is in (state may have moved), then admitted; a double spend enters as the conflict loser.
// While a record waits for its verification only its bytes are kept: a decoded record is heavy on a small heap.
import type { VerifiedCache } from '../crypto/verified-cache';
import type { MemberTable } from '../ledger/members';
import { spendOf } from '../ledger/rules';
import { FLAG_CONFLICT_LOSER, FLAG_VALID, RecordWindow } from '../ledger/window';
import { KIND_MEMBERSHIP, KIND_SOLD, LedgerRecord, RECORD_BYTES_MAX, SignedRecord, bytesToSign, decodeRecord } from '../records';
import type { Clock } from '../node-api';
import type { Conflicts } from './conflicts';
import type { Tally } from './counters';
import { hexId } from './hex-id';
import type { ValidateRecord } from './validate';
import { RANK_OTHER, RANK_TRADE, RANK_URGENT, type VerifyQueue } from './verify-queue';
import type { Work } from './work';

export type AdmissionParts = {
  memberId: number;
  consortiumPublicKey: Uint8Array;
  /** The board's clocks (the platform). */
  clock: Clock;
  window: RecordWindow;
  members: MemberTable;
  verified: VerifiedCache;
  refused: VerifiedCache;
  validate: ValidateRecord;
  verifyQueue: VerifyQueue;
  conflicts: Conflicts;
  work: Work;
  tally: Tally;
  /**
   * A board whose verification is minutes of board time (the sliced path) verifies only as many records as
   * its own records will approve (docs/ledger.md "A rationed verifier"): once two records it verified are
   * in its window (a record's two caps), the queue is held (only the buyer's sold record starts) until
   * the node's next record approves them; the queue gives it the newest records. A membership of a member it already knows
   * teaches it nothing and is never verified. It never approves what it has not verified.
   */
  rationed: boolean;
};

/** Returns the handler of a record frame's bytes, received at board time `nowMs`. */
export function createAdmission(parts: AdmissionParts): (bytes: Uint8Array, nowMs: number) => void {
  const window = parts.window;
  const members = parts.members;
  const counters = parts.tally.counters;
  const count = parts.tally.count;
  const validate = parts.validate;

  function issuerKey(record: LedgerRecord): Uint8Array {
    return (record.kind === KIND_MEMBERSHIP ? parts.consortiumPublicKey : members.publicKey(record.issuer)) as Uint8Array;
  }

  function admit(signed: SignedRecord, id: Uint8Array, loser: boolean): number {
    const record = signed.record;
    if (record.kind === KIND_MEMBERSHIP) members.add(record.member as number, record.publicKey as Uint8Array, record.grantEcash as number);
    if (!loser) members.recordSpend(record.issuer, spendOf(record));
    const slot = window.add(
      {
        id: id, issuer: record.issuer, kind: record.kind, seq: record.seq, timeMs: record.timeMs,
        energyWh: record.energyWh !== undefined ? record.energyWh : 0, ecash: record.ecash !== undefined ? record.ecash : 0,
        counterparty: record.counterparty !== undefined ? record.counterparty : 0, parents: record.parents,
        ref: record.ref !== undefined ? record.ref : null,
      },
      loser ? FLAG_VALID | FLAG_CONFLICT_LOSER : FLAG_VALID,
    );
    if (slot < 0) counters.window_full++;
    else if (loser) parts.conflicts.record(slot, record.issuer);
    return slot;
  }

  /**
   * Admits a record whose signature verified, after the cheap rules once more (state may have moved),
   * its timestamp judged as of its arrival: a verification takes minutes of board time, which must not
   * make a record that was fresh on arrival stale.
   */
  function conclude(signed: SignedRecord, id: Uint8Array, arrivedWallMs: number): void {
    const code = validate(signed, id, arrivedWallMs);
    // The rules and the admission are each about a tenth of a second of ESP32 time: the links are polled between.
    parts.work.between();
    if (code === 'CONFLICT_DOUBLE_SPEND') {
      counters.conflicts_detected++;
      count(code);
      admit(signed, id, true);
      return;
    }
    if (code !== null) {
      counters.records_rejected++;
      count(code);
      return;
    }
    if (admit(signed, id, false) < 0) return;
    counters.records_accepted++;
    // A record to approve: a rationed verifier verifies no more than its next record approves.
    if (parts.rationed && signed.record.kind !== KIND_MEMBERSHIP) parts.verifyQueue.held++;
  }

  /**
   * Queues a record's verification holding only its bytes, decoded again when its turn comes and once
   * verified: a decoded record (its objects and arrays) is heavy on a small heap.
   */
  function verifyRecordLater(bytes: Uint8Array, id: Uint8Array, arrivedWallMs: number, rank: number): void {
    const queuedMs = parts.clock.nowMs();
    const decode = function (): SignedRecord {
      return (decodeRecord(bytes, RECORD_BYTES_MAX) as { value: SignedRecord }).value;
    };
    parts.verifyQueue.later(hexId(id), function () {
      const signed = decode();
      return [bytesToSign(signed.payload), signed.signature, issuerKey(signed.record)];
    }, function (valid: boolean) {
      counters.signatures_verified++;
      // Board time from a record's arrival to its verdict, for the latency a trade sees (stats).
      counters.validation_ms_last = parts.clock.nowMs() - queuedMs;
      counters.validations_timed++;
      if (valid) {
        parts.verified.add(id);
        const signed = decode();
        parts.work.between();
        conclude(signed, id, arrivedWallMs);
        parts.work.between();
      } else {
        parts.refused.add(id);
        counters.records_rejected++;
        count('SIGNATURE_INVALID');
      }
    }, rank);
  }

  return function onRecord(bytes: Uint8Array, nowMs: number): void {
    const decoded = decodeRecord(bytes, RECORD_BYTES_MAX);
    if (!decoded.ok) {
      counters.records_rejected++;
      count(decoded.code);
      return;
    }
    const id = parts.work.recordId(decoded.value.payload, decoded.value.signature);
    if (window.find(id) >= 0) return;
    const code = validate(decoded.value, id, parts.clock.wallClockMs());
    parts.work.between();
    if (code !== null && code !== 'CONFLICT_DOUBLE_SPEND') {
      counters.records_rejected++;
      count(code);
      return;
    }
    const signed = decoded.value;
    const arrivedWallMs = parts.clock.wallClockMs();
    if (parts.verified.has(id)) {
      counters.signature_cache_hits++;
      conclude(signed, id, arrivedWallMs);
      return;
    }
    if (parts.refused.has(id)) {
      counters.signature_cache_hits++;
      counters.records_rejected++;
      count('SIGNATURE_INVALID');
      return;
    }
    if (parts.rationed && signed.record.kind === KIND_MEMBERSHIP && members.has(signed.record.member as number)) return;
    // Each signature is verified at most once: good ids and bad ids are both remembered (bounded).
    // The sold record this node buys against is urgent (it pays after verifying it); another member's
    // trade record goes before the rest: the commit of its trade waits for approvals like this one.
    const record = signed.record;
    const rank = record.kind === KIND_SOLD && record.counterparty === parts.memberId ? RANK_URGENT : record.kind >= KIND_SOLD ? RANK_TRADE : RANK_OTHER;
    verifyRecordLater(bytes, id, arrivedWallMs, rank);
  };
}
