// The firmware's CBOR subset: RFC 8949 Appendix A vectors, byte-for-byte agreement with cbor-x on
// random values, and rejection of every non-canonical or hostile input with its code.
import { Encoder } from 'cbor-x';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CborValue, decodeCborStrict, encodeCbor, isMap } from '../../firmware/codec/cbor';
import { Rejection } from '../../firmware/rejections';
import { createRng, testSeed, Rng } from '../support/rng';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

/** cbor-x as the reference: integer-keyed maps as Map with canonical key order, big integers as BigInt. */
const reference = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false });
function toReference(value: CborValue): unknown {
  if (typeof value === 'number') return Math.abs(value) >= 2 ** 32 ? BigInt(value) : value;
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toReference);
  const keys = Object.keys(value).map(Number).sort((a, b) => (a >= 0 && b >= 0 ? a - b : a < 0 && b < 0 ? b - a : a >= 0 ? -1 : 1));
  return new Map(keys.map((key) => [key, toReference(value[key])]));
}

function decodeCode(bytes: Uint8Array, bytesMax = 4096): string {
  try {
    decodeCborStrict(bytes, bytesMax);
    return 'OK';
  } catch (error) {
    assert.ok(error instanceof Rejection, `decoder threw a non-rejection: ${String(error)}`);
    return (error as Rejection).code;
  }
}

// RFC 8949 Appendix A, the entries inside our subset.
const APPENDIX_A: [CborValue, string][] = [
  [0, '00'], [1, '01'], [10, '0a'], [23, '17'], [24, '1818'], [25, '1819'], [100, '1864'], [1000, '1903e8'],
  [1000000, '1a000f4240'], [1000000000000, '1b000000e8d4a51000'], [-1, '20'], [-10, '29'], [-100, '3863'],
  [-1000, '3903e7'], [new Uint8Array(0), '40'], [unhex('01020304'), '4401020304'], ['', '60'], ['a', '6161'],
  ['IETF', '6449455446'], ['"\\', '62225c'], [[], '80'], [[1, 2, 3], '83010203'], [[1, [2, 3], [4, 5]], '8301820203820405'],
  [Array.from({ length: 25 }, (_, index) => index + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
  [{}, 'a0'], [{ 1: 2, 3: 4 }, 'a201020304'],
];

test('RFC 8949 Appendix A vectors in the subset encode and decode exactly', () => {
  for (const [value, expected] of APPENDIX_A) {
    assert.is(hex(encodeCbor(value, 256)), expected, `encode ${JSON.stringify(value)}`);
    const decoded = decodeCborStrict(unhex(expected), 256);
    assert.is(hex(encodeCbor(decoded, 256)), expected, `round trip ${expected}`);
  }
});

test('RFC 8949 Appendix A vectors outside the subset are rejected with a code', () => {
  const outside: [string, string][] = [
    ['1bffffffffffffffff', 'CBOR_INTEGER_TOO_LARGE'], // 18446744073709551615
    ['c249010000000000000000', 'CBOR_UNSUPPORTED_TYPE'], // bignum tag 2
    ['f90000', 'CBOR_UNSUPPORTED_TYPE'], // half float 0.0
    ['fb3ff199999999999a', 'CBOR_UNSUPPORTED_TYPE'], // 1.1
    ['f4', 'CBOR_UNSUPPORTED_TYPE'], // false
    ['f6', 'CBOR_UNSUPPORTED_TYPE'], // null
    ['5f42010243030405ff', 'CBOR_INDEFINITE_LENGTH'],
    ['9fff', 'CBOR_INDEFINITE_LENGTH'],
    ['bf61610161629f0203ffff', 'CBOR_INDEFINITE_LENGTH'],
    ['62c3bc', 'CBOR_TEXT_NOT_ASCII'], // "ü"
    ['a26161016162820203', 'CBOR_MAP_KEY_TYPE'], // {"a": 1, "b": [2, 3]}
  ];
  for (const [input, code] of outside) assert.is(decodeCode(unhex(input)), code, input);
});

test('non-canonical encodings are rejected', () => {
  const cases: [string, string][] = [
    ['1800', 'CBOR_NONCANONICAL'], // 0 in two bytes
    ['190017', 'CBOR_NONCANONICAL'],
    ['1a0000ffff', 'CBOR_NONCANONICAL'],
    ['1b00000000ffffffff', 'CBOR_NONCANONICAL'],
    ['5800', 'CBOR_NONCANONICAL'], // empty byte string with a one-byte length
    ['a203040102', 'CBOR_MAP_UNSORTED'], // {3: 4, 1: 2}
    ['a201020103', 'CBOR_DUPLICATE_KEY'],
    ['a2200101', 'CBOR_MAP_UNSORTED'], // {-1: 1, 1: ...}: negative keys sort after unsigned ones
    ['0000', 'CBOR_TRAILING_BYTES'],
    ['1c', 'CBOR_UNSUPPORTED_TYPE'], // reserved additional information 28
    ['3bffffffffffffffff', 'CBOR_INTEGER_TOO_LARGE'],
  ];
  for (const [input, code] of cases) assert.is(decodeCode(unhex(input)), code, input);
});

test('length, depth and item bounds are enforced before work is done', () => {
  assert.is(decodeCode(new Uint8Array(20), 10), 'CBOR_TOO_LONG');
  assert.is(decodeCode(unhex('8181818181818101')), 'CBOR_TOO_DEEP');
  assert.is(decodeCode(unhex('9a00010000')), 'CBOR_TOO_MANY_ITEMS'); // an array claiming 65536 items
  assert.is(decodeCode(unhex('5a00010000')), 'CBOR_TRUNCATED'); // a byte string claiming 65536 bytes
  assert.is(decodeCode(new Uint8Array(0)), 'CBOR_TRUNCATED');
  assert.throws(() => encodeCbor(new Uint8Array(100), 50), /exceeds 50 bytes/);
  assert.throws(() => encodeCbor(1.5, 50), /safe integers/);
});

function randomValue(rng: Rng, depth: number): CborValue {
  const choice = rng.int(0, depth >= 2 ? 3 : 5);
  if (choice === 0) {
    const magnitude = [23, 255, 65535, 2 ** 32 - 1, 2 ** 53 - 1][rng.int(0, 4)];
    return rng.next() < 0.2 ? -rng.int(1, magnitude) : rng.int(0, magnitude);
  }
  if (choice === 1) return rng.bytes(rng.int(0, 40));
  if (choice === 2) return Array.from({ length: rng.int(0, 12) }, () => String.fromCharCode(rng.int(32, 126))).join('');
  if (choice === 3) return rng.int(0, 300);
  if (choice === 4) return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
  const map: { [key: number]: CborValue } = {};
  for (let count = rng.int(0, 3); count > 0; count--) map[rng.next() < 0.8 ? rng.int(0, 300) : -rng.int(1, 70000)] = randomValue(rng, depth + 1);
  return map;
}

test('random values encode byte for byte like cbor-x and round-trip', () => {
  const rng = createRng(testSeed('cbor property'));
  for (let round = 0; round < 5000; round++) {
    const value = randomValue(rng, 0);
    const ours = encodeCbor(value, 4096);
    assert.is(hex(ours), hex(reference.encode(toReference(value))), `value ${round}`);
    const back = decodeCborStrict(ours, 4096);
    assert.is(hex(encodeCbor(back, 4096)), hex(ours));
    if (isMap(value)) assert.ok(isMap(back));
  }
});

test('bit flips and truncations never throw anything but a rejection', () => {
  const rng = createRng(testSeed('cbor mutation'));
  for (let round = 0; round < 500; round++) {
    const bytes = encodeCbor(randomValue(rng, 0), 4096);
    for (let cut = 0; cut < bytes.length; cut++) assert.is.not(decodeCode(bytes.subarray(0, cut)), 'OK');
    const flipped = bytes.slice();
    flipped[rng.int(0, flipped.length - 1)] ^= 1 << rng.int(0, 7);
    const code = decodeCode(flipped);
    if (code === 'OK') assert.is(hex(encodeCbor(decodeCborStrict(flipped, 4096), 4096)), hex(flipped));
  }
});

test.run();
