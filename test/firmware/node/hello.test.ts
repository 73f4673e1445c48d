// The hello: member id and next sequence number once every interval, each one pacing one offload.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HELLO } from '../../../firmware/frames';
import { NodePersistence } from '../../../firmware/ledger/persist';
import { createHello } from '../../../firmware/node/hello';
import { createLinks } from '../../../firmware/node/links';
import { MemoryStore } from '../../../host-tools/sim/in-process';
import { recordingLink } from '../../support/node-parts';

test('the first hello at the member\'s phase of the interval, then once an interval, each with one offload', () => {
  const link = recordingLink();
  const persistence = new NodePersistence(new MemoryStore(), 3);
  let offloads = 0;
  const hello = createHello(8, 1000, persistence, createLinks([link]), { sendNext: () => void offloads++, onAck: () => undefined });
  // Member 8 of HELLO_PHASES = 32: a quarter of the interval after the first call.
  hello(5000);
  hello(5249);
  assert.equal(link.frames(), []);
  hello(5250);
  hello(6249);
  assert.equal(link.frames(), [{ type: FRAME_HELLO, member: 8, seqNext: 1 }]);
  assert.is(offloads, 1);
  persistence.takeSeq();
  hello(6250);
  assert.equal(link.frames()[1], { type: FRAME_HELLO, member: 8, seqNext: 2 });
  assert.is(offloads, 2);
});

test('members a phase apart say hello a phase apart', () => {
  const times: number[] = [];
  for (const member of [1, 2, 33]) {
    const link = recordingLink();
    const hello = createHello(member, 3200, new NodePersistence(new MemoryStore(), 3), createLinks([link]), { sendNext: () => undefined, onAck: () => undefined });
    for (let nowMs = 0; nowMs < 3200 && link.frames().length === 0; nowMs += 50) {
      hello(nowMs);
      if (link.frames().length > 0) times.push(nowMs);
    }
  }
  assert.equal(times, [100, 200, 100]);
});

test.run();
