// Builders for signed test records: random valid records of every kind, signed with tweetnacl.
import { createHash, createPublicKey, verify as cryptoVerify, KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../../host-tools/crypto/host-signing';
import nacl from 'tweetnacl';
import {
  ECASH_MAX, ENERGY_WH_MAX, ID_BYTES, KIND_BOUGHT, KIND_DEMAND, KIND_MEMBERSHIP, KIND_OFFER, KIND_SOLD,
  LedgerRecord, MEMBER_ID_MAX, POT_GRANTERS_MAX, SEQ_MAX, TIME_MS_MAX, TIME_MS_MIN,
  bytesToSign, encodePayload, encodeRecord, recordIdInput,
} from '../../firmware/records';
import type { Rng } from './rng';

export const KINDS = [KIND_MEMBERSHIP, KIND_OFFER, KIND_DEMAND, KIND_SOLD, KIND_BOUGHT];

function pick(rng: Rng, edges: number[], min: number, max: number): number {
  return rng.next() < 0.3 ? edges[rng.int(0, edges.length - 1)] : rng.int(min, max);
}

export function randomRecord(rng: Rng, kind: number): LedgerRecord {
  const issuer = kind === KIND_MEMBERSHIP ? 0 : pick(rng, [1, 23, 24, 255, 256, MEMBER_ID_MAX], 1, MEMBER_ID_MAX);
  const granters: number[] = [];
  const potCount = kind === KIND_MEMBERSHIP ? 0 : rng.int(0, POT_GRANTERS_MAX);
  for (let candidate = rng.int(1, 50); granters.length < potCount; candidate += rng.int(1, 900)) granters.push(candidate);
  const record: LedgerRecord = {
    kind,
    issuer,
    seq: pick(rng, [1, 23, 24, 65535, 65536, SEQ_MAX], 1, SEQ_MAX),
    timeMs: pick(rng, [TIME_MS_MIN, TIME_MS_MAX], TIME_MS_MIN, TIME_MS_MAX),
    parents: [rng.bytes(ID_BYTES), rng.bytes(ID_BYTES)],
    pot: granters,
  };
  if (kind === KIND_MEMBERSHIP) {
    record.member = rng.int(1, MEMBER_ID_MAX);
    record.publicKey = rng.bytes(32);
    record.grantEcash = pick(rng, [0, ECASH_MAX], 0, ECASH_MAX);
    return record;
  }
  record.energyWh = pick(rng, [1, ENERGY_WH_MAX], 1, ENERGY_WH_MAX);
  record.ecash = pick(rng, [0, 4294967295, 4294967296, ECASH_MAX], 0, ECASH_MAX);
  if (kind === KIND_SOLD || kind === KIND_BOUGHT) {
    record.counterparty = issuer === 1 ? 2 : 1;
    record.ref = rng.bytes(ID_BYTES);
  }
  return record;
}

export type TestKey = { seed: Uint8Array; publicKey: Uint8Array; secretKey: Uint8Array; privateKeyObject: KeyObject };

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function testKey(byte: number): TestKey {
  const seed = new Uint8Array(32).fill(byte);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  const privateKeyObject = signingKey(seed);
  return { seed, publicKey: pair.publicKey, secretKey: pair.secretKey, privateKeyObject };
}

/** Ed25519 with node:crypto: the same signatures as tweetnacl, a hundred times faster on the host. */
export function signFast(message: Uint8Array, key: TestKey): Uint8Array {
  return signHost(message, key.privateKeyObject);
}

export function verifyFast(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  const keyObject = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return cryptoVerify(null, message, keyObject, signature);
}

export function signRecord(record: LedgerRecord, key: TestKey, tokens: Uint8Array[] = []) {
  const payload = encodePayload(record);
  const signature = signFast(bytesToSign(payload), key);
  const bytes = encodeRecord(payload, signature, tokens);
  const id = new Uint8Array(createHash('sha512').update(recordIdInput(payload, signature)).digest().subarray(0, ID_BYTES));
  return { bytes, payload, signature, id };
}

export { KIND_BOUGHT, KIND_DEMAND, KIND_MEMBERSHIP, KIND_OFFER, KIND_SOLD };
