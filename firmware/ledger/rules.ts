// The ledger rules of docs/design.md as pure functions, shared by the light node and the aggregator (which
// imports them: the rules exist once). Each returns null or a fixed code of firmware/rejections.ts;
// pipeline.ts composes them, cheapest first and the signature last (Algorithm 1 lines 10-20).
import { KIND_BOUGHT, KIND_MEMBERSHIP, KIND_SOLD, LedgerRecord } from '../records';
import { VALIDATION_REJECTIONS, ValidationCode } from '../rejections';

export type { ValidationCode } from '../rejections';
export const VALIDATION_CODES = /* @__PURE__ */ Object.keys(VALIDATION_REJECTIONS) as ValidationCode[];

export type TimeRules = { clockSkewMs: number; recordAgeMaxMs: number };

/** A timestamp is plausible when not beyond the clock skew into the future nor older than the window. */
export function checkTimestamp(timeMs: number, nowMs: number, rules: TimeRules): ValidationCode | null {
  if (timeMs > nowMs + rules.clockSkewMs) return 'TIMESTAMP_FUTURE';
  if (timeMs < nowMs - rules.recordAgeMaxMs) return 'TIMESTAMP_STALE';
  return null;
}

/**
 * One record per issuer per proof-of-time slot (paper IV.E), judged against the kind of another record of
 * the same issuer in the record's slot (0: none): two bought records may share a slot, so that a double
 * spend goes on to the balance check and is weighed as a conflict. Membership records (the consortium's)
 * are not limited.
 */
export function checkSlotFree(record: LedgerRecord, otherKind: number): ValidationCode | null {
  if (record.kind === KIND_MEMBERSHIP || otherKind === 0) return null;
  return record.kind === KIND_BOUGHT && otherKind === KIND_BOUGHT ? null : 'POT_SLOT_REUSED';
}

/**
 * An issuer's sequence numbers increase with its records' times (a token binds the requester's next
 * sequence number to the current slot, docs/design.md "Proof of time"): given the times of the issuer's
 * records with the nearest sequence numbers below and above this one (-Infinity, Infinity: none known),
 * the record's time must lie between them. Judged so, the rule does not depend on the order in which
 * records arrive (an offloaded record may reach the aggregator after a later one). Membership records
 * carry the admitted member's id as their sequence number and are not ordered by it.
 */
export function checkSeqOrder(record: LedgerRecord, timeBelowMs: number, timeAboveMs: number): ValidationCode | null {
  if (record.kind === KIND_MEMBERSHIP) return null;
  return timeBelowMs > record.timeMs || timeAboveMs < record.timeMs ? 'SEQ_NOT_INCREASING' : null;
}

/**
 * The issuer is a registered member. Membership records are the consortium's (issuer 0), and the decoder
 * already refuses any other issuer of one, or a record of another kind from the consortium
 * (RECORD_FIELD_RANGE, firmware/records.ts).
 */
export function checkIssuerKnown(record: LedgerRecord, issuerKnown: boolean): ValidationCode | null {
  return record.kind === KIND_MEMBERSHIP || issuerKnown ? null : 'ISSUER_UNKNOWN';
}

export type PotRules = { tokensRequired: number; slotMs: number };

/** The slot a time falls in: tokens are granted per requester per slot (paper IV.E). */
export function slotOf(timeMs: number, slotMs: number): number {
  return Math.floor(timeMs / slotMs);
}

/**
 * What a light node checks of proof of time: k distinct registered granters other than the issuer
 * (the encoding already guarantees distinct ascending ids). Token signatures are the aggregator's job.
 */
export function checkPotGranters(record: LedgerRecord, rules: PotRules, isMember: (id: number) => boolean): ValidationCode | null {
  if (record.kind === KIND_MEMBERSHIP) return null;
  if (record.pot.length < rules.tokensRequired) return 'POT_TOO_FEW';
  for (let index = 0; index < record.pot.length; index++) {
    if (record.pot[index] === record.issuer) return 'POT_SELF';
    if (!isMember(record.pot[index])) return 'POT_GRANTER_UNKNOWN';
  }
  return null;
}

export type TokenFields = { granter: number; requester: number; seq: number; slot: number };

/** The aggregator's token check: one token per listed granter, each bound to this record and slot. */
export function checkTokensMatch(record: LedgerRecord, tokens: TokenFields[], slotMs: number): ValidationCode | null {
  if (record.kind === KIND_MEMBERSHIP) return tokens.length === 0 ? null : 'TOKEN_MISMATCH';
  if (tokens.length !== record.pot.length) return 'TOKEN_MISMATCH';
  const slot = slotOf(record.timeMs, slotMs);
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token.granter !== record.pot[index] || token.requester !== record.issuer || token.seq !== record.seq || token.slot !== slot) {
      return 'TOKEN_MISMATCH';
    }
  }
  return null;
}

/** Ecash a record takes from its issuer's balance: a bought record pays; nothing else spends. */
export function spendOf(record: LedgerRecord): number {
  return record.kind === KIND_BOUGHT && record.ecash !== undefined ? record.ecash : 0;
}

/**
 * A spend against what the issuer holds (`balance`) and what its accepted spends not yet settled already
 * take (`alreadySpent`): over the balance alone is BALANCE_INSUFFICIENT; covered by the balance but not
 * together with the spends already accepted is CONFLICT_DOUBLE_SPEND (paper IV.F), which a light node
 * keeps to weigh and the aggregator refuses.
 */
export function checkSpend(balance: number, alreadySpent: number, spend: number): ValidationCode | null {
  if (spend === 0 || alreadySpent + spend <= balance) return null;
  return spend <= balance ? 'CONFLICT_DOUBLE_SPEND' : 'BALANCE_INSUFFICIENT';
}

/** The commit rule's pairing (Algorithm 1 lines 45-54): a sold and a bought record that match. */
export function tradeMatches(sold: LedgerRecord, soldId: Uint8Array, bought: LedgerRecord): boolean {
  if (sold.kind !== KIND_SOLD || bought.kind !== KIND_BOUGHT) return false;
  if (sold.ecash !== bought.ecash || sold.energyWh !== bought.energyWh) return false;
  if (sold.counterparty !== bought.issuer || bought.counterparty !== sold.issuer) return false;
  if (bought.timeMs <= sold.timeMs) return false;
  const ref = bought.ref as Uint8Array;
  for (let index = 0; index < soldId.length; index++) if (ref[index] !== soldId[index]) return false;
  return true;
}

/** A record's validation count must exceed half of the members taking part in the transactional DAG. */
export function commitThreshold(participants: number): number {
  return Math.floor(participants / 2) + 1;
}
