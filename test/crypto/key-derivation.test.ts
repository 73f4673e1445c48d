// A node not provisioned with its public key derives it a slice per tick (never a whole scalar
// multiplication in one tick), then starts its nonce stock; frames arriving meanwhile are handled first
// and the derivation resumes where it stopped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { ScalarBaseJob, fieldOps, secretScalar, startFastVerify } from '../../firmware/crypto/fast-verify';
import { NonceStock } from '../../firmware/crypto/nonces';
import { createNode } from '../../firmware/node';
import type { Platform } from '../../firmware/platform';
import { jsCrypto } from '../../firmware/crypto/js-crypto';
import { MemoryStore } from '../../host-tools/sim/in-process';

test('the public key is derived in slices of at most one point operation, then the stock fills', () => {
  const seed = new Uint8Array(32).fill(9);
  const store = new MemoryStore();
  let random = 1;
  const platform: Platform = {
    board: 'test', nowMs: () => 0, wallClockMs: () => 1795000000000, storage: store, links: [], log: () => undefined, heapUsedBytes: () => 0, feedWatchdog: () => undefined, crypto: jsCrypto,
    randomBytes: (count) => Uint8Array.from({ length: count }, () => (random = (random * 48271) % 2147483647) & 255),
  };
  const node = createNode(platform, {
    memberId: 1, seed, tokenKey: new Uint8Array(32), heapBytesBudget: 184312, consortiumPublicKey: new Uint8Array(32), aggregatorPublicKey: new Uint8Array(32),
    startVerify: startFastVerify, verifySliceUnits: 1,
    createNonceStock: (kv, secret, publicKey, randomBytes) => new NonceStock(kv, secret, publicKey, 2, randomBytes),
    derivePublicKey: (secret) => new ScalarBaseJob(secretScalar(secret)),
  });
  assert.is(node.publicKey.length, 0, 'not known before the derivation');
  let ticks = 0, longest = 0, total = 0;
  while (node.publicKey.length === 0 && ticks < 10000) {
    // Frames come first: every seventh tick handles one instead, and the derivation resumes after it.
    if (ticks % 7 === 0) node.receive(0, new Uint8Array([0xff, ticks & 0xff]));
    const before = fieldOps.multiplications + fieldOps.squarings;
    node.tick(ticks * 50);
    longest = Math.max(longest, fieldOps.multiplications + fieldOps.squarings - before);
    total += fieldOps.multiplications + fieldOps.squarings - before;
    ticks++;
  }
  assert.equal(node.publicKey, nacl.sign.keyPair.fromSeed(seed).publicKey);
  assert.ok((node.stats().frames_rejected as number) > 40, 'the frames were handled between the slices');
  assert.ok(ticks > 300, `${ticks} ticks`);
  assert.ok(longest <= 10, `longest slice ${longest} field operations`);
  // A fixed-base ladder is about 2,400 field operations (B's table may be built already by an earlier test).
  assert.ok(total > 2000, `${total} field operations`);
  assert.is(node.stats().crypto_field_ops, total, 'every slice charged to the cost model');
  for (let tick = 0; tick < 3000 && store.data.get('nonce1') === undefined; tick++) node.tick(tick * 50);
  assert.ok(store.data.has('nonce0') && store.data.has('nonce1'), 'the nonce stock filled once the key was known');
});

test.run();
