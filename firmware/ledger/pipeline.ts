// The one validation pipeline (docs/design.md "Validating a cap", Algorithm 1 lines 10-20): the rules of
// rules.ts in one order, cheapest first and the signature last, over a LedgerView. The light node's view
// is its window and member table (window-view.ts), the aggregator's its SQLite store; both answer every
// lookup with bounded work (a loop over a fixed-capacity table, or one keyed query).
import { Token, decodeToken } from '../frames';
import { KIND_MEMBERSHIP, LedgerRecord, SignedRecord } from '../records';
import {
  PotRules, TimeRules, ValidationCode, checkIssuerKnown, checkPotGranters, checkSeqOrder, checkSlotFree, checkSpend, checkTimestamp, checkTokensMatch,
  slotOf, spendOf,
} from './rules';

/**
 * What a view knows of a parent: a record it holds, one it refused for a fault every approver checks
 * itself (its signature: a record approving it is refused, PARENT_INVALID), or nothing. The aggregator
 * also answers PARENT_VOID (void-approvals.ts): refused for a rule its approvers could not judge, no error.
 */
export const PARENT_KNOWN = 0;
export const PARENT_REFUSED = 1;
export const PARENT_ABSENT = 2;

/** The issuer's records around a sequence number (see LedgerView.sequenceAround). */
export type SequenceAround = { taken: boolean; timeBelowMs: number; timeAboveMs: number };
/** A member's funds (see LedgerView.funds). */
export type Funds = { balance: number; spent: number };

/** The lookups the rules need, each for one record of one issuer, never a scan of the whole history. */
export interface LedgerView {
  /** Whether the view holds the whole history (the aggregator), so a parent it lacks is unknown. */
  readonly holdsHistory: boolean;
  isMember(member: number): boolean;
  /** A registered member's Ed25519 public key, or null. */
  memberKey(member: number): Uint8Array | null;
  /** Into `out`: what the member holds (0 for a non-member) and what its accepted, unsettled spends take. */
  funds(member: number, out: Funds): void;
  /**
   * The issuer's records other than `id`, by sequence number, into `out`: whether one has `seq`, and the
   * times of those with the nearest sequence numbers below and above it (-Infinity, Infinity: none).
   */
  sequenceAround(issuer: number, seq: number, id: Uint8Array, out: SequenceAround): void;
  /** The kind of another record of the issuer (not `id`) in the slot, any kind before bought; 0: none. */
  slotKind(issuer: number, slotStartMs: number, slotEndMs: number, id: Uint8Array): number;
  /**
   * Whether a membership record other than `id` registered the member id or the key. The aggregator knows
   * which record registered each member; a light node's member table (filled by its provisioning as well
   * as by records) holds ids and keys only, so to it the same id with the same key is the same
   * registration, and only another key for the id, or the key under another id, is taken.
   */
  memberTaken(member: number, publicKey: Uint8Array, id: Uint8Array): boolean;
  /** PARENT_KNOWN (the genesis id included), PARENT_REFUSED, PARENT_ABSENT or (the aggregator) PARENT_VOID: no error. */
  parentState(parent: Uint8Array): number;
  /** Whether a token's MAC is its granter's; null when the view holds no token keys (a light node). */
  tokenMacValid: ((token: Token) => boolean) | null;
  /**
   * Whether the record names the view's own member as a granter of a token it never granted (a light node
   * remembers its recent grants, firmware/node/grants.ts); null when the view grants none (the aggregator).
   */
  deniesGrant: ((record: LedgerRecord) => boolean) | null;
}

export type PipelineRules = TimeRules & PotRules & { consortiumPublicKey: Uint8Array };

/** Checks the signature of a record with its issuer's key (the caller decides how: at once or in slices). */
export type VerifySignature = (signed: SignedRecord, publicKey: Uint8Array) => boolean;

const around: SequenceAround = { taken: false, timeBelowMs: -Infinity, timeAboveMs: Infinity };
const funds: Funds = { balance: 0, spent: 0 };

/** The key a record must be signed with: the consortium's for membership, else its issuer's. */
export function signerKey(record: LedgerRecord, view: LedgerView, rules: PipelineRules): Uint8Array | null {
  return record.kind === KIND_MEMBERSHIP ? rules.consortiumPublicKey : view.memberKey(record.issuer);
}

/**
 * Every rule but the signature, in order; null or the first code. CONFLICT_DOUBLE_SPEND comes last and
 * only for an otherwise valid record: a light node keeps such a record as the loser, the aggregator
 * refuses it, both once its signature verified.
 */
export function checkRecord(signed: SignedRecord, id: Uint8Array, view: LedgerView, rules: PipelineRules, nowMs: number): ValidationCode | null {
  const record = signed.record;
  let code = checkIssuerKnown(record, record.kind === KIND_MEMBERSHIP || view.isMember(record.issuer));
  if (code === null) code = checkTimestamp(record.timeMs, nowMs, rules);
  if (code !== null) return code;
  view.sequenceAround(record.issuer, record.seq, id, around);
  if (around.taken) return 'EQUIVOCATION';
  code = checkSeqOrder(record, around.timeBelowMs, around.timeAboveMs);
  if (code !== null) return code;
  if (record.kind !== KIND_MEMBERSHIP) {
    const slotStartMs = slotOf(record.timeMs, rules.slotMs) * rules.slotMs;
    code = checkSlotFree(record, view.slotKind(record.issuer, slotStartMs, slotStartMs + rules.slotMs, id));
    if (code !== null) return code;
  }
  for (let index = 0; index < record.parents.length; index++) {
    const state = view.parentState(record.parents[index]);
    if (state === PARENT_REFUSED) return 'PARENT_INVALID';
    // A light node's window holds only recent records: a parent outside it may be valid (docs/ledger.md).
    if (state === PARENT_ABSENT && view.holdsHistory) return 'PARENT_UNKNOWN';
  }
  code = checkPotGranters(record, rules, function (member: number) {
    return view.isMember(member);
  });
  if (code === null && view.tokenMacValid !== null) code = checkTokens(signed, rules, view.tokenMacValid);
  // A granter named knows its own grants, where only the aggregator can check the tokens' MACs.
  if (code === null && view.deniesGrant !== null && view.deniesGrant(record)) code = 'TOKEN_NOT_GRANTED';
  if (code !== null) return code;
  // A membership record admits a member id and a key that no other membership record registered.
  if (record.kind === KIND_MEMBERSHIP && view.memberTaken(record.member as number, record.publicKey as Uint8Array, id)) return 'MEMBER_EXISTS';
  const spend = spendOf(record);
  if (spend === 0) return null;
  view.funds(record.issuer, funds);
  return checkSpend(funds.balance, funds.spent, spend);
}

/** The tokens (where the view holds the keys): one per granter, bound to this record, each MAC valid. */
function checkTokens(signed: SignedRecord, rules: PipelineRules, macValid: (token: Token) => boolean): ValidationCode | null {
  const tokens: Token[] = [];
  for (let index = 0; index < signed.tokens.length; index++) {
    const token = decodeToken(signed.tokens[index]);
    if (!token.ok) return 'TOKEN_MISMATCH';
    tokens.push(token.value);
  }
  const code = checkTokensMatch(signed.record, tokens, rules.slotMs);
  if (code !== null) return code;
  for (let index = 0; index < tokens.length; index++) if (!macValid(tokens[index])) return 'TOKEN_MAC_INVALID';
  return null;
}

/** The whole pipeline for a view that verifies signatures at once: checkRecord, then the signature. */
export function validateRecord(
  signed: SignedRecord, id: Uint8Array, view: LedgerView, rules: PipelineRules, nowMs: number, verify: VerifySignature,
): ValidationCode | null {
  const code = checkRecord(signed, id, view, rules, nowMs);
  if (code !== null && code !== 'CONFLICT_DOUBLE_SPEND') return code;
  const publicKey = signerKey(signed.record, view, rules);
  if (publicKey === null || !verify(signed, publicKey)) return 'SIGNATURE_INVALID';
  return code;
}
