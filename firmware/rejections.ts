// Every rejection code the ledger can give, in one place (docs/wire-format.md lists them with their
// meaning). Bad input from a link, flash, a peer or a file is answered with one of these, never a throw.

export const REJECTION_CODES = [
  // CBOR (RFC 8949 §4.2.1 deterministic encoding, our subset)
  'CBOR_TRUNCATED',
  'CBOR_TOO_LONG',
  'CBOR_NONCANONICAL',
  'CBOR_INDEFINITE_LENGTH',
  'CBOR_UNSUPPORTED_TYPE',
  'CBOR_INTEGER_TOO_LARGE',
  'CBOR_MAP_KEY_TYPE',
  'CBOR_MAP_UNSORTED',
  'CBOR_DUPLICATE_KEY',
  'CBOR_TOO_DEEP',
  'CBOR_TOO_MANY_ITEMS',
  'CBOR_TRAILING_BYTES',
  'CBOR_TEXT_NOT_ASCII',
  // COSE_Sign1 envelope (RFC 9052 §4.2)
  'COSE_NOT_SIGN1',
  'COSE_BAD_PROTECTED_HEADER',
  'COSE_BAD_UNPROTECTED_HEADER',
  'COSE_BAD_SIGNATURE_LENGTH',
  // Record payload
  'RECORD_NOT_MAP',
  'RECORD_UNKNOWN_KIND',
  'RECORD_UNKNOWN_FIELD',
  'RECORD_MISSING_FIELD',
  'RECORD_FIELD_TYPE',
  'RECORD_FIELD_RANGE',
  'RECORD_PARENTS',
  'RECORD_POT_GRANTERS',
  // Proof-of-time token
  'TOKEN_MALFORMED',
  // Link frames
  'FRAME_TOO_LONG',
  'FRAME_MALFORMED',
  'FRAME_UNKNOWN_TYPE',
  'FRAME_FIELD',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

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
