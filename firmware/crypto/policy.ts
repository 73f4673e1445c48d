// The signature policy the board and the aggregator share, checked before any curve arithmetic:
// S < L (RFC 8032 §5.1.7; tweetnacl 1.0.3 does not check it, so it would accept malleable signatures
// that node:crypto refuses), canonical encodings of R and A (y < p), and member keys of small order
// refused at registration. Byte strings are little-endian as in RFC 8032 §5.1.2.

/** L = 2^252 + 27742317777372353535851937790883648493, little-endian (RFC 8032 §5.1). */
const GROUP_ORDER_L = [
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/** The y-coordinates (as encoded, sign bit clear) of the eight points of small order (RFC 8032 §5.1.3). */
const SMALL_ORDER_Y_HEX = [
  '0100000000000000000000000000000000000000000000000000000000000000', // order 1: identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2: y = -1
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4: y = 0
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
];

import type { PolicyCode } from '../rejections';
export type { PolicyCode };

/** Little-endian comparison of a 32-byte string with a 32-byte constant: true when value < bound. */
function lessThan(value: Uint8Array, offset: number, bound: number[]): boolean {
  for (let index = 31; index >= 0; index--) {
    const byte = value[offset + index];
    if (byte < bound[index]) return true;
    if (byte > bound[index]) return false;
  }
  return false;
}

/** A point encoding is canonical when its y (the low 255 bits) is below p = 2^255 - 19. */
export function isCanonicalPointEncoding(bytes: Uint8Array, offset: number): boolean {
  // y >= p exactly when the top byte (sign bit cleared) is 0x7f, bytes 30..1 are 0xff and byte 0 >= 0xed.
  if ((bytes[offset + 31] & 0x7f) !== 0x7f) return true;
  for (let index = 30; index >= 1; index--) if (bytes[offset + index] !== 0xff) return true;
  return bytes[offset] < 0xed;
}

/** Checks a signature's encoding: 64 bytes, R canonical, S < L. Returns null or a policy code. */
export function checkSignatureEncoding(signature: Uint8Array): PolicyCode | null {
  if (signature.length !== 64) return 'SIGNATURE_LENGTH';
  if (!lessThan(signature, 32, GROUP_ORDER_L)) return 'SIGNATURE_NONCANONICAL_S';
  if (!isCanonicalPointEncoding(signature, 0)) return 'SIGNATURE_NONCANONICAL_R';
  return null;
}

/** Checks a public key's encoding: 32 bytes, canonical y. */
export function checkKeyEncoding(publicKey: Uint8Array): PolicyCode | null {
  if (publicKey.length !== 32) return 'KEY_LENGTH';
  if (!isCanonicalPointEncoding(publicKey, 0)) return 'KEY_NONCANONICAL';
  return null;
}

function hexByte(text: string, index: number): number {
  return parseInt(text.substr(index * 2, 2), 16);
}

/** True for the encodings of the eight points of small order (either sign of x). */
export function isSmallOrderKey(publicKey: Uint8Array): boolean {
  for (let candidate = 0; candidate < SMALL_ORDER_Y_HEX.length; candidate++) {
    let same = true;
    for (let index = 0; index < 32 && same; index++) {
      const expected = hexByte(SMALL_ORDER_Y_HEX[candidate], index);
      const actual = index === 31 ? publicKey[index] & 0x7f : publicKey[index];
      same = actual === expected;
    }
    if (same) return true;
  }
  return false;
}

/** The registration policy: a member key must be canonical and not of small order. */
export function checkMemberKey(publicKey: Uint8Array): PolicyCode | null {
  const code = checkKeyEncoding(publicKey);
  if (code !== null) return code;
  return isSmallOrderKey(publicKey) ? 'KEY_SMALL_ORDER' : null;
}
