// The validation bench's program for a board on native crypto (the pico on our image): the firmware's
// own record code, with SHA-512 and Ed25519 from the image's `smartcrypto` module, as the node uses them
// (boards/common/native-crypto.ts). A global `bench` the host drives: sign a record, verify, validate two
// caps cold (decode, id, verify each), and the trade-time path (those, then sign one record and its id).
import { loadNativeCrypto } from '../../boards/common/native-crypto';
import type { BoardCrypto } from '../../firmware/platform';
import { ID_BYTES, KIND_SOLD, LedgerRecord, RECORD_BYTES_MAX, bytesToSign, decodeRecord, encodePayload, encodeRecord, recordIdInput } from '../../firmware/records';

declare function __runtimeRequire(name: string): unknown;

const loaded = loadNativeCrypto(function () {
  return __runtimeRequire('smartcrypto');
});
if (loaded === null) throw new Error('NATIVE_CRYPTO_MISSING');
const crypto = loaded as Required<BoardCrypto>;
const seed = new Uint8Array(32);
for (let index = 0; index < 32; index++) seed[index] = index + 1;
const publicKey = crypto.publicKey(seed);
const secretKey = new Uint8Array(64);
secretKey.set(seed, 0);
secretKey.set(publicKey, 32);
const caps: Uint8Array[] = [];

function record(seq: number): LedgerRecord {
  const ref = new Uint8Array(16);
  return { kind: KIND_SOLD, issuer: 12, seq: seq, timeMs: 1795000000000 + seq, parents: [ref, ref], pot: [3, 9], energyWh: 7500, ecash: 2250, counterparty: 5, ref: ref };
}

function recordId(payload: Uint8Array, signature: Uint8Array): Uint8Array {
  return crypto.sha512(recordIdInput(payload, signature)).slice(0, ID_BYTES);
}

/** A record signed in one call and its id, as the node issues one. */
function signRecord(seq: number): Uint8Array {
  const payload = encodePayload(record(seq));
  const signature = crypto.sign(bytesToSign(payload), secretKey);
  recordId(payload, signature);
  return encodeRecord(payload, signature, []);
}

/** A record validated cold, as the node does on arrival: decode, its id, the signature (the policy is the module's). */
function validate(bytes: Uint8Array): boolean {
  const decoded = decodeRecord(bytes, RECORD_BYTES_MAX);
  if (!decoded.ok) return false;
  recordId(decoded.value.payload, decoded.value.signature);
  return crypto.verify(decoded.value.signature, bytesToSign(decoded.value.payload), publicKey);
}

const bench = {
  prepare: function () {
    caps.push(signRecord(1), signRecord(2));
  },
  sign: function (seq: number) {
    return signRecord(seq).length;
  },
  verify: function () {
    const decoded = decodeRecord(caps[0], RECORD_BYTES_MAX);
    return decoded.ok && crypto.verify(decoded.value.signature, bytesToSign(decoded.value.payload), publicKey);
  },
  /** One cap validated cold: decode, id, verification (the name the rp2040 bench calls on either program). */
  verifyCap: function (index: number) {
    return validate(caps[index]);
  },
  validateTwoCaps: function () {
    return validate(caps[0]) && validate(caps[1]);
  },
  /** Issuing a record after validating its two caps cold: the trade-time path under the rp2040 bench's name. */
  issueRecord: function (seq: number) {
    return bench.tradeTime(seq);
  },
  /** The trade-time path, cold: validate two caps, sign one record, its id. */
  tradeTime: function (seq: number) {
    return validate(caps[0]) && validate(caps[1]) && signRecord(seq).length > 0;
  },
};

const scope = globalThis as unknown as { bench: unknown; smartchain: unknown };
scope.bench = bench;
// No JS crypto to count: the emulator charges each native call itself.
scope.smartchain = {
  stats: function () {
    return {};
  },
};
