// Frames over a byte stream (UART): 0x7E, length (2 bytes, big-endian), payload, CRC-16/CCITT-FALSE of
// length and payload (poly 0x1021, init 0xFFFF, big-endian). Resynchronisation after garbage: drop one
// byte and scan for the next 0x7E, so a corrupt or truncated frame costs at most itself. The receive
// buffer is fixed; every rejected frame is counted under its code. Works with Kaluma's Uint8Array data
// events and Espruino's String data events; frames to send are copied into a fresh buffer, because
// Kaluma's write sends the whole ArrayBuffer behind a subarray.

import { copyBytes } from '../../firmware/bytes';

export const FRAME_START = 0x7e;
export const FRAMING_OVERHEAD_BYTES = 5;

/**
 * CRC-16/CCITT-FALSE a byte at a time without a table: with x the top byte of the CRC xor the input byte,
 * folded once (x ^= x >> 4), the eight shift-and-xor steps of poly 0x1021 come to x << 12, x << 5 and x.
 * An interpreter pays per statement: on an ESP32 the bit loop made a 234-byte offload frame's UART copy
 * about a second of board time (docs/simulation.md), during which its radio's FIFO went unread.
 */
export function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0xffff;
  for (let index = start; index < end; index++) {
    let x = (crc >> 8) ^ bytes[index];
    x ^= x >> 4;
    crc = ((crc << 8) ^ (x << 12) ^ (x << 5) ^ x) & 0xffff;
  }
  return crc;
}

/** A fresh buffer holding one framed payload (never a view: see the note on Kaluma above). */
export function encodeUartFrame(payload: Uint8Array, payloadBytesMax: number): Uint8Array {
  if (payload.length === 0 || payload.length > payloadBytesMax) throw new Error('frame payload must be 1..' + payloadBytesMax + ' bytes');
  const out = new Uint8Array(payload.length + FRAMING_OVERHEAD_BYTES);
  out[0] = FRAME_START;
  out[1] = payload.length >> 8;
  out[2] = payload.length & 0xff;
  out.set(payload, 3);
  const crc = crc16(out, 1, 3 + payload.length);
  out[3 + payload.length] = crc >> 8;
  out[4 + payload.length] = crc & 0xff;
  return out;
}

export class UartDeframer {
  private buffer: Uint8Array;
  private length = 0;
  readonly counts: { [code: string]: number } = { FRAME_OK: 0, FRAME_TOO_LONG: 0, FRAME_CRC_MISMATCH: 0, FRAME_EMPTY: 0, BYTES_SKIPPED: 0, BUFFER_OVERFLOW: 0 };

  constructor(
    private payloadBytesMax: number,
    private onFrame: (payload: Uint8Array) => void,
  ) {
    this.buffer = new Uint8Array(2 * (payloadBytesMax + FRAMING_OVERHEAD_BYTES));
  }

  /** Accepts a chunk as a Uint8Array (Kaluma) or a String of 8-bit characters (Espruino). */
  push(chunk: Uint8Array | string): void {
    const count = chunk.length;
    for (let index = 0; index < count; index++) {
      const byte = typeof chunk === 'string' ? chunk.charCodeAt(index) & 0xff : chunk[index];
      if (this.length === this.buffer.length) {
        this.counts.BUFFER_OVERFLOW++;
        this.drop(1);
        this.scan();
      }
      this.buffer[this.length++] = byte;
      this.scan();
    }
  }

  private drop(count: number): void {
    // A plain loop: Espruino's typed arrays are not known to offer copyWithin.
    for (let index = count; index < this.length; index++) this.buffer[index - count] = this.buffer[index];
    this.length -= count;
  }

  /** Extracts every complete frame at the head of the buffer; skips garbage one byte at a time. */
  private scan(): void {
    for (;;) {
      let skip = 0;
      while (skip < this.length && this.buffer[skip] !== FRAME_START) skip++;
      if (skip > 0) {
        this.counts.BYTES_SKIPPED += skip;
        this.drop(skip);
      }
      if (this.length < 3) return;
      const size = (this.buffer[1] << 8) | this.buffer[2];
      if (size === 0 || size > this.payloadBytesMax) {
        this.counts[size === 0 ? 'FRAME_EMPTY' : 'FRAME_TOO_LONG']++;
        this.drop(1);
        continue;
      }
      if (this.length < size + FRAMING_OVERHEAD_BYTES) return;
      const expected = (this.buffer[3 + size] << 8) | this.buffer[4 + size];
      if (crc16(this.buffer, 1, 3 + size) !== expected) {
        this.counts.FRAME_CRC_MISMATCH++;
        this.drop(1);
        continue;
      }
      const payload = copyBytes(this.buffer, 3, 3 + size);
      this.drop(size + FRAMING_OVERHEAD_BYTES);
      this.counts.FRAME_OK++;
      this.onFrame(payload);
    }
  }
}
