// Small stand-ins for testing the node's parts alone (firmware/node/): links that record what is sent,
// a clock the test moves, a platform of JS crypto and memory storage, and a window entry builder.
import { Frame, decodeFrame } from '../../firmware/frames';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import type { WindowEntry } from '../../firmware/ledger/window';
import { jsCrypto } from '../../firmware/crypto/js-crypto';
import { verifyDetached } from '../../firmware/crypto/ed25519';
import type { Link, Platform } from '../../firmware/platform';
import { MemoryStore } from '../../host-tools/sim/in-process';
import { KIND_OFFER } from '../../firmware/records';

export type RecordingLink = Link & { sent: Uint8Array[]; frames(): Frame[] };

export function recordingLink(options: { airtimeMs?: number; receiving?: () => boolean } = {}): RecordingLink {
  const sent: Uint8Array[] = [];
  const link: RecordingLink = {
    name: 'recording',
    frameBytesMax: 236,
    sent,
    send(frame: Uint8Array): boolean {
      sent.push(frame);
      return true;
    },
    frames: () => sent.map((bytes) => {
      const decoded = decodeFrame(bytes);
      if (!decoded.ok) throw new Error(`the part sent a frame that does not decode: ${decoded.code}`);
      return decoded.value;
    }),
  };
  if (options.airtimeMs !== undefined) link.airtimeMs = () => options.airtimeMs as number;
  if (options.receiving !== undefined) link.receiving = options.receiving;
  return link;
}

export function testClock(startWallMs = 1795000000000): { nowMs(): number; wallClockMs(): number; advance(ms: number): void } {
  let board = 0;
  return { nowMs: () => board, wallClockMs: () => startWallMs + board, advance: (ms: number) => void (board += ms) };
}

export const idOf = (byte: number) => new Uint8Array(16).fill(byte);

export function entry(byte: number, fields: Partial<WindowEntry> = {}): WindowEntry {
  return {
    id: idOf(byte), issuer: 1, kind: KIND_OFFER, seq: byte, timeMs: byte, energyWh: 1, ecash: 1, counterparty: 0,
    parents: [GENESIS_ID, GENESIS_ID], ref: null, ...fields,
  };
}

/** A platform for parts that sign and hash: JS crypto with one-step verify, memory storage, a test clock. */
export function testPlatform(links: Link[] = [], clock = testClock()): Platform & { store: MemoryStore; clock: ReturnType<typeof testClock> } {
  const store = new MemoryStore();
  let random = 1;
  return {
    board: 'test', nowMs: clock.nowMs, wallClockMs: clock.wallClockMs, store, clock,
    randomBytes: (count: number) => Uint8Array.from({ length: count }, () => (random = (random * 48271) % 2147483647) & 255),
    storage: store, links, log: () => undefined, heapUsedBytes: () => 0, feedWatchdog: () => undefined,
    crypto: { ...jsCrypto, verify: (signature, message, publicKey) => verifyDetached(message, signature, publicKey) },
  };
}
