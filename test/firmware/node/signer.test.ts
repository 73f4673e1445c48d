// The node's keys and signatures: the seed drawn once and kept, a provisioned key used without
// derivation, a sliced derivation, and signing from a nonce stock that asks for precomputation when empty.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyPairFromSeed, verifyDetached } from '../../../firmware/crypto/ed25519';
import { NodePersistence } from '../../../firmware/ledger/persist';
import type { NodeConfig } from '../../../firmware/node-api';
import { createTally } from '../../../firmware/node/counters';
import { createSigner } from '../../../firmware/node/signer';
import { createWork } from '../../../firmware/node/work';
import { testPlatform } from '../../support/node-parts';

const base = { memberId: 1, tokenKey: new Uint8Array(32), heapBytesBudget: 200000, consortiumPublicKey: new Uint8Array(32), aggregatorPublicKey: new Uint8Array(32) };

function signerFor(config: NodeConfig, platform = testPlatform()) {
  const tally = createTally();
  const persistence = new NodePersistence(platform.storage, 3);
  const signer = createSigner(platform, config, persistence, createWork(tally.counters, platform.crypto.sha512, 1, () => undefined), tally.counters);
  return { signer, tally, platform, persistence };
}

test('a seed drawn on first boot is kept: the next boot has the same key', () => {
  const first = signerFor(base);
  first.signer.start();
  const again = signerFor(base, first.platform);
  again.signer.start();
  assert.is(first.signer.publicKey.length, 32);
  assert.equal(again.signer.publicKey, first.signer.publicKey);
  const message = new Uint8Array([1, 2, 3]);
  assert.ok(verifyDetached(message, again.signer.sign(message) as Uint8Array, again.signer.publicKey));
  assert.is(again.tally.counters.crypto_sign, 1);
});

test('a provisioned key of the seed is used as given; one of another seed is not', () => {
  const seed = new Uint8Array(32).fill(4);
  const given = new Uint8Array(32).fill(8);
  const { signer } = signerFor({ ...base, seed, publicKey: given });
  signer.start();
  assert.equal(signer.publicKey, given);
  const other = signerFor({ ...base, seed, publicKey: given }, testPlatform());
  other.persistence.saveSeed(new Uint8Array(32).fill(5));
  const reloaded = signerFor({ ...base, seed, publicKey: given }, other.platform);
  reloaded.signer.start();
  assert.equal(reloaded.signer.publicKey, keyPairFromSeed(new Uint8Array(32).fill(5)).publicKey);
});

test('a sliced derivation completes the key a slice at a time; nothing signs before it', () => {
  const seed = new Uint8Array(32).fill(6);
  let steps = 0;
  const derivePublicKey = () => ({ step: () => ++steps >= 3, value: () => keyPairFromSeed(seed).publicKey, operations: () => steps * 10 });
  const { signer, tally } = signerFor({ ...base, seed, derivePublicKey });
  signer.start();
  assert.ok(signer.deriving);
  assert.is(signer.sign(new Uint8Array([1])), null);
  assert.is(signer.deriveSlice(), false);
  assert.is(signer.deriveSlice(), false);
  assert.ok(signer.deriveSlice());
  assert.is(signer.deriving, false);
  assert.equal(signer.publicKey, keyPairFromSeed(seed).publicKey);
  assert.is(tally.counters.crypto_field_ops, 30);
});

test('with a nonce stock: an empty stock asks for precomputation first, which then goes before verification', () => {
  let stocked = 0;
  let busy = false;
  const createNonceStock = () => ({
    sign: (message: Uint8Array) => (stocked > 0 ? (stocked--, new Uint8Array(64).fill(message[0])) : null),
    step: () => (stocked++, true), operations: () => 0, count: () => stocked, busy: () => busy,
  });
  const { signer, tally } = signerFor({ ...base, createNonceStock });
  signer.start();
  assert.is(signer.precompute(false, false), false, 'nothing wanted, verification waiting: no precomputation');
  assert.is(signer.canSign(), false);
  assert.is(signer.precompute(true, false), false, 'never while a verification is under way');
  assert.ok(signer.precompute(false, false), 'wanted: goes before verification');
  assert.ok(signer.canSign());
  assert.equal(signer.sign(new Uint8Array([7])), new Uint8Array(64).fill(7));
  assert.is(tally.counters.signatures_online, 1);
  assert.is(signer.sign(new Uint8Array([7])), null, 'empty again');
  assert.is(tally.counters.sign_fallbacks, 1);
  assert.ok(signer.precompute(false, true), 'idle: precompute');
  busy = true;
  assert.ok(signer.precompute(false, false), 'a precomputation under way continues');
});

test('a spent nonce is made again before the next verification starts, one nonce and no more', () => {
  // A stock of two whose precomputation takes two slices: the first starts the job, the second stores the nonce.
  let stocked = 2;
  let job = false;
  const createNonceStock = () => ({
    sign: (message: Uint8Array) => (stocked > 0 ? (stocked--, new Uint8Array(64).fill(message[0])) : null),
    step: () => {
      if (!job && stocked >= 2) return false;
      if (job) stocked++;
      job = !job;
      return true;
    },
    operations: () => 0, count: () => stocked, busy: () => job,
  });
  const { signer } = signerFor({ ...base, createNonceStock });
  signer.start();
  assert.is(signer.precompute(false, false), false, 'a full stock: verification goes first');
  assert.ok(signer.sign(new Uint8Array([1])) !== null);
  assert.is(signer.precompute(true, false), false, 'never while a verification is under way');
  assert.ok(signer.precompute(false, false), 'the spent nonce goes before the next verification');
  assert.ok(signer.precompute(false, false));
  assert.is(stocked, 2);
  assert.is(signer.precompute(false, false), false, 'made: verification goes first again');
  // Two spent, one made: the refill stops at one, the stock is left for idle time.
  signer.sign(new Uint8Array([2]));
  signer.sign(new Uint8Array([3]));
  assert.ok(signer.precompute(false, false));
  assert.ok(signer.precompute(false, false));
  assert.is(stocked, 1);
  assert.is(signer.precompute(false, false), false);
  assert.ok(signer.precompute(false, true), 'idle time fills the rest');
});

test.run();
