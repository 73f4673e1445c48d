// The validation bench's program for a board: the firmware's own record, signing and validation code,
// bundled like the firmware, with a global `bench` the host drives and `smartchain.stats()` counting
// tweetnacl operations for the emulator's cost model (the same counters the light node keeps).
import nacl from 'tweetnacl';
import { keyPairFromSeed, recordId, signDetached } from '../../firmware/crypto/ed25519';
import { fieldOps, verifyFast } from '../../firmware/crypto/fast-verify';
import { KIND_SOLD, LedgerRecord, bytesToSign, decodeRecord, encodePayload, encodeRecord, RECORD_BYTES_MAX } from '../../firmware/records';

const counts = { crypto_verify: 0, crypto_sign: 0, crypto_hash: 0, crypto_field_ops: 0 };
const seed = new Uint8Array(32);
for (let index = 0; index < 32; index++) seed[index] = index + 1;
const keys = keyPairFromSeed(seed);
const caps: Uint8Array[] = [];

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
  validateTwoCaps: function () {
    return validate(caps[0]) && validate(caps[1]);
  },
  issueRecord: function (seq: number) {
    return validate(caps[0]) && validate(caps[1]) && signRecord(seq).length > 0;
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
