// The log's fsync off the main thread: a group committed by commitDeferred is stored and readable at
// once, its `durable` promise resolves once the log is synced, the connection is back at
// synchronous=FULL for every other write path, and a sync that cannot run rejects its waiters rather
// than leaving them (and their acknowledgements) hanging.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { WalSync } from '../../host-tools/aggregator/wal-sync';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-wal-sync-'));
test.after(() => rmSync(directory, { recursive: true, force: true }));

/** PRAGMA synchronous: 1 is NORMAL, 2 is FULL. */
const FULL = 2;

test('commitDeferred stores a group, resolves once synced, and leaves the connection at FULL', async () => {
  const dbPath = join(directory, 'deferred.sqlite');
  const aggregator = new Aggregator({ dbPath, consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  const keys = [3, 4, 5].map((fill) => keyPairFromSeed(new Uint8Array(32).fill(fill)).publicKey);
  const groups = [];
  for (const key of keys) {
    const membership = aggregator.membershipRecord(key, 100);
    assert.ok(membership.ok);
    if (!membership.ok) return;
    const group = aggregator.commitDeferred([aggregator.prepare(membership.bytes, false)]);
    assert.is(group.results.length, 1);
    assert.ok(group.results[0].ok, JSON.stringify(group.results[0]));
    assert.is(aggregator.db.pragma('synchronous', { simple: true }), FULL);
    groups.push(group);
  }
  // Three groups committed before any sync finished: each promise resolves (one sync may serve several).
  await Promise.all(groups.map((group) => group.durable));
  aggregator.close();
  const reopened = new Aggregator({ dbPath, consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  assert.is(reopened.stats().members, 3);
  reopened.close();
});

test('a log that cannot be opened rejects every waiter, now and later', async () => {
  const sync = new WalSync(join(directory, 'absent', 'store.sqlite-wal'));
  const outcomes = await Promise.allSettled([sync.durable(), sync.durable()]);
  assert.equal(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected']);
  const later = await Promise.allSettled([sync.durable()]);
  assert.is(later[0].status, 'rejected');
  sync.close();
});

test.run();
