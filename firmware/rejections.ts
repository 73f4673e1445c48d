// Every code the ledger answers bad input with, in one table: its name and what it means. Decoding
// codes (docs/wire-format.md "Rejection codes"), the ledger rules' codes (docs/ledger.md "Codes"), what a
// light node refuses and counts, and how a trade ends. Bad input from a link, flash, a peer or a file is
// answered with one of these, never a throw. The meanings are for hosts and docs: a board bundle keeps
// only the codes it uses (the tables are dropped from it when nothing reads them at run time).

/** Decoding: CBOR (RFC 8949 §4.2.1, our subset), COSE_Sign1 (RFC 9052 §4.2), records, tokens, frames. */
export const DECODE_REJECTIONS = {
  CBOR_TRUNCATED: 'the input ends inside an item',
  CBOR_TOO_LONG: 'the input is longer than the maximum for what it claims to be (checked first)',
  CBOR_NONCANONICAL: 'an integer or length not in its shortest form',
  CBOR_INDEFINITE_LENGTH: 'an indefinite-length string, array or map',
  CBOR_UNSUPPORTED_TYPE: 'a tag, float or simple value, or reserved additional information',
  CBOR_INTEGER_TOO_LARGE: 'an integer of magnitude above 2^53 - 1',
  CBOR_MAP_KEY_TYPE: 'a map key that is not an integer',
  CBOR_MAP_UNSORTED: 'map keys out of canonical order',
  CBOR_DUPLICATE_KEY: 'a map key twice',
  CBOR_TOO_DEEP: 'nesting beyond 4 levels',
  CBOR_TOO_MANY_ITEMS: 'more than 64 items, or a container claiming more',
  CBOR_TRAILING_BYTES: 'bytes after the item',
  CBOR_TEXT_NOT_ASCII: 'a text string with a byte above 0x7f',
  COSE_NOT_SIGN1: 'not a tagged array of four with a byte-string payload',
  COSE_BAD_PROTECTED_HEADER: 'protected header other than {1: -8}',
  COSE_BAD_UNPROTECTED_HEADER: 'an unprotected label other than the tokens, or malformed tokens',
  COSE_BAD_SIGNATURE_LENGTH: 'signature not 64 bytes',
  RECORD_NOT_MAP: 'payload not a map',
  RECORD_UNKNOWN_KIND: 'kind outside 1..5',
  RECORD_UNKNOWN_FIELD: "a key that is not a field of the record's kind",
  RECORD_MISSING_FIELD: 'a field of the kind is absent',
  RECORD_FIELD_TYPE: 'a field of the wrong CBOR type',
  RECORD_FIELD_RANGE: 'a field outside its bound, or issuer/counterparty rules broken',
  RECORD_PARENTS: 'parents not two 16-byte ids',
  RECORD_POT_GRANTERS: 'granters not distinct ascending member ids, or more than 8',
  TOKEN_MALFORMED: 'a token that is not [granter, requester, seq, slot, mac] within bounds',
  FRAME_TOO_LONG: 'a frame longer than FRAME_BYTES_MAX',
  FRAME_MALFORMED: 'not an array led by its type, or the wrong number of fields',
  FRAME_UNKNOWN_TYPE: 'a type outside the table',
  FRAME_FIELD: 'a field of the wrong type or out of range',
} as const;

/** The ledger rules (firmware/ledger/rules.ts), on the light node and the aggregator. */
export const VALIDATION_REJECTIONS = {
  ISSUER_UNKNOWN: 'the issuer is not a registered member',
  TIMESTAMP_FUTURE: 'more than the clock skew ahead',
  TIMESTAMP_STALE: "older than the validator's age limit",
  SEQ_NOT_INCREASING: "a sequence number that does not rise with the times of the issuer's stored records",
  EQUIVOCATION: 'another record of the issuer with the same sequence number',
  POT_SLOT_REUSED: 'another record of the issuer in the same proof-of-time slot, two bought records excepted',
  POT_TOO_FEW: 'fewer than k granters',
  POT_GRANTER_UNKNOWN: 'a granter that is not a registered member',
  POT_SELF: 'the issuer among its own granters',
  TOKEN_MISMATCH: 'tokens that do not match the granters, issuer, sequence number or slot',
  TOKEN_MAC_INVALID: "a token whose MAC is not the granter's",
  TOKEN_NOT_GRANTED: 'a record naming the validating node as a granter of a token it never granted (issuer, sequence number, slot)',
  BALANCE_INSUFFICIENT: 'a spend beyond the balance',
  CONFLICT_DOUBLE_SPEND: 'a spend that overdraws only together with one already accepted',
  PARENT_UNKNOWN: 'a parent not stored',
  PARENT_INVALID: 'a parent whose signature was refused',
  SIGNATURE_INVALID: 'the signature does not verify',
  MEMBER_EXISTS: 'a member id or key already registered',
} as const;

/** Ed25519 encodings refused before any arithmetic (firmware/crypto/policy.ts; RFC 8032 §5.1.3, §5.1.7). */
export const KEY_AND_SIGNATURE_POLICY = {
  SIGNATURE_LENGTH: 'a signature that is not 64 bytes',
  SIGNATURE_NONCANONICAL_S: 'a signature whose S is at or above the group order L',
  SIGNATURE_NONCANONICAL_R: 'a signature whose R is not a canonical point encoding',
  KEY_LENGTH: 'a public key that is not 32 bytes',
  KEY_NONCANONICAL: 'a member key not in canonical encoding, refused at registration',
  KEY_SMALL_ORDER: 'a member key of small order, refused at registration',
} as const;

/** What a light node refuses or drops beyond the rules, counted in its stats. */
export const NODE_REFUSALS = {
  TOKEN_REQUESTER_UNKNOWN: 'a token request from the node itself or from a member it does not know',
  TOKEN_SLOT_NOT_CURRENT: 'a token request for a slot other than the current one',
  TOKEN_ALREADY_GRANTED: 'a token request for another sequence number from a requester already granted in this slot',
  TOKEN_RATE_LIMITED: 'more token requests in a slot than the node grants',
  VERIFY_QUEUE_FULL: 'a verification queued while the queue is full: the oldest waiting one not urgent is dropped',
  CHECKPOINT_SIGNATURE_INVALID: "a balance checkpoint whose signature is not the aggregator's",
  ACK_MAC_INVALID: 'an offload acknowledgement whose MAC is not under the node\'s token key',
  CAPS_UNAVAILABLE: 'no two caps to approve when a record is to be issued',
  PENDING_UNREADABLE: 'a pending record in flash that no longer decodes',
} as const;

/** How a trade is refused or ends without a commit (firmware/trade.ts). */
export const TRADE_CODES = {
  TRADE_BUSY: 'an order while a trade is under way',
  TRADE_ORDER_INVALID: 'an order for energy or Ecash outside its bounds',
  TRADE_NO_MATCH: 'no match before the order timed out',
  TRADE_ENERGY_NOT_DELIVERED: 'the metered energy fell short of the match',
  TRADE_BUYER_CANNOT_PAY: "the buyer's balance does not cover the match",
  TRADE_TIMEOUT: 'no commit report within the commit wait',
  TRADE_SOLD_MISSING: "the seller's sold record did not reach the buyer within the sold wait",
} as const;

/** A decoding rejection (the codes of Result). */
export type RejectionCode = keyof typeof DECODE_REJECTIONS;
export type ValidationCode = keyof typeof VALIDATION_REJECTIONS;
export type PolicyCode = keyof typeof KEY_AND_SIGNATURE_POLICY;
/** What the ledger answers a record or a member key with, on a board or at the aggregator (its HTTP 4xx codes). */
export type LedgerCode = RejectionCode | ValidationCode | PolicyCode;
export type NodeRefusalCode = keyof typeof NODE_REFUSALS;
/** Every code a light node counts. */
export type NodeCode = LedgerCode | NodeRefusalCode;
export type TradeCode = keyof typeof TRADE_CODES;
export type TradeFailure = Exclude<TradeCode, 'TRADE_BUSY' | 'TRADE_ORDER_INVALID'>;

/** Every code with its meaning: the one table. */
export const LEDGER_CODES: { [code: string]: string } = /* @__PURE__ */ Object.assign({}, DECODE_REJECTIONS, VALIDATION_REJECTIONS, KEY_AND_SIGNATURE_POLICY, NODE_REFUSALS, TRADE_CODES);
export const REJECTION_CODES = /* @__PURE__ */ Object.keys(DECODE_REJECTIONS) as RejectionCode[];

/** The result of decoding or validating outside input: a value, or a rejection code and why. */
export type Result<T> = { ok: true; value: T } | { ok: false; code: RejectionCode; detail: string };

export function reject<T>(code: RejectionCode, detail: string): Result<T> {
  return { ok: false, code: code, detail: detail };
}

export function accept<T>(value: T): Result<T> {
  return { ok: true, value: value };
}

/** Thrown only inside decoders and caught at their public boundary. */
export class Rejection {
  name = 'Rejection';
  message: string;
  constructor(
    public code: RejectionCode,
    public detail: string,
  ) {
    this.message = code + ': ' + detail;
  }
}
