// COSE_Sign1 (RFC 9052 §4.2) with EdDSA (alg -8), tagged 18, as the envelope of every ledger record.
// The protected header is always exactly {1: -8}; the unprotected header is empty, or carries the
// proof-of-time tokens under the private label TOKENS_LABEL (RFC 9052 §3.1, labels below -65536 are
// for private use). The issuer's signature covers the Sig_structure (RFC 9052 §4.4), so tokens can be
// stripped for the radio without changing the record's id.
import { CborValue, decodeCborStrict, encodeCbor, isMap } from './cbor';
import { Rejection } from '../rejections';
import { RECORD_WITH_TOKENS_BYTES_MAX, SIGNATURE_BYTES } from '../protocol';
import { concat } from '../bytes';

export const COSE_SIGN1_TAG_BYTE = 0xd2; // tag 18, one byte
export const PROTECTED_HEADER = new Uint8Array([0xa1, 0x01, 0x27]); // {1: -8}: EdDSA
export const TOKENS_LABEL = -65537;

export type Sign1 = { payload: Uint8Array; signature: Uint8Array; tokens: Uint8Array[] };

/**
 * The deterministic encoding of ["Signature1", protected, external_aad = h''] as the start of the
 * four-item array, so a Sig_structure is these bytes, the payload's byte-string head and the payload:
 * on Espruino, whose interpreter reads every statement of a generic encoder, two native copies instead
 * of the encoder's walk (0.6 ms a record on the Linux build).
 */
const SIG_STRUCTURE_START = new Uint8Array([0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31, 0x43, 0xa1, 0x01, 0x27, 0x40]);
/** Tag 18, an array of four, the protected header as a byte string (RFC 9052 §4.2). */
const SIGN1_START = new Uint8Array([COSE_SIGN1_TAG_BYTE, 0x84, 0x43, 0xa1, 0x01, 0x27]);
const EMPTY_MAP = 0xa0;
/** The signature's byte-string head: 64 bytes (RFC 8949 §3.1, one-byte argument). */
const SIGNATURE_HEAD = new Uint8Array([0x58, SIGNATURE_BYTES]);

/** The shortest head of a byte string of this length (RFC 8949 §4.2.1); lengths here stay below 2^16. */
function bytesHead(length: number): Uint8Array {
  if (length < 24) return new Uint8Array([0x40 | length]);
  if (length < 0x100) return new Uint8Array([0x58, length]);
  if (length < 0x10000) return new Uint8Array([0x59, length >> 8, length & 0xff]);
  throw new Error('a byte string of ' + length + ' bytes is beyond any record');
}

/** The bytes the issuer signs: ["Signature1", protected, external_aad = h'', payload] (RFC 9052 §4.4). */
export function sigStructure(payload: Uint8Array): Uint8Array {
  return concat([SIG_STRUCTURE_START, bytesHead(payload.length), payload]);
}

/** Wraps a signed payload; tokens go in the unprotected header, each one an encoded token. */
export function encodeSign1(payload: Uint8Array, signature: Uint8Array, tokens: Uint8Array[]): Uint8Array {
  if (signature.length !== SIGNATURE_BYTES) throw new Error('Ed25519 signature must be 64 bytes');
  // The same bytes the encoder gives for [protected, unprotected, payload, signature] after the tag,
  // put together from their deterministic parts (test/firmware/cose.test.ts compares the two).
  let unprotected: Uint8Array = new Uint8Array([EMPTY_MAP]);
  if (tokens.length > 0) {
    const map: { [key: number]: CborValue } = {};
    map[TOKENS_LABEL] = tokens;
    unprotected = encodeCbor(map, RECORD_WITH_TOKENS_BYTES_MAX);
  }
  const out = concat([SIGN1_START, unprotected, bytesHead(payload.length), payload, SIGNATURE_HEAD, signature]);
  if (out.length > RECORD_WITH_TOKENS_BYTES_MAX) throw new Error('CBOR encoding exceeds ' + RECORD_WITH_TOKENS_BYTES_MAX + ' bytes');
  return out;
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}

/** Decodes the envelope strictly; throws Rejection (caught by decodeRecord). */
export function decodeSign1(bytes: Uint8Array, bytesMax: number, tokensMax: number): Sign1 {
  if (bytes.length > bytesMax) throw new Rejection('CBOR_TOO_LONG', bytes.length + ' bytes, at most ' + bytesMax);
  if (bytes.length < 1 || bytes[0] !== COSE_SIGN1_TAG_BYTE) throw new Rejection('COSE_NOT_SIGN1', 'missing tag 18');
  const body = decodeCborStrict(bytes.subarray(1), bytesMax);
  if (!Array.isArray(body) || body.length !== 4) throw new Rejection('COSE_NOT_SIGN1', 'not an array of four');
  const protectedHeader = body[0];
  const unprotected = body[1];
  const payload = body[2];
  const signature = body[3];
  if (!(protectedHeader instanceof Uint8Array) || !sameBytes(protectedHeader, PROTECTED_HEADER)) {
    throw new Rejection('COSE_BAD_PROTECTED_HEADER', 'protected header must be {1: -8}');
  }
  if (!isMap(unprotected)) throw new Rejection('COSE_BAD_UNPROTECTED_HEADER', 'unprotected header is not a map');
  const labels = Object.keys(unprotected);
  const tokens: Uint8Array[] = [];
  if (labels.length > 1 || (labels.length === 1 && Number(labels[0]) !== TOKENS_LABEL)) {
    throw new Rejection('COSE_BAD_UNPROTECTED_HEADER', 'unknown unprotected label');
  }
  if (labels.length === 1) {
    const list = unprotected[TOKENS_LABEL];
    if (!Array.isArray(list) || list.length === 0 || list.length > tokensMax) {
      throw new Rejection('COSE_BAD_UNPROTECTED_HEADER', 'tokens must be 1 to ' + tokensMax + ' byte strings');
    }
    for (let index = 0; index < list.length; index++) {
      const token = list[index];
      if (!(token instanceof Uint8Array)) throw new Rejection('COSE_BAD_UNPROTECTED_HEADER', 'token is not a byte string');
      tokens.push(token);
    }
  }
  if (!(payload instanceof Uint8Array)) throw new Rejection('COSE_NOT_SIGN1', 'payload is not a byte string');
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) {
    throw new Rejection('COSE_BAD_SIGNATURE_LENGTH', 'signature must be 64 bytes');
  }
  return { payload: payload, signature: signature, tokens: tokens };
}
