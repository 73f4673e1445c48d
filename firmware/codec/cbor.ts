// Deterministic CBOR (RFC 8949 §4.2.1) for exactly the subset the ledger uses: unsigned and negative
// integers up to 2^53 - 1, byte strings, ASCII text strings, arrays and integer-keyed maps. No floats,
// tags, simple values or indefinite lengths. The decoder enforces every rule the encoder follows
// (shortest arguments, sorted unique keys, no trailing bytes) and bounds depth and item count, so one
// value has exactly one encoding. cbor-x does the same job on the host; this one fits a 180 KB board.
import { Rejection } from '../rejections';
import { copyBytes } from '../bytes';

/** An integer-keyed map. Keys are the decimal strings of integers, as JavaScript objects hold them. */
export type CborMap = { [key: number]: CborValue };
export type CborValue = number | string | Uint8Array | CborValue[] | CborMap;

export const CBOR_DEPTH_MAX = 4;
export const CBOR_ITEMS_MAX = 64;
export const CBOR_INTEGER_MAX = 9007199254740991; // 2^53 - 1: exact in a double on every board
const TWO_POW_32 = 4294967296;

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;

/** Canonical order of integer map keys: RFC 8949 §4.2.1 bytewise order of their encodings. */
export function compareKeys(left: number, right: number): number {
  if (left >= 0 && right >= 0) return left - right;
  if (left < 0 && right < 0) return right - left;
  return left >= 0 ? -1 : 1;
}

function sortedKeys(map: CborMap): number[] {
  const keys = Object.keys(map).map(Number);
  keys.sort(compareKeys);
  return keys;
}

/** A growable byte buffer with a hard upper bound. */
class Writer {
  bytes: Uint8Array;
  length = 0;
  constructor(public capacity: number) {
    this.bytes = new Uint8Array(capacity < 256 ? capacity : 256);
  }
  reserve(count: number) {
    const needed = this.length + count;
    if (needed > this.capacity) throw new Error('CBOR encoding exceeds ' + this.capacity + ' bytes');
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size < this.capacity ? size : this.capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
  byte(value: number) {
    // reserve() only when the buffer is full (length < bytes.length <= capacity otherwise): on Espruino
    // a call is a few microseconds, and an encoding writes a byte at a time.
    if (this.length >= this.bytes.length) this.reserve(1);
    this.bytes[this.length++] = value;
  }
  head(major: number, argument: number) {
    const top = major << 5;
    if (argument < 24) this.byte(top | argument);
    else if (argument < 0x100) {
      this.byte(top | 24);
      this.byte(argument);
    } else if (argument < 0x10000) {
      this.byte(top | 25);
      this.byte(argument >>> 8);
      this.byte(argument & 0xff);
    } else if (argument < TWO_POW_32) {
      this.byte(top | 26);
      this.uint32(argument);
    } else {
      this.byte(top | 27);
      this.uint32(Math.floor(argument / TWO_POW_32));
      this.uint32(argument % TWO_POW_32);
    }
  }
  uint32(value: number) {
    this.byte((value >>> 24) & 0xff);
    this.byte((value >>> 16) & 0xff);
    this.byte((value >>> 8) & 0xff);
    this.byte(value & 0xff);
  }
  raw(data: Uint8Array) {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }
}

function encodeInto(writer: Writer, value: CborValue, depth: number) {
  if (depth > CBOR_DEPTH_MAX) throw new Error('CBOR nested beyond ' + CBOR_DEPTH_MAX);
  if (typeof value === 'number') {
    if (value !== Math.floor(value) || value > CBOR_INTEGER_MAX || value < -CBOR_INTEGER_MAX) {
      throw new Error('CBOR subset encodes only safe integers, got ' + value);
    }
    if (value >= 0) writer.head(MAJOR_UNSIGNED, value);
    else writer.head(MAJOR_NEGATIVE, -1 - value);
  } else if (typeof value === 'string') {
    writer.head(MAJOR_TEXT, value.length);
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index);
      if (code > 0x7f) throw new Error('CBOR text not ASCII');
      writer.byte(code);
    }
  } else if (value instanceof Uint8Array) {
    writer.head(MAJOR_BYTES, value.length);
    writer.raw(value);
  } else if (Array.isArray(value)) {
    writer.head(MAJOR_ARRAY, value.length);
    for (let index = 0; index < value.length; index++) encodeInto(writer, value[index], depth + 1);
  } else {
    const keys = sortedKeys(value);
    writer.head(MAJOR_MAP, keys.length);
    for (let index = 0; index < keys.length; index++) {
      encodeInto(writer, keys[index], depth + 1);
      encodeInto(writer, value[keys[index]], depth + 1);
    }
  }
}

/**
 * Encodes a value deterministically. Throws on a value outside the subset or longer than bytesMax:
 * values come from the node itself, so that is a bug, not bad input.
 */
export function encodeCbor(value: CborValue, bytesMax: number): Uint8Array {
  const writer = new Writer(bytesMax);
  encodeInto(writer, value, 0);
  return copyBytes(writer.bytes, 0, writer.length);
}

/** Decoding state: the input, a cursor and the number of items seen so far. */
class Reader {
  offset = 0;
  items = 0;
  constructor(public bytes: Uint8Array) {}
  byte(): number {
    if (this.offset >= this.bytes.length) throw new Rejection('CBOR_TRUNCATED', 'input ends at byte ' + this.offset);
    return this.bytes[this.offset++];
  }
  take(count: number): Uint8Array {
    if (count > this.bytes.length - this.offset) {
      throw new Rejection('CBOR_TRUNCATED', 'string of ' + count + ' bytes runs past the input');
    }
    const start = this.offset;
    this.offset += count;
    return copyBytes(this.bytes, start, this.offset);
  }
  uint32(): number {
    return this.byte() * 0x1000000 + ((this.byte() << 16) | (this.byte() << 8) | this.byte());
  }
}

/** Reads an argument in its shortest form (RFC 8949 §4.2.1: preferred serialization). */
function readArgument(reader: Reader, info: number): number {
  if (info < 24) return info;
  let value: number;
  let smallest: number;
  if (info === 24) {
    value = reader.byte();
    smallest = 24;
  } else if (info === 25) {
    value = (reader.byte() << 8) | reader.byte();
    smallest = 0x100;
  } else if (info === 26) {
    value = reader.uint32();
    smallest = 0x10000;
  } else if (info === 27) {
    const high = reader.uint32();
    const low = reader.uint32();
    if (high >= 0x200000) throw new Rejection('CBOR_INTEGER_TOO_LARGE', 'argument above 2^53 - 1');
    value = high * TWO_POW_32 + low;
    smallest = TWO_POW_32;
  } else if (info === 31) {
    throw new Rejection('CBOR_INDEFINITE_LENGTH', 'indefinite length at byte ' + (reader.offset - 1));
  } else {
    throw new Rejection('CBOR_UNSUPPORTED_TYPE', 'reserved additional information ' + info);
  }
  if (value < smallest) throw new Rejection('CBOR_NONCANONICAL', 'argument ' + value + ' not in its shortest form');
  return value;
}

function decodeItem(reader: Reader, depth: number): CborValue {
  if (depth > CBOR_DEPTH_MAX) throw new Rejection('CBOR_TOO_DEEP', 'nested deeper than ' + CBOR_DEPTH_MAX);
  if (++reader.items > CBOR_ITEMS_MAX) throw new Rejection('CBOR_TOO_MANY_ITEMS', 'more than ' + CBOR_ITEMS_MAX + ' items');
  const initial = reader.byte();
  const major = initial >> 5;
  const info = initial & 0x1f;
  if (major === 6 || major === 7) {
    throw new Rejection('CBOR_UNSUPPORTED_TYPE', 'major type ' + major + ' (tag, float or simple value)');
  }
  // Most arguments sit in the initial byte: no call for them (a call is microseconds on Espruino).
  const argument = info < 24 ? info : readArgument(reader, info);
  if (major === MAJOR_UNSIGNED) return argument;
  if (major === MAJOR_NEGATIVE) {
    if (argument >= CBOR_INTEGER_MAX) throw new Rejection('CBOR_INTEGER_TOO_LARGE', 'negative integer below -(2^53 - 1)');
    return -1 - argument;
  }
  if (major === MAJOR_BYTES) return reader.take(argument);
  if (major === MAJOR_TEXT) {
    const raw = reader.take(argument);
    let text = '';
    for (let index = 0; index < raw.length; index++) {
      if (raw[index] > 0x7f) throw new Rejection('CBOR_TEXT_NOT_ASCII', 'text byte ' + raw[index]);
      text += String.fromCharCode(raw[index]);
    }
    return text;
  }
  if (argument > CBOR_ITEMS_MAX) throw new Rejection('CBOR_TOO_MANY_ITEMS', 'container of ' + argument + ' items');
  if (major === MAJOR_ARRAY) {
    const list: CborValue[] = [];
    for (let index = 0; index < argument; index++) list.push(decodeItem(reader, depth + 1));
    return list;
  }
  const map: CborMap = {};
  let previous = 0;
  for (let index = 0; index < argument; index++) {
    const key = decodeItem(reader, depth + 1);
    if (typeof key !== 'number') throw new Rejection('CBOR_MAP_KEY_TYPE', 'map key is not an integer');
    if (index > 0) {
      const order = compareKeys(previous, key);
      if (order === 0) throw new Rejection('CBOR_DUPLICATE_KEY', 'key ' + key + ' appears twice');
      if (order > 0) throw new Rejection('CBOR_MAP_UNSORTED', 'key ' + key + ' after ' + previous);
    }
    previous = key;
    map[key] = decodeItem(reader, depth + 1);
  }
  return map;
}

/**
 * Decodes exactly one canonical item filling the whole input. Throws Rejection (caught by the
 * record and frame decoders, which return it as a code); checks the length before anything else.
 */
export function decodeCborStrict(bytes: Uint8Array, bytesMax: number): CborValue {
  if (bytes.length > bytesMax) throw new Rejection('CBOR_TOO_LONG', bytes.length + ' bytes, at most ' + bytesMax);
  const reader = new Reader(bytes);
  const value = decodeItem(reader, 0);
  if (reader.offset !== bytes.length) {
    throw new Rejection('CBOR_TRAILING_BYTES', bytes.length - reader.offset + ' bytes after the item');
  }
  return value;
}

/**
 * Where the canonical item that starts at `offset` ends, or -1 when no such item starts there: for
 * splitting items that lie back to back (frames a radio kept one after another). Bounded as a decode.
 */
export function cborItemEnd(bytes: Uint8Array, offset: number): number {
  const reader = new Reader(bytes);
  reader.offset = offset;
  try {
    decodeItem(reader, 0);
    return reader.offset;
  } catch (error) {
    return -1;
  }
}

export function isMap(value: CborValue): value is CborMap {
  return typeof value === 'object' && !(value instanceof Uint8Array) && !Array.isArray(value);
}
