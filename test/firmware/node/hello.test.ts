// The hello: member id and next sequence number once every interval, each one pacing one offload, due at
// the member's phase of each interval plus a delay in the first half of its phase's slot.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_HELLO } from '../../../firmware/frames';
import { NodePersistence } from '../../../firmware/ledger/persist';
import { HELLO_PHASES, createHello } from '../../../firmware/node/hello';
import { createLinks } from '../../../firmware/node/links';
import { MemoryStore } from '../../../host-tools/sim/in-process';
import { recordingLink } from '../../support/node-parts';

const INTERVAL_MS = 3200;
const SLOT_MS = INTERVAL_MS / HELLO_PHASES;
// Ticks come every millisecond or more, so a hello due at a fraction of one goes out at the next whole one:
// the bounds below are inclusive.

/** The times (ms) at which a member says hello when its tick runs every stepMs from 0 to untilMs, skipping `away`. */
function helloTimes(member: number, untilMs: number, stepMs = 1, away: [number, number] = [0, 0]): { times: number[]; offloads: number } {
  const link = recordingLink();
  let offloads = 0;
  const hello = createHello(member, INTERVAL_MS, new NodePersistence(new MemoryStore(), 3), createLinks([link]), { sendNext: () => void offloads++, onAck: () => undefined });
  const times: number[] = [];
  for (let nowMs = 0; nowMs < untilMs; nowMs += stepMs) {
    if (nowMs >= away[0] && nowMs < away[1]) continue;
    const before = offloads;
    hello(nowMs);
    if (offloads > before) times.push(nowMs);
  }
  assert.equal(link.frames(), times.map(() => ({ type: FRAME_HELLO, member, seqNext: 1 })));
  return { times, offloads };
}

test('a hello each interval at the member\'s phase, in the first half of its slot, each with one offload', () => {
  for (const member of [1, 8, 31]) {
    const { times, offloads } = helloTimes(member, 20 * INTERVAL_MS);
    assert.is(times.length, 20, `member ${member}`);
    assert.is(offloads, 20);
    times.forEach((at, interval) => {
      const nominal = interval * INTERVAL_MS + member * SLOT_MS;
      assert.ok(at >= nominal && at <= nominal + SLOT_MS / 2, `member ${member}, hello ${interval} at ${at}, nominal ${nominal}`);
    });
  }
});

test('a hello sent late does not move the next: the phases do not drift with a board\'s load', () => {
  // Ticks every 700 ms: most hellos go out late, up to 700 ms; each stays within a tick of its nominal time.
  const { times } = helloTimes(4, 50 * INTERVAL_MS, 700);
  assert.ok(times.length >= 49, `${times.length} hellos`);
  times.forEach((at, interval) => {
    const nominal = interval * INTERVAL_MS + 4 * SLOT_MS;
    assert.ok(at >= nominal && at < nominal + SLOT_MS / 2 + 700, `hello ${interval} at ${at}, nominal ${nominal}`);
  });
});

test('members that share a phase say hello at different moments of it', () => {
  const first = helloTimes(1, 40 * INTERVAL_MS).times;
  const second = helloTimes(1 + HELLO_PHASES, 40 * INTERVAL_MS).times;
  assert.is(first.length, 40);
  assert.is(second.length, 40);
  const together = first.filter((at, index) => Math.abs(at - second[index]) < 2).length;
  assert.ok(together <= 4, `${together} of 40 hellos within 2 ms of each other`);
});

test('a board away for several intervals says hello once on its return, then on its nominal times again', () => {
  const { times } = helloTimes(2, 12 * INTERVAL_MS, 1, [INTERVAL_MS, 5 * INTERVAL_MS + 1000]);
  const late = times.filter((at) => at >= 5 * INTERVAL_MS + 1000 && at < 6 * INTERVAL_MS);
  assert.equal(late, [5 * INTERVAL_MS + 1000]);
  for (const at of times.filter((t) => t >= 6 * INTERVAL_MS)) {
    const offset = at % INTERVAL_MS;
    assert.ok(offset >= 2 * SLOT_MS && offset <= 2 * SLOT_MS + SLOT_MS / 2, `hello at ${at}`);
  }
  assert.is(times.filter((t) => t >= 6 * INTERVAL_MS).length, 6);
});

test.run();
