// Offline/online signing: the precomputed [r]B matches tweetnacl's public keys, online signatures are
// ordinary Ed25519 (node:crypto and tweetnacl verify them), every R is distinct over thousands of
// signatures, and a power cut at every write of a precompute-and-sign sequence never reuses a nonce.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { ScalarBaseJob, fieldOps, useBaseComb } from '../../firmware/crypto/fast-verify';
import { NonceStock } from '../../firmware/crypto/nonces';
import { verifyHost } from '../../host-tools/crypto/verify-host';
import { MemoryStore, PowerCut } from '../../host-tools/sim/in-process';
import { createRng, testSeed } from '../support/rng';

test('the sliced fixed-base multiplication gives tweetnacl\'s public key for the clamped secret scalar', () => {
  const rng = createRng(testSeed('scalar base'));
  for (let round = 0; round < 20; round++) {
    const seed = rng.bytes(32);
    const expanded = nacl.hash(seed);
    const scalar = expanded.slice(0, 32);
    scalar[0] &= 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
    const job = new ScalarBaseJob(scalar);
    let steps = 0;
    while (!job.step(24)) steps++;
    assert.equal(job.value(), nacl.sign.keyPair.fromSeed(seed).publicKey);
    assert.ok(steps > 50);
  }
});

/** The field operations of one [r]B job run to its end in slices of 24. */
function scalarBaseOps(scalar: Uint8Array): { value: Uint8Array | null; operations: number } {
  const job = new ScalarBaseJob(scalar);
  while (!job.step(24));
  return { value: job.value(), operations: job.operations() };
}

test('the comb gives the same [r]B in about half the field operations', () => {
  const rng = createRng(testSeed('scalar base comb'));
  const seeds = Array.from({ length: 12 }, () => rng.bytes(32));
  const scalars = seeds.map((seed) => {
    const scalar = nacl.hash(seed).slice(0, 32);
    scalar[0] &= 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
    return scalar;
  });
  // Scalars mod L as a nonce's, and the extremes of the parts' digits.
  scalars.push(new Uint8Array(32).fill(255).map((byte, index) => (index === 31 ? 15 : byte)), new Uint8Array(32).map((_, index) => (index % 8 === 7 ? 128 : 0)));
  // The plain ladder's table first, so that neither count below includes a table's building.
  scalarBaseOps(scalars[0]);
  const plain = scalars.map(scalarBaseOps);
  useBaseComb(true);
  try {
    const built = fieldOps.multiplications + fieldOps.squarings;
    scalarBaseOps(scalars[0]);
    const building = fieldOps.multiplications + fieldOps.squarings - built;
    const comb = scalars.map(scalarBaseOps);
    scalars.forEach((_, index) => {
      assert.equal(comb[index].value, plain[index].value, `scalar ${index}`);
      if (index < seeds.length) assert.equal(comb[index].value, nacl.sign.keyPair.fromSeed(seeds[index]).publicKey);
    });
    const mean = (runs: { operations: number }[]) => Math.round(runs.reduce((sum, run) => sum + run.operations, 0) / runs.length);
    console.log(`  [r]B: ${mean(plain)} field operations plain, ${mean(comb)} with the comb (its tables: ${building - comb[0].operations} once)`);
    assert.ok(mean(comb) < 0.55 * mean(plain), `${mean(comb)} against ${mean(plain)}`);
  } finally {
    useBaseComb(false);
  }
});

function stockFor(store: MemoryStore, seedByte: number, capacity: number, rng = createRng(7)) {
  const seed = new Uint8Array(32).fill(seedByte);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  return { stock: new NonceStock(store, seed, pair.publicKey, capacity, (count) => rng.bytes(count)), pair };
}

function fill(stock: NonceStock): void {
  for (let guard = 0; guard < 100000 && stock.step(64); guard++);
}

test('online signatures verify with node:crypto and tweetnacl; an empty stock says so', () => {
  const store = new MemoryStore();
  const { stock, pair } = stockFor(store, 3, 3);
  fill(stock);
  assert.is(stock.count(), 3);
  for (let index = 0; index < 3; index++) {
    const message = new Uint8Array(120).fill(index);
    const signature = stock.sign(message) as Uint8Array;
    assert.ok(verifyHost(message, signature, pair.publicKey));
    assert.ok(nacl.sign.detached.verify(message, signature, pair.publicKey));
  }
  assert.is(stock.sign(new Uint8Array(4)), null);
  assert.is(stock.fallbacks, 1);
});

test('thousands of signatures, every R distinct', () => {
  const store = new MemoryStore();
  const { stock, pair } = stockFor(store, 4, 1);
  const seen = new Set<string>();
  for (let index = 0; index < 2000; index++) {
    fill(stock);
    const signature = stock.sign(new Uint8Array([index & 255, index >> 8])) as Uint8Array;
    const r = Buffer.from(signature.subarray(0, 32)).toString('hex');
    assert.not.ok(seen.has(r), `R repeated at signature ${index}`);
    seen.add(r);
    if (index % 250 === 0) assert.ok(verifyHost(new Uint8Array([index & 255, index >> 8]), signature, pair.publicKey));
  }
});

test('a power cut at every write never reuses a nonce and every issued signature verifies', () => {
  const run = (cutAt: number) => {
    const store = new MemoryStore();
    const rng = createRng(11);
    const seed = new Uint8Array(32).fill(5);
    const pair = nacl.sign.keyPair.fromSeed(seed);
    const used = new Set<string>();
    let stock = new NonceStock(store, seed, pair.publicKey, 2, (count) => rng.bytes(count));
    store.cutAtWrite = store.writes + cutAt;
    let cuts = 0;
    for (let round = 0; round < 6; round++) {
      try {
        fill(stock);
        const message = new Uint8Array([round]);
        const signature = stock.sign(message);
        if (signature !== null) {
          const r = Buffer.from(signature.subarray(0, 32)).toString('hex');
          assert.not.ok(used.has(r), `nonce reused after a cut at write ${cutAt}`);
          used.add(r);
          assert.ok(verifyHost(message, signature, pair.publicKey));
        }
      } catch (error) {
        assert.ok(error instanceof PowerCut);
        cuts++;
        store.cutAtWrite = Infinity;
        stock = new NonceStock(store, seed, pair.publicKey, 2, (count) => rng.bytes(count));
      }
    }
    return { writes: store.writes, cuts };
  };
  const reference = run(Infinity);
  for (let cutAt = 1; cutAt <= reference.writes; cutAt++) assert.is(run(cutAt).cuts, 1, `cut at write ${cutAt}`);
});

test.run();
