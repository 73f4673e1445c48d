// The light node's validation of another member's record against its window and member table
// (Algorithm 1 lines 10-20 as far as a light node can check, docs/ledger.md "Validating a record"):
// cheapest rules first, the signature last (the caller verifies it once the rules pass).
import { ValidationCode, checkIssuerKind, checkPotGranters, checkSlotFree, checkSpend, checkTimestamp, spendOf } from '../ledger/rules';
import type { MemberTable } from '../ledger/members';
import type { RecordWindow } from '../ledger/window';
import { KIND_MEMBERSHIP, SignedRecord } from '../records';

export type ValidateRecord = (signed: SignedRecord, id: Uint8Array, nowMs: number) => ValidationCode | null;

export function createValidate(
  window: RecordWindow,
  members: MemberTable,
  config: { consortiumPublicKey: Uint8Array },
  timeRules: { clockSkewMs: number; recordAgeMaxMs: number },
  slotMs: number,
  tokensRequired: number,
): ValidateRecord {
  /** Algorithm 1 lines 10-20 as far as a light node can check, cheapest first, the signature last. */
  function validate(signed: SignedRecord, id: Uint8Array, nowMs: number): ValidationCode | null {
    const record = signed.record;
    const kindCode = checkIssuerKind(record, members.has(record.issuer));
    if (kindCode !== null) return kindCode;
    const timeCode = checkTimestamp(record.timeMs, nowMs, timeRules);
    if (timeCode !== null) return timeCode;
    for (let slot = 0; slot < window.capacity; slot++) {
      if (!window.isUsed(slot) || window.issuer[slot] !== record.issuer || record.kind === KIND_MEMBERSHIP || window.idEquals(slot, id, 0)) continue;
      if (window.seq[slot] === record.seq) return 'EQUIVOCATION';
      // Proof of time allows one record per issuer per slot; tokens are not broadcast, so this is what a
      // light node can see (the aggregator applies the same rule to the issuer's stored records).
      const slotCode = checkSlotFree(record, window.kind[slot], window.timeMs[slot], slotMs);
      if (slotCode !== null) return slotCode;
    }
    const potCode = checkPotGranters(record, { tokensRequired: tokensRequired, slotMs: slotMs }, function (member: number) {
      return members.has(member);
    });
    if (potCode !== null) return potCode;
    const spend = spendOf(record);
    // Over the balance only together with a spend already accepted: a double spend, kept to weigh it.
    const balanceCode = checkSpend(members.balanceOf(record.issuer), members.spentSince(record.issuer), spend);
    if (balanceCode !== null && balanceCode !== 'CONFLICT_DOUBLE_SPEND') return balanceCode;
    const publicKey = record.kind === KIND_MEMBERSHIP ? config.consortiumPublicKey : members.publicKey(record.issuer);
    if (publicKey === null) return 'ISSUER_UNKNOWN';
    return balanceCode;
  }
  return validate;
}
