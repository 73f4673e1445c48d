// Double spending (paper Fig. 4): a loser paired with the issuer's winning bought record, swapped when
// its branch outweighs the winner's, the swap moving the spend; at most CONFLICTS_MAX pairs tracked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemberTable } from '../../../firmware/ledger/members';
import { FLAG_CONFLICT_LOSER, FLAG_VALID, RecordWindow } from '../../../firmware/ledger/window';
import { createTally } from '../../../firmware/node/counters';
import { CONFLICTS_MAX, createConflicts } from '../../../firmware/node/conflicts';
import { KIND_BOUGHT } from '../../../firmware/records';
import { entry, idOf } from '../../support/node-parts';

test('the loser becomes the winner once its branch is heavier, and the spend moves with it', () => {
  const window = new RecordWindow(16, 4);
  const members = new MemberTable(4);
  members.add(1, new Uint8Array(32).fill(1), 1000);
  members.add(2, new Uint8Array(32).fill(2), 1000);
  const tally = createTally();
  const conflicts = createConflicts(window, members, tally.counters);
  const winner = window.add(entry(1, { kind: KIND_BOUGHT, ecash: 300 }), FLAG_VALID);
  members.recordSpend(1, 300);
  const loser = window.add(entry(2, { kind: KIND_BOUGHT, ecash: 500 }), FLAG_VALID | FLAG_CONFLICT_LOSER);
  conflicts.record(loser, 1);
  conflicts.resolve();
  assert.is(tally.counters.conflicts_swapped, 0, 'equal weights: no swap');
  window.add(entry(3, { issuer: 2, parents: [idOf(2), idOf(2)] }), FLAG_VALID);
  conflicts.resolve();
  assert.is(tally.counters.conflicts_swapped, 1);
  assert.is(window.flags[winner] & FLAG_CONFLICT_LOSER, FLAG_CONFLICT_LOSER);
  assert.is(window.flags[loser] & FLAG_CONFLICT_LOSER, 0);
  assert.is(members.spentSince(1), 500);
  conflicts.resolve();
  assert.is(tally.counters.conflicts_swapped, 1, 'the new winner is heavier: it stays');
});

test('a loser with no winning bought record of its issuer is not paired; past CONFLICTS_MAX pairs none is', () => {
  const window = new RecordWindow(64, 4);
  const members = new MemberTable(4);
  members.add(1, new Uint8Array(32).fill(1), 1000);
  const tally = createTally();
  const conflicts = createConflicts(window, members, tally.counters);
  const lone = window.add(entry(1, { kind: KIND_BOUGHT }), FLAG_VALID | FLAG_CONFLICT_LOSER);
  conflicts.record(lone, 1);
  const winner = window.add(entry(2, { kind: KIND_BOUGHT }), FLAG_VALID);
  const losers: number[] = [];
  for (let index = 0; index <= CONFLICTS_MAX; index++) {
    const loser = window.add(entry(10 + index, { kind: KIND_BOUGHT }), FLAG_VALID | FLAG_CONFLICT_LOSER);
    losers.push(loser);
    conflicts.record(loser, 1);
  }
  // Every loser heavier than the winner: each tracked pair swaps once, the untracked loser does not.
  for (const [index, loser] of losers.entries()) window.add(entry(100 + index, { issuer: 2, parents: [window.idOf(loser), window.idOf(loser)] }), FLAG_VALID);
  conflicts.resolve();
  assert.is(tally.counters.conflicts_swapped, CONFLICTS_MAX);
  assert.is(window.flags[losers[CONFLICTS_MAX]] & FLAG_CONFLICT_LOSER, FLAG_CONFLICT_LOSER, 'the untracked loser stays a loser');
  assert.is(window.flags[lone] & FLAG_CONFLICT_LOSER, FLAG_CONFLICT_LOSER);
  assert.ok(winner >= 0);
});

test.run();
