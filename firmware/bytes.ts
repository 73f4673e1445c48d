// Copies of byte ranges that are typed arrays on every board. Espruino 2v29's typed arrays have no
// slice of their own: `slice` there is Array's and returns a plain Array (measured on its Linux build,
// docs/platforms.md E), which a CBOR encoder then takes for an array of integers. So the firmware copies
// through subarray and set, which every runtime has.

/** A new Uint8Array holding source[start, end) (end defaults to the source's length). */
export function copyBytes(source: Uint8Array, start: number, end?: number): Uint8Array {
  const stop = end === undefined ? source.length : end;
  const out = new Uint8Array(stop - start);
  out.set(source.subarray(start, stop));
  return out;
}

/** The parts one after another in a new Uint8Array. */
export function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (let index = 0; index < parts.length; index++) length += parts[index].length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (let index = 0; index < parts.length; index++) {
    out.set(parts[index], offset);
    offset += parts[index].length;
  }
  return out;
}
