// UART framing: round trips from Uint8Array and String chunks, resynchronisation after garbage, and
// every malformed frame rejected under its code without losing the frames around it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UartDeframer, crc16, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { createRng, testSeed } from '../support/rng';

const collect = (max = 256) => {
  const frames: Uint8Array[] = [];
  const deframer = new UartDeframer(max, (payload) => frames.push(payload));
  return { frames, deframer };
};

test('CRC-16/CCITT-FALSE matches its check value', () => {
  const check = new TextEncoder().encode('123456789');
  assert.is(crc16(check, 0, check.length), 0x29b1);
});

test('the byte-at-a-time CRC equals the bit-at-a-time definition on random buffers', () => {
  const rng = createRng(testSeed('crc16 byte-at-a-time'));
  const bitwise = (bytes: Uint8Array, start: number, end: number) => {
    let crc = 0xffff;
    for (let index = start; index < end; index++) {
      crc ^= bytes[index] << 8;
      for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  };
  for (let round = 0; round < 500; round++) {
    const bytes = rng.bytes(rng.int(0, 300));
    const start = rng.int(0, bytes.length);
    assert.is(crc16(bytes, start, bytes.length), bitwise(bytes, start, bytes.length), `seed ${rng.seed}, round ${round}`);
  }
});

test('frames round-trip whole, split at every byte, and as Espruino strings', () => {
  const payload = Uint8Array.from({ length: 200 }, (_, index) => (index * 31) & 0xff);
  const frame = encodeUartFrame(payload, 256);
  for (let cut = 0; cut <= frame.length; cut++) {
    const { frames, deframer } = collect();
    deframer.push(frame.subarray(0, cut));
    deframer.push(frame.subarray(cut));
    assert.is(frames.length, 1, `cut ${cut}`);
    assert.equal(frames[0], payload);
  }
  const { frames, deframer } = collect();
  deframer.push(String.fromCharCode(...frame));
  assert.equal(frames[0], payload);
});

test('encodeUartFrame copies: the frame never shares the payload\'s buffer', () => {
  const backing = new Uint8Array(64).fill(9);
  const view = backing.subarray(10, 20);
  const frame = encodeUartFrame(view, 256);
  assert.is.not(frame.buffer, backing.buffer);
  assert.is(frame.byteOffset, 0);
  assert.is(frame.byteLength, frame.buffer.byteLength);
  assert.throws(() => encodeUartFrame(new Uint8Array(0), 256));
  assert.throws(() => encodeUartFrame(new Uint8Array(257), 256));
});

test('garbage, corrupt, oversized and empty frames are skipped and counted; good frames survive', () => {
  const good = encodeUartFrame(new Uint8Array([1, 2, 3]), 256);
  const corrupt = encodeUartFrame(new Uint8Array([4, 5, 6]), 256);
  corrupt[4] ^= 0xff;
  const oversized = new Uint8Array([0x7e, 0x10, 0x00, 1, 2]);
  const empty = new Uint8Array([0x7e, 0x00, 0x00]);
  const { frames, deframer } = collect();
  deframer.push(new Uint8Array([0x00, 0x13, 0x37]));
  deframer.push(corrupt);
  deframer.push(oversized);
  deframer.push(empty);
  deframer.push(good);
  assert.is(frames.length, 1);
  assert.equal(frames[0], new Uint8Array([1, 2, 3]));
  assert.ok(deframer.counts.FRAME_CRC_MISMATCH >= 1);
  assert.ok(deframer.counts.FRAME_TOO_LONG >= 1);
  assert.ok(deframer.counts.FRAME_EMPTY >= 1);
  assert.ok(deframer.counts.BYTES_SKIPPED >= 3);
});

test('random noise between frames never yields a wrong frame and never loses a clean one', () => {
  const rng = createRng(testSeed('uart noise'));
  for (let round = 0; round < 200; round++) {
    const { frames, deframer } = collect();
    const sent: Uint8Array[] = [];
    for (let index = 0; index < 5; index++) {
      const noise = rng.bytes(rng.int(0, 12)).map((byte) => (byte === 0x7e ? 0 : byte));
      deframer.push(noise);
      const payload = rng.bytes(rng.int(1, 240));
      sent.push(payload);
      deframer.push(encodeUartFrame(payload, 256));
    }
    assert.equal(frames, sent);
  }
});

test.run();
