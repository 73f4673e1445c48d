// The node's counters: every stats key present from the start, rejections counted by code after them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTally } from '../../../firmware/node/counters';

test('counters start at zero and rejections follow them under rejected_<code>', () => {
  const tally = createTally();
  tally.counters.records_rejected++;
  tally.count('EQUIVOCATION');
  tally.count('EQUIVOCATION');
  tally.count('TOKEN_RATE_LIMITED');
  const out: { [name: string]: number | string } = { member: 3 };
  tally.report(out);
  const keys = Object.keys(out);
  assert.is(keys[0], 'member');
  assert.is(keys[1], 'frames_received');
  assert.equal(keys.slice(-2), ['rejected_EQUIVOCATION', 'rejected_TOKEN_RATE_LIMITED']);
  assert.is(out.records_rejected, 1);
  assert.is(out.rejected_EQUIVOCATION, 2);
  assert.is(out.frames_received, 0);
  assert.is(keys.length, 1 + 26 + 2);
});

test.run();
