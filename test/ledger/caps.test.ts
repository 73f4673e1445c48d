// The one cap-selection algorithm (firmware/ledger/caps.ts) at the edges of its bounds, over a small
// graph of numbers; the light node's window and the aggregator's recent DAG are covered by their own tests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CapGraph, WINDOW_CAP_BOUNDS, selectCapsIn, walkToCap } from '../../firmware/ledger/caps';
import { RECENT_DAG_CAP_BOUNDS } from '../../host-tools/aggregator/dag';

/** A chain 0 <- 1 <- ... <- length-1: each record's only approver is the next; `usable` says which may be caps. */
function chain(length: number, usable: (record: number) => boolean): CapGraph<number> & { entries: number } {
  return {
    entries: 0,
    entryPoint() {
      this.entries++;
      return 0;
    },
    stepsFrom(record, out) {
      if (record + 1 >= length) return 0;
      out[0] = record + 1;
      return 1;
    },
    weightOf: (record) => length - record,
    usableCap: usable,
  };
}

const scratch = () => ({ approvers: new Int32Array(4), weights: new Float64Array(4) });

test('a walk stops at walkStepsMax steps, or at a record without approvers', () => {
  const graph = chain(1000, () => true);
  assert.is(walkToCap(graph, scratch(), WINDOW_CAP_BOUNDS, 0.5, () => 0.5, 0), WINDOW_CAP_BOUNDS.walkStepsMax);
  assert.is(walkToCap(graph, scratch(), RECENT_DAG_CAP_BOUNDS, 0.5, () => 0.5, 0), RECENT_DAG_CAP_BOUNDS.walkStepsMax);
  assert.is(walkToCap(chain(10, () => true), scratch(), RECENT_DAG_CAP_BOUNDS, 0.5, () => 0.5, 0), 9);
  assert.is(walkToCap(chain(10, () => true), scratch(), { walkStepsMax: 0, walksMax: 1 }, 0.5, () => 0.5, 3), 3);
});

test('a selection makes at most walksMax walks and gives two caps, one twice, or none', () => {
  const none = chain(10, () => false);
  assert.is(selectCapsIn(none, scratch(), WINDOW_CAP_BOUNDS, 0.5, () => 0.5), null);
  assert.is(none.entries, WINDOW_CAP_BOUNDS.walksMax);
  const some = chain(10, () => true);
  assert.equal(selectCapsIn(some, scratch(), RECENT_DAG_CAP_BOUNDS, 0.5, () => 0.5), [9, 9]);
  assert.is(some.entries, 2, 'stops once two caps are found');
  let calls = 0;
  const once = chain(10, () => calls++ === 0);
  assert.equal(selectCapsIn(once, scratch(), { walkStepsMax: 64, walksMax: 3 }, 0.5, () => 0.5), [9, 9], 'the only cap found, twice');
  const empty: CapGraph<number> = { entryPoint: () => null, stepsFrom: () => 0, weightOf: () => 0, usableCap: () => true };
  assert.is(selectCapsIn(empty, scratch(), WINDOW_CAP_BOUNDS, 0.5, () => 0.5), null);
});

test('a step picks approvers by exp(alpha (H - Hmax)): alpha 0 uniform, a large alpha the heaviest', () => {
  // Record 0 has approvers 1 (weight 1) and 2 (weight 5); both are caps.
  const fork: CapGraph<number> = {
    entryPoint: () => 0,
    stepsFrom(record, out) {
      if (record !== 0) return 0;
      out[0] = 1;
      out[1] = 2;
      return 2;
    },
    weightOf: (record) => (record === 2 ? 5 : 1),
    usableCap: () => true,
  };
  const bounds = { walkStepsMax: 8, walksMax: 1 };
  assert.is(walkToCap(fork, scratch(), bounds, 0, () => 0.49, 0), 1);
  assert.is(walkToCap(fork, scratch(), bounds, 0, () => 0.51, 0), 2);
  assert.is(walkToCap(fork, scratch(), bounds, 10, () => 0.01, 0), 2, 'exp(-40) leaves approver 1 almost nothing');
});

test.run();
