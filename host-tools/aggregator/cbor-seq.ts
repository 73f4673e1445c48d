// Splits a CBOR sequence (RFC 8742: items back to back, no framing) into its items without decoding
// them: each item's extent follows from its heads (RFC 8949 §3). Definite lengths only (a record is
// deterministic CBOR, RFC 8949 §4.2.1, which has none other) and nesting at most SEQ_DEPTH_MAX; each
// item is then decoded strictly by the record decoder, which enforces everything else.

export const SEQ_DEPTH_MAX = 8;

export type SplitResult = { ok: true; items: Uint8Array[] } | { ok: false; code: 'BATCH_MALFORMED' | 'BATCH_TOO_MANY' | 'BATCH_EMPTY'; message: string };

/** The offset just past the item starting at `offset`, or -1 when it is truncated, too deep or not definite. */
function itemEnd(bytes: Uint8Array, offset: number, depth: number): number {
  if (depth > SEQ_DEPTH_MAX || offset >= bytes.length) return -1;
  const major = bytes[offset] >> 5;
  const info = bytes[offset] & 31;
  let headBytes = 1;
  let value = info;
  if (info >= 24 && info <= 27) {
    const size = 1 << (info - 24);
    if (offset + 1 + size > bytes.length) return -1;
    value = 0;
    for (let index = 0; index < size; index++) value = value * 256 + bytes[offset + 1 + index];
    headBytes = 1 + size;
  } else if (info > 27) {
    return -1;
  }
  let end = offset + headBytes;
  if (major === 2 || major === 3) end += value;
  else if (major === 4 || major === 5) {
    // Each nested item takes at least one byte, so the loop is bounded by the bytes left.
    const nested = major === 5 ? value * 2 : value;
    if (nested > bytes.length - end) return -1;
    for (let index = 0; index < nested; index++) {
      end = itemEnd(bytes, end, depth + 1);
      if (end < 0) return -1;
    }
  } else if (major === 6) end = itemEnd(bytes, end, depth + 1);
  return end > bytes.length ? -1 : end;
}

/** The items of a sequence, at most `itemsMax` of them; an empty or malformed sequence is refused whole. */
export function splitCborSequence(bytes: Uint8Array, itemsMax: number): SplitResult {
  const items: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (items.length === itemsMax) return { ok: false, code: 'BATCH_TOO_MANY', message: `more than ${itemsMax} records in one batch` };
    const end = itemEnd(bytes, offset, 0);
    if (end < 0) return { ok: false, code: 'BATCH_MALFORMED', message: `item ${items.length} at byte ${offset} is truncated or not definite-length CBOR` };
    items.push(bytes.subarray(offset, end));
    offset = end;
  }
  if (items.length === 0) return { ok: false, code: 'BATCH_EMPTY', message: 'an empty batch' };
  return { ok: true, items };
}
