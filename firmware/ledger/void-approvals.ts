// What the aggregator's refusal of a record means to the records approving it (docs/ledger.md "Approving
// what the aggregator refused"). The pipeline (pipeline.ts) runs the same rules on a light node and on the
// aggregator, but a light node cannot judge them all: tokens are MACs under keys it does not hold, and it
// judges an issuer's slot, sequence numbers, registrations and spends against its window alone. So it may
// approve a record the aggregator refuses for one of those; the aggregator voids that approval instead of
// refusing the approver. Kept apart from pipeline.ts: only the aggregator's view uses it, and a board's
// bundle does not carry it.
import type { ValidationCode } from '../rejections';

/**
 * LedgerView.parentState's answer for a parent the view refused for a rule its approvers could not judge
 * (the aggregator only): no error, and an approval of it counts for nothing (the parent is never stored).
 * Beside pipeline.ts's PARENT_KNOWN (0), PARENT_REFUSED (1) and PARENT_ABSENT (2).
 */
export const PARENT_VOID = 3;

/**
 * Whether the aggregator's refusal of a record for `code` voids the approvals of the records naming it as
 * a parent, rather than refusing them: the codes a light node cannot check (the tokens) or checks against
 * its window only. A refusal every approver makes itself (the signature, the issuer, the time, the
 * granters named) still refuses the approver (PARENT_INVALID for a signature, else PARENT_UNKNOWN), and
 * PARENT_UNKNOWN is no verdict (the parent may arrive later).
 */
export function voidsApprovals(code: ValidationCode): boolean {
  return code === 'TOKEN_MISMATCH' || code === 'TOKEN_MAC_INVALID' || code === 'POT_SLOT_REUSED' || code === 'EQUIVOCATION' ||
    code === 'SEQ_NOT_INCREASING' || code === 'MEMBER_EXISTS' || code === 'BALANCE_INSUFFICIENT' || code === 'CONFLICT_DOUBLE_SPEND' ||
    code === 'PARENT_INVALID';
}
