// The SX127x driver against the emulator's register model: the register sequence configures the radio as
// board.json says, a send puts the payload on air with the airtime of the registers, the duty cycle is
// kept by the sender, a reception raises DIO0 and arrives whole, packets left unread stay in the FIFO
// ring, where the driver reads the one before the last, and bad access is refused with a code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { airtimeMs } from '../../boards/drivers/lora-airtime';
import { createSx127x, loraModulation, LoraRadioSettings } from '../../boards/drivers/sx127x';
import { TX_QUEUE_MAX } from '../../boards/drivers/sx127x';
import { CadRequest, IRQ_TX_DONE, MODE_CAD, MODE_RX_CONTINUOUS, MODE_STANDBY, MODE_TX, Sx127xFault, Sx127xModel, Transmission, cadDurationMs } from '../../host-tools/emulator/peripherals/sx127x-model';
import pico from '../../boards/pico/board.json';
import { addLoraLink, extraLinks } from '../../boards/drivers/extra-links';
import { encodeCbor } from '../../firmware/codec/cbor';
import { modelBus } from '../support/sx127x-bus';

function rig(settings: LoraRadioSettings = pico.lora) {
  let nowMs = 100;
  const model = new Sx127xModel(() => nowMs);
  const sent: Transmission[] = [];
  const received: Uint8Array[] = [];
  const packetCounts: number[] = [];
  const bus = modelBus(model, (transmission) => sent.push(transmission));
  const radio = createSx127x(bus, settings, () => nowMs, (payload, packets) => {
    received.push(payload);
    packetCounts.push(packets);
  });
  return { model, radio, sent, received, packetCounts, advance: (ms: number) => (nowMs += ms), now: () => nowMs };
}

test('begin configures the registers from board.json and listens with DIO0 on RxDone', () => {
  const { model, radio } = rig();
  assert.is(radio.begin(), null);
  assert.ok(model.isLora());
  assert.is(model.mode(), MODE_RX_CONTINUOUS);
  // Frf resolution is 61 Hz: 868.1 MHz is 868,099,975 Hz after rounding.
  assert.ok(Math.abs(model.frequencyHz() - 868100000) <= 61, String(model.frequencyHz()));
  assert.equal(model.modulation(), { spreadingFactor: 7, bandwidthHz: 125000, codingRate: 5, preambleSymbols: 8, crc: true, implicitHeader: false, lowDataRateOptimize: false });
  assert.is(model.registers[0x09], 0x80 | 0x70 | 12, 'PA_BOOST at 14 dBm');
  assert.is(model.registers[0x40] >> 6, 0, 'DIO0 on RxDone');
});

test('SF12 at 125 kHz turns on low-data-rate optimisation, as the datasheet asks', () => {
  const { model, radio } = rig({ ...pico.lora, spreading_factor: 12, power_dbm: 20 });
  assert.is(radio.begin(), null);
  const modulation = model.modulation();
  assert.is(modulation.spreadingFactor, 12);
  assert.is(modulation.lowDataRateOptimize, true);
  assert.is(model.registers[0x4d], 0x87, '20 dBm needs the high-power DAC');
});

test('a send goes on air with the payload and the airtime of the registers; TxDone returns it to listening', () => {
  const { model, radio, sent } = rig();
  radio.begin();
  const payload = Uint8Array.from({ length: 40 }, (_, index) => index * 7);
  assert.ok(radio.send(payload));
  assert.is(model.mode(), MODE_TX);
  assert.is(sent.length, 1);
  assert.equal(sent[0].payload, payload);
  assert.is(airtimeMs(40, sent[0].modulation), airtimeMs(40, loraModulation(pico.lora) as never));
  // One frame on air at a time: the next TX_QUEUE_MAX wait for TxDone, one more is refused as busy.
  const next = Uint8Array.from({ length: 12 }, (_, index) => index + 1);
  for (let index = 0; index < TX_QUEUE_MAX; index++) assert.ok(radio.send(next));
  assert.is(sent.length, 1);
  assert.not.ok(radio.send(next), 'the queue is full');
  assert.is(radio.counts.RADIO_BUSY, 1);
  model.finishTransmit();
  assert.ok(model.takeDio0Rise(), 'DIO0 mapped on TxDone rises');
  radio.service();
  assert.is(sent.length, 2, 'the first waiting frame goes on air at TxDone');
  assert.equal(sent[1].payload, next);
  assert.is(model.mode(), MODE_TX);
  for (let index = 1; index <= TX_QUEUE_MAX; index++) {
    model.finishTransmit();
    radio.service();
  }
  assert.is(sent.length, 1 + TX_QUEUE_MAX);
  assert.is(model.registers[0x12] & IRQ_TX_DONE, 0, 'flags cleared');
  assert.is(model.mode(), MODE_RX_CONTINUOUS);
});

test('a poll within long work after the airtime finds TxDone and listens again; the world\'s late TxDone changes nothing', () => {
  const { model, radio, sent, advance } = rig();
  radio.begin();
  assert.ok(radio.send(new Uint8Array(30)));
  const airtime = airtimeMs(30, model.modulation());
  advance(airtime - 1);
  radio.poll();
  assert.is(model.mode(), MODE_TX, 'still sending before its airtime is over');
  advance(2);
  // No finishTransmit from the world yet (the board is within one call): the chip has finished by its clock.
  radio.poll();
  assert.is(model.mode(), MODE_RX_CONTINUOUS, 'the poll serviced TxDone: listening again');
  assert.is(model.registers[0x12] & IRQ_TX_DONE, 0);
  // A second packet goes on air before the world reports the first one's end, which must leave it sending.
  assert.ok(radio.send(new Uint8Array(12)));
  assert.is(sent.length, 2);
  model.finishTransmit(100 + airtime);
  assert.is(model.mode(), MODE_TX, 'the first packet\'s end does not end the second');
  model.finishTransmit(100 + airtime + 1 + airtimeMs(12, model.modulation()));
  assert.is(model.mode(), MODE_STANDBY, 'the second one ends at its own end');
  assert.ok(model.takeDio0Rise(), 'with TxDone on DIO0');
});

test('the sender keeps the 1 % duty cycle: refused once the last hour holds 36 s of airtime', () => {
  const { model, radio, advance } = rig({ ...pico.lora, spreading_factor: 12 });
  radio.begin();
  const payload = new Uint8Array(200);
  const each = airtimeMs(200, model.modulation());
  let sentMs = 0;
  for (let index = 0; index < 100 && radio.send(payload); index++) {
    sentMs += each;
    advance(each);
    model.finishTransmit();
    radio.service();
  }
  assert.is(radio.counts.RADIO_DUTY_CYCLE, 1);
  assert.ok(sentMs <= 36000 && sentMs > 36000 - each, `${sentMs} ms of airtime`);
  advance(3600000);
  assert.not.ok(radio.send(payload), 'the ledger keeps 60 to 65 minutes: refused a little early, never late');
  advance(300000);
  assert.ok(radio.send(payload), 'an hour and five minutes later the budget is back');
});

test('a reception fills the FIFO, raises DIO0 and arrives whole; a CRC error is counted, not delivered', () => {
  const { model, radio, received } = rig();
  radio.begin();
  const payload = Uint8Array.from({ length: 255 }, (_, index) => 255 - index);
  model.receive(payload, true);
  assert.ok(model.takeDio0Rise());
  radio.service();
  assert.equal(received, [payload]);
  model.receive(new Uint8Array([1, 2, 3]), false);
  radio.service();
  assert.is(received.length, 1);
  assert.is(radio.counts.RADIO_CRC_ERROR, 1);
});

test('a receiver hears only a sender on its frequency, spreading factor, bandwidth and sync word', () => {
  const sender = rig();
  const receiver = rig();
  const elsewhere = rig({ ...pico.lora, frequency_hz: 869500000 });
  const slower = rig({ ...pico.lora, spreading_factor: 9 });
  for (const entry of [sender, receiver, elsewhere, slower]) entry.radio.begin();
  sender.radio.send(new Uint8Array([1, 2, 3]));
  assert.ok(receiver.model.hears(sender.sent[0]));
  assert.not.ok(elsewhere.model.hears(sender.sent[0]));
  assert.not.ok(slower.model.hears(sender.sent[0]));
  assert.not.ok(sender.model.hears(sender.sent[0]), 'a radio transmitting does not listen');
  receiver.model.selected = true;
  receiver.model.transfer(new Uint8Array([0x80 | 0x1d, 0xf2]), () => undefined);
  assert.not.ok(receiver.model.hears(sender.sent[0]), 'a reserved bandwidth code hears nothing');
});

test('settings the driver does not drive, and a missing chip, give codes', () => {
  assert.is(rig({ ...pico.lora, spreading_factor: 6 }).radio.begin(), 'RADIO_SETTINGS_UNSUPPORTED');
  assert.is(rig({ ...pico.lora, bandwidth_hz: 100000 }).radio.begin(), 'RADIO_SETTINGS_UNSUPPORTED');
  assert.is(rig({ ...pico.lora, power_dbm: 18 }).radio.begin(), 'RADIO_SETTINGS_UNSUPPORTED');
  const absent = createSx127x({ transfer: (out) => new Uint8Array(out.length) }, pico.lora, () => 0, () => undefined);
  assert.is(absent.begin(), 'RADIO_NOT_FOUND');
  assert.not.ok(absent.send(new Uint8Array(4)), 'a radio that is off refuses');
});

test('bad register access is refused with a code', () => {
  const fault = (run: () => unknown, code: string) => assert.throws(run, (error: Sx127xFault) => error.code === code, code);
  const { model } = rig();
  const noTx = () => assert.unreachable('no transmission expected');
  fault(() => model.transfer(new Uint8Array([0x42, 0]), noTx), 'SX127X_NOT_SELECTED');
  model.selected = true;
  fault(() => model.transfer(new Uint8Array([0xc2, 0x13]), noTx), 'SX127X_REGISTER_READ_ONLY');
  fault(() => model.transfer(new Uint8Array([0x7f, 0]), noTx), 'SX127X_REGISTER_UNKNOWN');
  fault(() => model.transfer(new Uint8Array([0x42]), noTx), 'SX127X_SHORT_TRANSFER');
  model.transfer(new Uint8Array([0x81, 0x00]), noTx);
  fault(() => model.transfer(new Uint8Array([0x80, 0x55]), noTx), 'SX127X_FIFO_IN_SLEEP');
  model.transfer(new Uint8Array([0x81, 0x01]), noTx);
  fault(() => model.transfer(new Uint8Array([0x81, 0x81]), noTx), 'SX127X_MODE_NOT_SLEEP');
  fault(() => model.transfer(new Uint8Array([0x81, 0x03]), noTx), 'SX127X_FSK_UNSUPPORTED');
  model.transfer(new Uint8Array([0x81, 0x00]), noTx);
  model.transfer(new Uint8Array([0x81, 0x80]), noTx);
  model.transfer(new Uint8Array([0x81, 0x81]), noTx);
  model.transfer(new Uint8Array([0xa2, 0x00]), noTx);
  fault(() => model.transfer(new Uint8Array([0x81, 0x83]), noTx), 'SX127X_PAYLOAD_EMPTY');
  model.setResetLine(false);
  fault(() => model.transfer(new Uint8Array([0x42, 0]), noTx), 'SX127X_IN_RESET');
  model.setResetLine(true);
  fault(() => model.transfer(new Uint8Array([0x42, 0]), noTx), 'SX127X_NOT_READY');
});

/** A rig whose driver listens before talk: its timer calls are kept for the test to run. */
function lbtRig() {
  let nowMs = 100;
  const model = new Sx127xModel(() => nowMs, () => 0.7);
  const sent: Transmission[] = [];
  const cads: CadRequest[] = [];
  const received: Uint8Array[] = [];
  const timers: { callback: () => void; atMs: number }[] = [];
  const bus = modelBus(model, (transmission) => sent.push(transmission), (request) => cads.push(request));
  const radio = createSx127x(bus, pico.lora, () => nowMs, (payload) => received.push(payload), (callback, delayMs) => timers.push({ callback, atMs: nowMs + delayMs }));
  const runTimers = () => {
    for (const timer of timers.splice(0)) {
      nowMs = Math.max(nowMs, timer.atMs);
      timer.callback();
    }
  };
  return { model, radio, sent, cads, received, timers, runTimers, advance: (ms: number) => (nowMs += ms) };
}

test('listen before talk: a clear CAD sends the frame; a detected preamble backs off and checks again', () => {
  const { model, radio, sent, cads, timers, runTimers } = lbtRig();
  assert.is(radio.begin(), null);
  assert.ok(radio.send(new Uint8Array(30).fill(1)));
  assert.is(sent.length, 0, 'nothing on air before the channel is checked');
  runTimers();
  assert.is(model.mode(), MODE_CAD);
  assert.is(cads.length, 1);
  assert.ok(Math.abs(cads[0].durationMs - cadDurationMs(cads[0].modulation)) < 1e-9);
  assert.is(model.registers[0x40] >> 6, 2, 'DIO0 on CadDone');
  // A preamble on the channel: CadDetected; the driver listens again and schedules a retry.
  model.finishCad(true);
  radio.service();
  assert.is(sent.length, 0);
  assert.is(model.mode(), MODE_RX_CONTINUOUS);
  assert.is(radio.counts.RADIO_CHANNEL_BUSY, 1);
  assert.is(timers.length, 1, 'a backoff is scheduled');
  runTimers();
  model.finishCad(false);
  radio.service();
  assert.is(sent.length, 1, 'sent once the channel is clear');
  assert.is(model.mode(), MODE_TX);
});

test('listen before talk: a packet arriving (RegModemStat) counts as busy without a CAD', () => {
  const { model, radio, sent, cads, runTimers } = lbtRig();
  radio.begin();
  model.receivingNow = () => true;
  assert.ok(radio.receiving(), 'the board is told not to start a long slice');
  radio.send(new Uint8Array(20));
  runTimers();
  assert.is(cads.length, 0);
  assert.is(sent.length, 0);
  assert.is(radio.counts.RADIO_CHANNEL_BUSY, 1);
});

test('a channel found busy while receiving leaves the chip in RX: the packets read before are not delivered again', () => {
  const { model, radio, received, runTimers } = lbtRig();
  radio.begin();
  model.receive(Uint8Array.of(0x82, 1, 7), true);
  radio.service();
  // A send finds a packet arriving: the chip never leaves RX continuous, so its FIFO position and its
  // packet counters go on; a driver that started its own from 0 took the packet read above for an unread one.
  model.receivingNow = () => true;
  radio.send(new Uint8Array(20));
  runTimers();
  assert.is(radio.counts.RADIO_CHANNEL_BUSY, 1);
  assert.is(model.mode(), MODE_RX_CONTINUOUS);
  model.receivingNow = () => false;
  model.receive(Uint8Array.of(0x82, 1, 8), true);
  radio.service();
  assert.equal(received, [Uint8Array.of(0x82, 1, 7), Uint8Array.of(0x82, 1, 8)]);
  assert.is(radio.counts.RADIO_RECOVERED, 0);
  assert.is(radio.counts.RADIO_RECEIVED, 2);
});

const bytes = (length: number, first: number) => Uint8Array.from({ length }, (_, index) => (first + index) & 0xff);

test('RX continuous keeps unread packets in the FIFO ring; the driver reads the one before the last too', () => {
  const { model, radio, received } = rig();
  radio.begin();
  model.receive(bytes(30, 1), true);
  radio.service();
  assert.is(received.length, 1);
  // Two packets end before the driver looks: the chip keeps both, its status names the second.
  model.receive(bytes(100, 40), true);
  model.receive(bytes(20, 200), true);
  assert.is(model.registers[0x10], 130, 'RegFifoRxCurrentAddr: the second follows the first');
  radio.service();
  assert.equal(received.slice(1), [bytes(100, 40), bytes(20, 200)], 'both, in order');
  assert.is(radio.counts.RADIO_RECOVERED, 1);
  assert.is(radio.counts.RADIO_RECEIVED, 3);
  assert.is(model.overwritten, 0);
  // The ring wraps: a packet across address 255 arrives whole.
  model.receive(bytes(150, 7), true);
  radio.service();
  assert.equal(received[3], bytes(150, 7));
  assert.is(model.overwritten, 0);
});

test('several packets before the last come back to back for the link to split; what the driver cannot place is counted lost once the ring comes round', () => {
  const { model, radio, received, packetCounts } = rig();
  // The world names each packet's kind (the city: its frame type); here, its first byte.
  model.kindOf = (payload) => `starts ${payload[0]}`;
  radio.begin();
  model.receive(bytes(10, 0), true);
  radio.service();
  // Three unread: the two before the last lie together in the ring; the chip does not mark the boundary.
  model.receive(bytes(40, 1), true);
  model.receive(bytes(40, 2), true);
  model.receive(bytes(40, 3), true);
  radio.service();
  assert.equal(received.slice(1), [Uint8Array.from([...bytes(40, 1), ...bytes(40, 2)]), bytes(40, 3)]);
  assert.equal(packetCounts.slice(1), [2, 1]);
  assert.is(radio.counts.RADIO_RECOVERED, 2);
  assert.is(radio.counts.RADIO_RECEIVED, 4);
  // A packet with a CRC error before the last: PayloadCrcError stays raised until the driver clears it,
  // so the driver cannot tell which of the two was damaged and delivers neither.
  model.receive(bytes(20, 4), false);
  model.receive(bytes(20, 5), true);
  radio.service();
  assert.is(received.length, 3);
  assert.is(radio.counts.RADIO_CRC_ERROR, 1);
  model.receive(bytes(200, 6), true);
  radio.service();
  assert.is(model.overwritten, 0, 'the one the CRC error hid is still in the ring');
  // Two packets over 256 bytes together: the second wrote over the first, which is not delivered; the
  // ring had come round over the hidden one before.
  model.receive(bytes(200, 8), true);
  model.receive(bytes(100, 9), true);
  radio.service();
  assert.equal(received.slice(3), [bytes(200, 6), bytes(100, 9)]);
  assert.is(model.overwritten, 2);
  assert.equal(model.overwrittenByKind, { 'starts 5': 1, 'starts 8': 1 }, 'the hidden one and the first of the two, by kind');
});

test('the LoRa link splits packets kept back to back at their CBOR items, or delivers none of them', () => {
  let nowMs = 0;
  const model = new Sx127xModel(() => nowMs);
  const timers: { atMs: number; callback: () => void }[] = [];
  let dio0: (() => void) | null = null;
  extraLinks.length = 0;
  addLoraLink(
    modelBus(model),
    pico.lora,
    () => nowMs,
    {
      setReset: (high) => model.setResetLine(high),
      later: (callback, delayMs) => void timers.push({ atMs: nowMs + delayMs, callback }),
      watchDio0: (callback) => (dio0 = callback),
      log: () => undefined,
    },
  );
  const frames: Uint8Array[] = [];
  extraLinks[0].start((payload) => frames.push(payload));
  for (let step = 0; step < 4; step++) {
    nowMs += 20;
    for (const timer of timers.splice(0)) timer.callback();
  }
  assert.ok(dio0 !== null, 'the radio started');
  const frame = (type: number, length: number) => encodeCbor([type, new Uint8Array(length).fill(type)], 255);
  const arrive = (...payloads: Uint8Array[]) => {
    for (const payload of payloads) model.receive(payload, true);
    (dio0 as () => void)();
  };
  arrive(frame(1, 5));
  arrive(frame(2, 30), frame(3, 8), frame(4, 60), frame(5, 3));
  assert.equal(frames, [frame(1, 5), frame(2, 30), frame(3, 8), frame(4, 60), frame(5, 3)]);
  // Bytes that are not back-to-back items: none of the packets before the last is delivered.
  arrive(frame(6, 4), Uint8Array.from([0xff, 1, 2]), frame(7, 4));
  assert.equal(frames.slice(5), [frame(7, 4)]);
  extraLinks.length = 0;
});

test('after the radio sent, the ring starts again at RegFifoRxBaseAddr; a payload to send writes over an unread packet', () => {
  const { model, radio, received } = rig();
  radio.begin();
  // Unread when the driver sends: the payload goes to the FIFO from 0, over it.
  model.receive(bytes(30, 1), true);
  assert.ok(radio.send(bytes(12, 50)));
  assert.is(model.overwritten, 1);
  model.finishTransmit();
  radio.service();
  assert.is(model.mode(), MODE_RX_CONTINUOUS);
  assert.equal(received, [], 'the stale RxDone was cleared, nothing delivered from the payload');
  // Back in RX the chip writes from RegFifoRxBaseAddr again and counts from 0: two packets before the
  // driver looks, both read.
  model.receive(bytes(20, 2), true);
  model.receive(bytes(20, 3), true);
  radio.service();
  assert.equal(received, [bytes(20, 2), bytes(20, 3)]);
  assert.is(radio.counts.RADIO_RECOVERED, 1);
});

test.run();
