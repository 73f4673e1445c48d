// The validation bench's program for a board: the firmware's own record, signing and validation code,
// bundled like the firmware, with a global `bench` the host drives and `smartchain.stats()` counting
// tweetnacl operations for the emulator's cost model (the same counters the light node keeps).
import nacl from 'tweetnacl';
import { keyPairFromSeed, recordId, signDetached } from '../../firmware/crypto/ed25519';
import { ScalarBaseJob, VerifyJob, fieldOps, secretScalar, verifyFast } from '../../firmware/crypto/fast-verify';
import { NonceStock } from '../../firmware/crypto/nonces';
import { copyBytes } from '../../firmware/bytes';
import { VerifiedCache } from '../../firmware/crypto/verified-cache';
import { KIND_SOLD, LedgerRecord, bytesToSign, decodeRecord, encodePayload, encodeRecord, RECORD_BYTES_MAX } from '../../firmware/records';

const counts = { crypto_verify: 0, crypto_sign: 0, crypto_hash: 0, crypto_field_ops: 0 };
const seed = new Uint8Array(32);
for (let index = 0; index < 32; index++) seed[index] = index + 1;
const keys = keyPairFromSeed(seed);
const caps: Uint8Array[] = [];
const files: { [key: string]: Uint8Array } = {};
const store = {
  read: function (key: string) {
    return files[key] !== undefined ? files[key] : null;
  },
  write: function (key: string, value: Uint8Array) {
    files[key] = copyBytes(value, 0);
  },
  remove: function (key: string) {
    delete files[key];
  },
};
let entropy = 7;
const stock = new NonceStock(store, seed, keys.publicKey, 4, function (count: number) {
  const out = new Uint8Array(count);
  for (let index = 0; index < count; index++) out[index] = (entropy = (entropy * 1103515245 + 12345) & 0x7fffffff) & 255;
  return out;
});
const cache = new VerifiedCache(8, 16);
/** Each cap's id, computed once when it arrived (as the node does in onRecord). */
const capIds: Uint8Array[] = [];
type Job = { step(units: number): boolean; operations(): number; hashes?(): number };
let job: Job | null = null;

/** One slice of the job under way, its work counted; 1 when the job is done. */
function slice(units: number): number {
  const current = job as Job;
  const operations = current.operations();
  const hashes = current.hashes ? current.hashes() : 0;
  const done = current.step(units);
  counts.crypto_field_ops += current.operations() - operations;
  counts.crypto_hash += (current.hashes ? current.hashes() : 0) - hashes;
  return done ? 1 : 0;
}

function decoded(bytes: Uint8Array) {
  const result = decodeRecord(bytes, RECORD_BYTES_MAX);
  if (!result.ok) throw new Error(result.code);
  return result.value;
}

function record(seq: number): LedgerRecord {
  const ref = new Uint8Array(16);
  return { kind: KIND_SOLD, issuer: 12, seq: seq, timeMs: 1795000000000 + seq, parents: [ref, ref], pot: [3, 9], energyWh: 7500, ecash: 2250, counterparty: 5, ref: ref };
}

function signRecord(seq: number): Uint8Array {
  const payload = encodePayload(record(seq));
  counts.crypto_sign++;
  const signature = signDetached(bytesToSign(payload), keys.secretKey);
  counts.crypto_hash++;
  recordId(payload, signature);
  return encodeRecord(payload, signature, []);
}

function validate(bytes: Uint8Array): boolean {
  const decoded = decodeRecord(bytes, RECORD_BYTES_MAX);
  if (!decoded.ok) return false;
  counts.crypto_hash++;
  recordId(decoded.value.payload, decoded.value.signature);
  const before = fieldOps.multiplications + fieldOps.squarings;
  const valid = verifyFast(bytesToSign(decoded.value.payload), decoded.value.signature, keys.publicKey, 1000000);
  counts.crypto_field_ops += fieldOps.multiplications + fieldOps.squarings - before;
  return valid;
}

const bench = {
  prepare: function () {
    caps.push(signRecord(1), signRecord(2));
  },
  sign: function (seq: number) {
    return signRecord(seq).length;
  },
  /** One cap validated cold: decode, id, one verification (the rp2040 bench's single verify). */
  verifyCap: function (index: number) {
    return validate(caps[index]);
  },
  validateTwoCaps: function () {
    return validate(caps[0]) && validate(caps[1]);
  },
  issueRecord: function (seq: number) {
    return validate(caps[0]) && validate(caps[1]) && signRecord(seq).length > 0;
  },
  /** Background verification of cap `index`, a slice per call; the id is cached once it verified. */
  verifyStart: function (index: number) {
    const value = decoded(caps[index]);
    // The id, as the node computes it when the record arrives, before verifying it.
    capIds[index] = recordId(value.payload, value.signature);
    job = new VerifyJob(bytesToSign(value.payload), value.signature, keys.publicKey);
    return 0;
  },
  verifyStep: function (units: number, index: number) {
    const done = slice(units);
    if (done === 1 && (job as VerifyJob).valid()) cache.add(capIds[index]);
    return done;
  },
  /** Key derivation ([a]B of the seed's scalar), a slice per call. */
  deriveStart: function () {
    job = new ScalarBaseJob(secretScalar(seed));
    return 0;
  },
  deriveStep: function (units: number) {
    return slice(units);
  },
  /** Nonce precomputation, a slice per call; the stock's size once done. */
  nonceStart: function () {
    job = stock;
    return stock.count();
  },
  nonceStep: function (units: number) {
    slice(units);
    return stock.count();
  },
  /**
   * Validating two caps verified in the background, as the node does: decode, and the id (computed once
   * when the record arrived) found in the verified-once cache.
   */
  validateTwoCapsWarm: function () {
    for (let index = 0; index < 2; index++) {
      decoded(caps[index]);
      if (!cache.has(capIds[index])) return false;
    }
    return true;
  },
  /** The same from the bytes alone: each record's id computed again (a SHA-512 each). */
  validateTwoCapsRehashed: function () {
    for (let index = 0; index < 2; index++) {
      const value = decoded(caps[index]);
      counts.crypto_hash++;
      if (!cache.has(recordId(value.payload, value.signature))) return false;
    }
    return true;
  },
  /** One online signature from the stock: a record's payload encoded and signed (one SHA-512, mod L). */
  signOnline: function (seq: number) {
    const payload = encodePayload(record(seq));
    counts.crypto_hash++;
    return stock.sign(bytesToSign(payload)) !== null;
  },
  /** The trade-time path: validate two caps (verified in the background), sign one record online, its id. */
  tradeTime: function (seq: number) {
    if (!bench.validateTwoCapsWarm()) return false;
    const payload = encodePayload(record(seq));
    const signature = stock.sign(bytesToSign(payload));
    if (signature === null) return false;
    counts.crypto_hash += 2;
    recordId(payload, signature);
    return encodeRecord(payload, signature, []).length > 0;
  },
  /**
   * The trade-time path as the node runs it (firmware/node/issue.ts complete()): caps picked by id from
   * the window (no decoding), the payload encoded and signed online, then its id and the envelope twice
   * (stored with its tokens, broadcast without; no tokens here).
   */
  tradeTimeNode: function (seq: number) {
    const payload = encodePayload(record(seq));
    const signature = stock.sign(bytesToSign(payload));
    if (signature === null) return false;
    counts.crypto_hash += 2;
    recordId(payload, signature);
    return encodeRecord(payload, signature, []).length > 0 && encodeRecord(payload, signature, []).length > 0;
  },
  naive: function (seq: number) {
    // Plain tweetnacl, no policy, no codec: verify twice, sign once.
    const message = bytesToSign(encodePayload(record(seq)));
    const signature = nacl.sign.detached(message, keys.secretKey);
    counts.crypto_verify += 2;
    counts.crypto_sign++;
    return nacl.sign.detached.verify(message, signature, keys.publicKey) && nacl.sign.detached.verify(message, signature, keys.publicKey);
  },
};

const scope = globalThis as unknown as { bench: unknown; smartchain: unknown };
scope.bench = bench;
scope.smartchain = { stats: function () { return counts; } };
