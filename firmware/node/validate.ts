// The light node's validation of another member's record: the one pipeline (firmware/ledger/pipeline.ts,
// Algorithm 1 lines 10-20, docs/ledger.md "Validating a record") over the node's ledger view, its window
// and member table, and its own grants (a record naming it as a granter). The caller verifies the
// signature once the rules pass.
import type { VerifiedCache } from '../crypto/verified-cache';
import type { MemberTable } from '../ledger/members';
import { checkRecord } from '../ledger/pipeline';
import type { ValidationCode } from '../ledger/rules';
import type { RecordWindow } from '../ledger/window';
import { WindowView } from '../ledger/window-view';
import type { LedgerRecord, SignedRecord } from '../records';

export type ValidateRecord = (signed: SignedRecord, id: Uint8Array, nowMs: number) => ValidationCode | null;

export function createValidate(
  window: RecordWindow,
  members: MemberTable,
  refused: VerifiedCache,
  config: { consortiumPublicKey: Uint8Array },
  timeRules: { clockSkewMs: number; recordAgeMaxMs: number },
  slotMs: number,
  tokensRequired: number,
  deniesGrant: ((record: LedgerRecord) => boolean) | null,
): ValidateRecord {
  const view = new WindowView(window, members, refused, deniesGrant);
  const rules = {
    tokensRequired: tokensRequired, slotMs: slotMs, clockSkewMs: timeRules.clockSkewMs, recordAgeMaxMs: timeRules.recordAgeMaxMs,
    consortiumPublicKey: config.consortiumPublicKey,
  };
  return function validate(signed: SignedRecord, id: Uint8Array, nowMs: number): ValidationCode | null {
    return checkRecord(signed, id, view, rules, nowMs);
  };
}
