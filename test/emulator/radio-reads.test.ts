// A busy board's reads of its radio within a call (host-tools/emulator/peripherals/radio-reads.ts): a
// packet that ends while an unread one waits, after a read of the program, waits behind the FIFO and
// reaches the driver, in order, once the one before it is read; with no read between the two ends, both
// reach the chip's FIFO ring, where the driver reads the one before the last. Driven through the real
// SX127x driver against the register model.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSx127x } from '../../boards/drivers/sx127x';
import { GROUP_PACKETS_MAX, RADIO_WAITING_MAX, RadioReads } from '../../host-tools/emulator/peripherals/radio-reads';
import { Sx127xModel } from '../../host-tools/emulator/peripherals/sx127x-model';
import pico from '../../boards/pico/board.json';
import { modelBus } from '../support/sx127x-bus';

function rig() {
  const nowMs = 100;
  const model = new Sx127xModel(() => nowMs);
  const received: number[] = [];
  const radio = createSx127x(modelBus(model), pico.lora, () => nowMs, (payload) => received.push(payload[0]));
  radio.begin();
  return { model, radio, received, reads: new RadioReads() };
}

/** The program back in its event loop: each rise of DIO0 serviced, as the emulator's watch does. */
function drain(model: Sx127xModel, radio: ReturnType<typeof createSx127x>, reads: RadioReads): void {
  for (let round = 0; round <= RADIO_WAITING_MAX; round++) {
    reads.present(model);
    if (!model.takeDio0Rise()) return;
    radio.service();
  }
}

test('a read between two packets keeps both, in order; with no read between, the chip keeps both in its ring', () => {
  const { model, radio, received, reads } = rig();
  // The board is busy from 0 to 1,000 ms; packet 1 ends at 100, packet 2 at 300, a read at 200.
  assert.not.ok(reads.admit(model, new Uint8Array([1]), true, 100, true));
  model.receive(new Uint8Array([1]), true);
  reads.noteRead(200);
  assert.ok(reads.admit(model, new Uint8Array([2]), true, 300, true), 'packet 2 waits behind packet 1');
  // No read after 300: packet 3 reaches the chip with packet 2, after it in the FIFO ring.
  assert.ok(reads.admit(model, new Uint8Array([3]), true, 400, true));
  reads.noteRead(450);
  assert.ok(reads.admit(model, new Uint8Array([4]), true, 500, true));
  assert.is(reads.length, 3);
  drain(model, radio, reads);
  assert.equal(received, [1, 2, 3, 4]);
  assert.is(radio.counts.RADIO_RECOVERED, 1);
  assert.is(model.overwritten, 0);
  assert.is(reads.length, 0);
});

test('a read before the unread packet ended does not count: both go to the chip, which keeps them', () => {
  const { model, radio, received, reads } = rig();
  model.receive(new Uint8Array([0]), true);
  drain(model, radio, reads);
  reads.noteRead(50);
  assert.not.ok(reads.admit(model, new Uint8Array([1]), true, 100, true));
  model.receive(new Uint8Array([1]), true);
  assert.not.ok(reads.admit(model, new Uint8Array([2]), true, 300, true));
  model.receive(new Uint8Array([2]), true);
  drain(model, radio, reads);
  assert.equal(received, [0, 1, 2]);
  assert.is(model.overwritten, 0);
});

test('a free board takes packets as the chip gives them; a reset forgets the waiting ones', () => {
  const { model, radio, received, reads } = rig();
  assert.not.ok(reads.admit(model, new Uint8Array([1]), true, 100, false));
  model.receive(new Uint8Array([1]), true);
  drain(model, radio, reads);
  assert.equal(received, [1]);
  model.receive(new Uint8Array([2]), true);
  reads.noteRead(150);
  assert.ok(reads.admit(model, new Uint8Array([3]), true, 200, true));
  reads.clear();
  drain(model, radio, reads);
  assert.equal(received, [1, 2]);
});

test('the waiting is bounded: past the last group a packet joins it, and a full group drops its oldest', () => {
  const { model, reads } = rig();
  model.receive(new Uint8Array([0]), true);
  for (let index = 1; index <= RADIO_WAITING_MAX + GROUP_PACKETS_MAX; index++) {
    reads.noteRead(index * 100 - 50);
    reads.admit(model, new Uint8Array([index]), true, index * 100, true);
  }
  assert.is(reads.length, RADIO_WAITING_MAX - 1 + GROUP_PACKETS_MAX);
  assert.is(model.overwritten, 1);
  assert.equal(model.overwrittenByKind, { packet: 1 }, 'unnamed without the world\'s packet kinds');
});

test.run();
