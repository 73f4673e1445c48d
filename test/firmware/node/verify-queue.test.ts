// The verification queue: answered at once with one-step verification; otherwise bounded, one job at a
// time advanced in slices, a repeated key queued once, urgent entries next after the one under way, the
// others newest first, a full queue dropping its oldest waiting entry that is not urgent (counted), and
// a held queue starting only urgent jobs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { VerificationJob } from '../../../firmware/node-api';
import type { BoardCrypto } from '../../../firmware/platform';
import { createTally } from '../../../firmware/node/counters';
import { HELD_MAX, RANK_OTHER, RANK_TRADE, RANK_URGENT, VerifyQueue } from '../../../firmware/node/verify-queue';
import { createWork } from '../../../firmware/node/work';

const bytes = (byte: number) => new Uint8Array([byte]);
const sha512 = () => new Uint8Array(64);

/** A job of `slices` steps whose answer is whether the message's first byte is even. */
function startVerify(slices: number) {
  const started: number[] = [];
  const start = (message: Uint8Array): VerificationJob => {
    started.push(message[0]);
    let left = slices;
    let operations = 0;
    return { step: () => (operations += 10, --left <= 0), valid: () => message[0] % 2 === 0, operations: () => operations };
  };
  return { start, started };
}

function sliced(capacity: number, slices = 2) {
  const tally = createTally();
  const jobs = startVerify(slices);
  const queue = new VerifyQueue(capacity, { sha512 } as BoardCrypto, jobs.start, createWork(tally.counters, sha512, 1, () => undefined), tally);
  const answers: string[] = [];
  const enqueue = (key: number, rank = RANK_OTHER) => queue.later(String(key), () => [bytes(key), bytes(0), bytes(0)], (valid) => answers.push(`${key}:${valid}`), rank);
  return { tally, jobs, queue, answers, enqueue };
}

const keys = (queue: VerifyQueue) => Array.from({ length: queue.length }, (_, index) => queue.get(index).key);

test('with one-step verification the answer comes at once, nothing waits', () => {
  const tally = createTally();
  const verify = (signature: Uint8Array, message: Uint8Array) => message[0] === signature[0];
  const queue = new VerifyQueue(2, { sha512, verify } as BoardCrypto, undefined, createWork(tally.counters, sha512, 1, () => undefined), tally);
  const answers: boolean[] = [];
  queue.later('a', () => [bytes(1), bytes(1), bytes(0)], (valid) => answers.push(valid), RANK_OTHER);
  queue.later('b', () => [bytes(1), bytes(2), bytes(0)], (valid) => answers.push(valid), RANK_OTHER);
  assert.equal(answers, [true, false]);
  assert.is(queue.length, 0);
  assert.is(tally.counters.crypto_verify, 2);
});

test('the head advances a slice per call, its field operations charged, and answers when done', () => {
  const { tally, queue, answers, enqueue } = sliced(3, 3);
  enqueue(2);
  enqueue(3);
  assert.is(queue.started(), false, 'nothing starts before the first slice');
  queue.advance();
  assert.ok(queue.started());
  queue.advance();
  assert.equal(answers, []);
  queue.advance();
  assert.equal(answers, ['3:false'], 'the newer first');
  assert.is(tally.counters.crypto_field_ops, 30);
  for (let call = 0; call < 3; call++) queue.advance();
  assert.equal(answers, ['3:false', '2:true']);
  assert.is(queue.length, 0);
  queue.advance();
  assert.equal(answers, ['3:false', '2:true'], 'an empty queue does nothing');
});

test('a key already queued is not queued again; urgent entries go next after the one under way, in their order; the others newest first', () => {
  const { queue, jobs, answers, enqueue } = sliced(5, 2);
  enqueue(2);
  enqueue(2);
  assert.is(queue.length, 1);
  enqueue(4);
  assert.equal(keys(queue), ['4', '2'], 'nothing started: the newest is the head');
  queue.advance();
  enqueue(6);
  enqueue(8, RANK_URGENT);
  enqueue(10, RANK_URGENT);
  assert.equal(keys(queue), ['4', '8', '10', '6', '2'], 'the head under way stays; urgent ones next in turn; then the newest');
  for (let call = 0; call < 9; call++) queue.advance();
  assert.equal(jobs.started, [4, 8, 10, 6, 2]);
  assert.equal(answers, ['4:true', '8:true', '10:true', '6:true', '2:true']);
  enqueue(12);
  enqueue(14, RANK_URGENT);
  assert.is(queue.get(0).key, '14', 'urgent before a waiting entry not yet started');
});

test('trade records go after urgent ones and before the rest, each rank newest first; a full queue drops the oldest of the lowest rank', () => {
  const { queue, enqueue } = sliced(5, 2);
  enqueue(1);
  queue.advance();
  enqueue(2);
  enqueue(3, RANK_TRADE);
  enqueue(4);
  enqueue(5, RANK_URGENT);
  assert.equal(keys(queue), ['1', '5', '3', '4', '2'], 'under way, urgent, trade, then the others newest first');
  enqueue(6, RANK_TRADE);
  assert.equal(keys(queue), ['1', '5', '6', '3', '4'], 'a newer trade record goes first among trade records; the oldest other (2) went');
  enqueue(7);
  enqueue(8);
  assert.equal(keys(queue), ['1', '5', '6', '3', '8'], 'others replace others');
  enqueue(9, RANK_TRADE);
  enqueue(10, RANK_TRADE);
  assert.equal(keys(queue), ['1', '5', '10', '9', '6'], 'trade records push the others out, then the oldest trade record');
});

test('a full queue drops its oldest waiting entry that is not urgent, never the head, and counts it', () => {
  const { tally, queue, enqueue } = sliced(3);
  enqueue(1);
  queue.advance();
  enqueue(2, RANK_URGENT);
  enqueue(3);
  enqueue(4);
  assert.equal(keys(queue), ['1', '2', '4'], 'the oldest waiting (3) went');
  const out: { [name: string]: number | string } = {};
  tally.report(out);
  assert.is(out.rejected_VERIFY_QUEUE_FULL, 1);
  const all = sliced(2);
  all.enqueue(1);
  all.queue.advance();
  all.enqueue(2, RANK_URGENT);
  all.enqueue(3);
  assert.equal(keys(all.queue), ['1', '2'], 'only urgent ones wait: the new one is refused');
});

test('a queue holding HELD_MAX verified records starts no job but an urgent one; a job under way goes on; due says whether a slice would run', () => {
  const { queue, jobs, answers, enqueue } = sliced(4, 2);
  enqueue(2);
  queue.advance();
  queue.held = HELD_MAX - 1;
  assert.ok(queue.due(), 'below HELD_MAX a job may start');
  queue.held = HELD_MAX;
  assert.ok(queue.due(), 'the job under way finishes');
  queue.advance();
  assert.equal(answers, ['2:true']);
  enqueue(4);
  assert.is(queue.due(), false);
  queue.advance();
  assert.equal(jobs.started, [2], 'held: nothing starts');
  enqueue(6, RANK_URGENT);
  assert.ok(queue.due());
  queue.advance();
  queue.advance();
  assert.equal(answers, ['2:true', '6:true'], 'the urgent one runs while held');
  queue.held = 0;
  queue.advance();
  queue.advance();
  assert.equal(answers, ['2:true', '6:true', '4:true']);
  assert.is(queue.due(), false, 'empty');
});

test.run();
