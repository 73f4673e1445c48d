// The node's inbox: copies of frames in arrival order with their link, and the drop rule at its capacity
// and for inputs longer than a frame plus a link's framing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_BYTES_MAX } from '../../../firmware/frames';
import { Inbox, LINK_FRAMING_BYTES_MAX } from '../../../firmware/node/inbox';

test('frames come out in order with their link, as copies the sender may reuse', () => {
  const inbox = new Inbox(3);
  const buffer = new Uint8Array([1, 2, 3]);
  assert.ok(inbox.receive(0, buffer));
  buffer[0] = 9;
  assert.ok(inbox.receive(1, buffer));
  assert.equal(inbox.shift(), { link: 0, bytes: new Uint8Array([1, 2, 3]) });
  assert.equal(inbox.shift(), { link: 1, bytes: new Uint8Array([9, 2, 3]) });
  assert.is(inbox.shift(), null);
});

test('a full inbox and an overlong input drop the frame and change nothing', () => {
  const inbox = new Inbox(2);
  assert.ok(inbox.receive(0, new Uint8Array(FRAME_BYTES_MAX + LINK_FRAMING_BYTES_MAX)), 'the longest input accepted');
  assert.is(inbox.receive(0, new Uint8Array(FRAME_BYTES_MAX + LINK_FRAMING_BYTES_MAX + 1)), false, 'one byte more is dropped');
  assert.is(inbox.length, 1);
  assert.ok(inbox.receive(0, new Uint8Array([1])));
  assert.is(inbox.receive(0, new Uint8Array([2])), false, 'full');
  assert.is(inbox.length, 2);
});

test.run();
