// The node's cap picker: none from an empty window, two valid caps otherwise, the same caps for the same
// random state (a replayable run) and spread over the caps as the state differs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FLAG_VALID, RecordWindow } from '../../../firmware/ledger/window';
import { createCapPicker } from '../../../firmware/node/cap-picker';
import { entry, idOf } from '../../support/node-parts';

test('caps come from the window, replayable from the random state', () => {
  const window = new RecordWindow(16, 4);
  assert.is(createCapPicker(window, 0.5, 1, () => undefined)(), null, 'an empty window has no caps');
  window.add(entry(1), FLAG_VALID);
  for (let byte = 2; byte <= 6; byte++) window.add(entry(byte, { issuer: byte, parents: [idOf(1), idOf(1)] }), FLAG_VALID);
  const seen = new Set<number>();
  for (let state = 1; state <= 40; state++) {
    const caps = createCapPicker(window, 0.5, state, () => undefined)() as Uint8Array[];
    assert.equal(createCapPicker(window, 0.5, state, () => undefined)(), caps, `state ${state} replays`);
    for (const cap of caps) {
      assert.ok(cap[0] >= 2 && cap[0] <= 6, `a cap is a tip: ${cap[0]}`);
      seen.add(cap[0]);
    }
  }
  assert.ok(seen.size >= 3, `spread over the tips: ${[...seen]}`);
});

test('the walk polls the links at each entry point and step', () => {
  const window = new RecordWindow(16, 4);
  window.add(entry(1), FLAG_VALID);
  for (let byte = 2; byte <= 6; byte++) window.add(entry(byte, { issuer: byte, parents: [idOf(byte - 1), idOf(byte - 1)] }), FLAG_VALID);
  let polls = 0;
  assert.ok(createCapPicker(window, 0.5, 3, () => polls++)() !== null);
  // Two walks from the heavy end of a chain of six: each an entry point and at least one step.
  assert.ok(polls >= 4, `polled ${polls} times`);
});

test.run();
