// The node's metered work: a slice charges the job's field operations and hashes to the counters; a
// record id is SHA-512(payload || signature) cut to 16 bytes, one hash; the links are polled after each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recordId, sha512 } from '../../../firmware/crypto/ed25519';
import { createTally } from '../../../firmware/node/counters';
import { createWork } from '../../../firmware/node/work';

test('a slice charges what the job did in it, with the slice size it was given', () => {
  const tally = createTally();
  const work = createWork(tally.counters, sha512, 5, () => undefined);
  let operations = 0;
  let hashes = 0;
  const given: number[] = [];
  const job = { step: (units: number) => (given.push(units), operations += 7, hashes += 1, operations >= 14), operations: () => operations, hashes: () => hashes };
  assert.is(work.slice(job), false);
  assert.ok(work.slice(job));
  assert.equal(given, [5, 5]);
  assert.is(tally.counters.crypto_field_ops, 14);
  assert.is(tally.counters.crypto_hash, 2);
  assert.ok(work.slice({ step: () => true, operations: () => 0 }), 'a job that does not count hashes');
});

test('a record id is the host recordId, one hash counted', () => {
  const tally = createTally();
  const work = createWork(tally.counters, sha512, 1, () => undefined);
  const payload = new Uint8Array([1, 2, 3]);
  const signature = new Uint8Array(64).fill(2);
  assert.equal(work.recordId(payload, signature), recordId(payload, signature));
  assert.is(tally.counters.crypto_hash, 1);
});

test('the links are polled after each slice and each record id, once the work is done', () => {
  const tally = createTally();
  const events: string[] = [];
  const work = createWork(tally.counters, sha512, 1, () => events.push('poll'));
  work.slice({ step: () => (events.push('step'), false), operations: () => 0 });
  work.recordId(new Uint8Array([1]), new Uint8Array(64));
  assert.equal(events, ['step', 'poll', 'poll']);
});

test('a record id is a Uint8Array where a typed array\'s slice gives a plain Array (Espruino 2v29)', () => {
  const tally = createTally();
  // A hash whose result has Espruino's slice: Array's, returning a plain Array.
  const espruinoLike = (bytes: Uint8Array) => {
    const out = sha512(bytes);
    (out as unknown as { slice: unknown }).slice = function (this: Uint8Array, start: number, end: number) {
      return Array.prototype.slice.call(this, start, end);
    };
    return out;
  };
  const work = createWork(tally.counters, espruinoLike, 1, () => undefined);
  const id = work.recordId(new Uint8Array([1, 2, 3]), new Uint8Array(64).fill(2));
  assert.ok(id instanceof Uint8Array, 'the id is a byte string, as the wire format and the window need');
  assert.is(Buffer.from(id).toString('hex'), Buffer.from(recordId(new Uint8Array([1, 2, 3]), new Uint8Array(64).fill(2))).toString('hex'));
});

test.run();
