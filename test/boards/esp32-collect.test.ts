// The esp32's garbage collection after work (boards/esp32/collect.ts): a collection, through Espruino's
// process.memory(true), once HASHES_PER_COLLECTION native SHA-512 were made since the last, never before,
// and nothing for hashes on the JS path (they allocate no flat string of their own).
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HASHES_PER_COLLECTION, collectAfterWork } from '../../boards/esp32/collect';
import { sha512, takeNativeSha512Calls, useNativeSha512 } from '../../firmware/crypto/sha512';

const host = (bytes: Uint8Array) => new Uint8Array(createHash('sha512').update(bytes).digest());

/** Runs body with Espruino's process.memory stood in; returns (and hands body) the arguments of each call. */
function withEspruinoMemory(body: (calls: unknown[]) => void): unknown[] {
  const calls: unknown[] = [];
  const target = process as unknown as { memory?: (collect?: boolean) => void };
  target.memory = (collect?: boolean) => void calls.push(collect);
  try {
    body(calls);
  } finally {
    delete target.memory;
    useNativeSha512(null);
  }
  return calls;
}

test('a collection follows the hundredth native hash, not one before, and the count starts again', () => {
  const calls = withEspruinoMemory((seen) => {
    useNativeSha512(host);
    takeNativeSha512Calls();
    const upkeep = collectAfterWork();
    const input = new Uint8Array(166);
    for (let index = 0; index < HASHES_PER_COLLECTION - 1; index++) {
      sha512(input);
      upkeep();
    }
    assert.equal(seen.length, 0, 'no collection before the count');
    sha512(input);
    upkeep();
    assert.equal(seen.length, 1, 'one collection at the count');
    for (let index = 0; index < HASHES_PER_COLLECTION - 1; index++) sha512(input);
    upkeep();
    assert.equal(seen.length, 1, 'the count started again');
  });
  assert.equal(calls, [true], 'process.memory(true): it collects before it counts');
});

test('hashes on the JS path are not counted', () => {
  const calls = withEspruinoMemory(() => {
    takeNativeSha512Calls();
    const upkeep = collectAfterWork();
    for (let index = 0; index < 2 * HASHES_PER_COLLECTION; index++) sha512(new Uint8Array(8));
    upkeep();
  });
  assert.equal(calls.length, 0);
});

test.run();
