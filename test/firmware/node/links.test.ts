// The node's links: a broadcast reaches every link, and a busy medium defers long slices for at most
// SLICE_DEFERRALS_MAX ticks in a row.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HELLO } from '../../../firmware/frames';
import { SLICE_DEFERRALS_MAX, createLinks } from '../../../firmware/node/links';
import { recordingLink } from '../../support/node-parts';

test('a broadcast is one encoding sent on every link', () => {
  const first = recordingLink();
  const second = recordingLink();
  createLinks([first, second]).broadcast({ type: FRAME_HELLO, member: 4, seqNext: 2 });
  assert.equal(first.frames(), [{ type: FRAME_HELLO, member: 4, seqNext: 2 }]);
  assert.equal(second.sent, first.sent);
});

test('a receiving link makes the links busy, at most SLICE_DEFERRALS_MAX ticks in a row', () => {
  let receiving = true;
  const links = createLinks([recordingLink(), recordingLink({ receiving: () => receiving })]);
  for (let tick = 0; tick < SLICE_DEFERRALS_MAX; tick++) assert.is(links.quiet(), false, `tick ${tick}`);
  assert.is(links.quiet(), true, 'then the slice runs anyway');
  assert.is(links.quiet(), false, 'and the count starts again');
  receiving = false;
  assert.is(links.quiet(), true);
  assert.ok(createLinks([recordingLink()]).quiet(), 'a link that cannot tell is quiet');
});

test.run();
