// The hello: member id and next sequence number once every interval, each one pacing one offload.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HELLO } from '../../../firmware/frames';
import { NodePersistence } from '../../../firmware/ledger/persist';
import { createHello } from '../../../firmware/node/hello';
import { createLinks } from '../../../firmware/node/links';
import { MemoryStore } from '../../../host-tools/sim/in-process';
import { recordingLink } from '../../support/node-parts';

test('a hello at the first call and then once an interval, each with one offload', () => {
  const link = recordingLink();
  const persistence = new NodePersistence(new MemoryStore(), 3);
  let offloads = 0;
  const hello = createHello(7, 1000, persistence, createLinks([link]), { sendNext: () => void offloads++, onAck: () => undefined });
  hello(5000);
  hello(5999);
  assert.equal(link.frames(), [{ type: FRAME_HELLO, member: 7, seqNext: 1 }]);
  assert.is(offloads, 1);
  persistence.takeSeq();
  hello(6000);
  assert.equal(link.frames()[1], { type: FRAME_HELLO, member: 7, seqNext: 2 });
  assert.is(offloads, 2);
});

test.run();
