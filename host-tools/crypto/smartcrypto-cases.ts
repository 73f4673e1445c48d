// Cases for the native smartcrypto module with the answers node:crypto and the shared policy give
// (host-tools/crypto/verify-host.ts): RFC 8032 §7.1 and Wycheproof vectors from test/vectors/, and seeded
// random and mutated ones. The host build (smartcrypto-host.ts) and the image test both run these.
import { createHash, KeyObject } from 'node:crypto';
import { signHost, signingKey } from './host-signing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../random';
import { publicKeyFromSeed, verifyHost } from './verify-host';

export type CryptoCase =
  | { kind: 'verify'; label: string; signature: Uint8Array; message: Uint8Array; publicKey: Uint8Array; expected: boolean }
  | { kind: 'sign'; label: string; message: Uint8Array; secretKey: Uint8Array; expected: Uint8Array }
  | { kind: 'publicKey'; label: string; seed: Uint8Array; expected: Uint8Array }
  | { kind: 'sha512'; label: string; message: Uint8Array; expected: Uint8Array };

const VECTORS = join(import.meta.dirname, '../../test/vectors');
/** L and p (RFC 8032 §5.1), to build encodings that are out of range on purpose. */
const GROUP_ORDER_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const FIELD_PRIME_P = 2n ** 255n - 19n;
/** The longest random message: several records, and more than one SHA-512 block. */
export const RANDOM_MESSAGE_BYTES_MAX = 300;

const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let index = bytes.length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index]);
  return value;
}

function bigIntToLittleEndian(value: bigint, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = Number((value >> BigInt(8 * index)) & 0xffn);
  return bytes;
}

function verifyCase(label: string, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): CryptoCase {
  return { kind: 'verify', label, signature, message, publicKey, expected: verifyHost(message, signature, publicKey) };
}

/** RFC 8032 §7.1: signing and key derivation must give the RFC's bytes, and the signature verifies. */
export function rfc8032Cases(): CryptoCase[] {
  const file = JSON.parse(readFileSync(join(VECTORS, 'rfc8032-ed25519.json'), 'utf8')) as {
    vectors: { name: string; secretKey: string; publicKey: string; message: string; signature: string }[];
  };
  return file.vectors.flatMap((vector): CryptoCase[] => {
    const seed = unhex(vector.secretKey);
    const publicKey = unhex(vector.publicKey);
    const message = unhex(vector.message);
    const signature = unhex(vector.signature);
    return [
      { kind: 'publicKey', label: `RFC 8032 ${vector.name} public key`, seed, expected: publicKey },
      { kind: 'sign', label: `RFC 8032 ${vector.name} sign`, message, secretKey: Uint8Array.from([...seed, ...publicKey]), expected: signature },
      { kind: 'verify', label: `RFC 8032 ${vector.name} verify`, signature, message, publicKey, expected: true },
    ];
  });
}

/** Wycheproof's verification vectors with their own verdicts (node:crypto plus the policy agrees with all 151). */
export function wycheproofCases(): CryptoCase[] {
  const file = JSON.parse(readFileSync(join(VECTORS, 'wycheproof-ed25519_test.json'), 'utf8')) as {
    testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
  };
  return file.testGroups.flatMap((group) =>
    group.tests.map((vector): CryptoCase => ({
      kind: 'verify',
      label: `Wycheproof tcId ${vector.tcId}`,
      signature: unhex(vector.sig),
      message: unhex(vector.msg),
      publicKey: unhex(group.publicKey.pk),
      expected: vector.result === 'valid',
    })),
  );
}

/** Cases that share one key pair: key derivation in node:crypto costs more than a signature. */
const CASES_PER_KEY = 16;

/**
 * Seeded random and mutated cases, one kind per index modulo 16 (a new key pair for each sixteen): valid signatures, a flipped bit of R, S,
 * A or the message, random keys (mostly not points), S + L, R and A encoded with y + p, small-order keys,
 * signing, key derivation and SHA-512 of random lengths.
 */
export function randomCases(count: number, seed: number): CryptoCase[] {
  const random = seededRandom(seed);
  const integer = (below: number) => Math.floor(random() * below);
  const bytes = (length: number) => Uint8Array.from({ length }, () => integer(256));
  const flip = (target: Uint8Array, from: number, to: number) => {
    const copy = target.slice();
    copy[from + integer(to - from)] ^= 1 << integer(8);
    return copy;
  };
  const cases: CryptoCase[] = [];
  let keySeed: Uint8Array = new Uint8Array(0);
  let publicKey: Uint8Array = new Uint8Array(0);
  let privateKey: KeyObject | null = null;
  for (let index = 0; index < count; index++) {
    if (index % CASES_PER_KEY === 0 || privateKey === null) {
      keySeed = bytes(32);
      publicKey = publicKeyFromSeed(keySeed);
      privateKey = signingKey(keySeed);
    }
    const message = bytes(integer(RANDOM_MESSAGE_BYTES_MAX + 1));
    const signature = signHost(message, privateKey);
    const label = `random ${index} (seed ${seed})`;
    const mutation = index % 16;
    if (mutation === 0 || mutation === 1) cases.push(verifyCase(`${label} valid`, signature, message, publicKey));
    else if (mutation === 2) cases.push(verifyCase(`${label} R flipped`, flip(signature, 0, 32), message, publicKey));
    else if (mutation === 3) cases.push(verifyCase(`${label} S flipped`, flip(signature, 32, 64), message, publicKey));
    else if (mutation === 4) cases.push(verifyCase(`${label} A flipped`, signature, message, flip(publicKey, 0, 32)));
    else if (mutation === 5 && message.length > 0) cases.push(verifyCase(`${label} message flipped`, signature, flip(message, 0, message.length), publicKey));
    else if (mutation === 5 || mutation === 6) cases.push(verifyCase(`${label} random A`, signature, message, bytes(32)));
    else if (mutation === 7) {
      // S + L encodes the same scalar: RFC 8032 §5.1.7 and the policy refuse it (tweetnacl would not).
      const s = littleEndianToBigInt(signature.subarray(32)) + GROUP_ORDER_L;
      const malleable = Uint8Array.from([...signature.subarray(0, 32), ...bigIntToLittleEndian(s, 32)]);
      cases.push(verifyCase(`${label} S + L`, malleable, message, publicKey));
    } else if (mutation === 8) {
      // y + p for a y below 19, with either sign bit: a non-canonical encoding of A or of R.
      const encoding = bigIntToLittleEndian(FIELD_PRIME_P + BigInt(integer(19)), 32);
      encoding[31] |= integer(2) << 7;
      if (integer(2) === 0) cases.push(verifyCase(`${label} A = y + p`, signature, message, encoding));
      else cases.push(verifyCase(`${label} R = y + p`, Uint8Array.from([...encoding, ...signature.subarray(32)]), message, publicKey));
    } else if (mutation === 9) {
      // A small-order point (y = 1, -1 or 0, either sign): verification alone does not refuse it.
      const encoding = new Uint8Array(32);
      const which = integer(3);
      if (which === 0) encoding[0] = 1;
      else if (which === 1) encoding.set(bigIntToLittleEndian(FIELD_PRIME_P - 1n, 32));
      encoding[31] |= integer(2) << 7;
      cases.push(verifyCase(`${label} small-order A`, Uint8Array.from([...encoding, ...bytes(31), 0]), message, encoding));
    } else if (mutation === 10) cases.push(verifyCase(`${label} random S`, Uint8Array.from([...signature.subarray(0, 32), ...bytes(32)]), message, publicKey));
    else if (mutation === 11 || mutation === 12) {
      cases.push({ kind: 'sign', label: `${label} sign`, message, secretKey: Uint8Array.from([...keySeed, ...publicKey]), expected: signature });
    } else if (mutation === 13) cases.push({ kind: 'publicKey', label: `${label} public key`, seed: keySeed, expected: publicKey });
    else cases.push({ kind: 'sha512', label: `${label} sha512`, message, expected: new Uint8Array(createHash('sha512').update(message).digest()) });
  }
  return cases;
}
