// Light nodes in one process on a simulated clock: each gets a Platform with memory storage (which can
// cut power at a chosen write), a seeded entropy source, and one broadcast link into a shared medium
// that delivers frames after a delay, losing some with a seeded probability. The consortium issues the
// membership records that start the DAG. Used by `smartchain demo`, the ledger scenario tests and the
// benches; the same seed replays the same run.
import { tokenKeyFor } from '../crypto/token-key';
import { KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../crypto/host-signing';
import { createNode, FullLightNode } from '../../firmware/node';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { DEFAULT_SLOT_MS, DEFAULT_TOKENS_REQUIRED, FRAME_BYTES_MAX } from '../../firmware/protocol';
import { FRAME_RECORD, encodeFrame } from '../../firmware/frames';
import type { KeyValueStore, Link, Platform } from '../../firmware/platform';
import { KIND_MEMBERSHIP, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { hostCrypto } from '../crypto/host-crypto';
import { jsCrypto } from '../../firmware/crypto/js-crypto';
import { startFastVerify } from '../../firmware/crypto/fast-verify';
import { seededRandom } from '../random';

export const START_TIME_MS = 1795000000000;

export { seededRandom };

/** Storage in memory; `cutAfterWrites` makes the N-th write from now throw, as a power cut would. */
export class MemoryStore implements KeyValueStore {
  data = new Map<string, Uint8Array>();
  writes = 0;
  cutAtWrite = Infinity;
  read(key: string): Uint8Array | null {
    const value = this.data.get(key);
    return value === undefined ? null : value.slice();
  }
  write(key: string, value: Uint8Array): void {
    if (++this.writes >= this.cutAtWrite) throw new PowerCut();
    this.data.set(key, value.slice());
  }
  remove(key: string): void {
    if (++this.writes >= this.cutAtWrite) throw new PowerCut();
    this.data.delete(key);
  }
}

export class PowerCut extends Error {
  constructor() {
    super('power cut');
  }
}

type Delivery = { atMs: number; order: number; to: number; frame: Uint8Array };

export type WorldOptions = {
  nodes: number;
  seed: number;
  lossProbability?: number;
  delayMs?: number;
  tokensRequired?: number;
  slotMs?: number;
  heapBytesBudget?: number;
  grantEcash?: number;
  /** Use node:crypto for SHA-512 and Ed25519 (default); false runs the firmware's own JS path. */
  nativeCrypto?: boolean;
};


export type SimNode = { id: number; node: FullLightNode; store: MemoryStore; seed: Uint8Array; publicKey: Uint8Array };

export class InProcessWorld {
  nowMs = 0;
  readonly random: () => number;
  readonly nodes: SimNode[] = [];
  readonly consortiumSeed = new Uint8Array(32).fill(0xc0);
  readonly aggregatorSeed = new Uint8Array(32).fill(0xa9);
  readonly consortiumPublicKey: Uint8Array;
  readonly aggregatorPublicKey: Uint8Array;
  private consortiumKey: KeyObject;
  private queue: Delivery[] = [];
  private order = 0;
  framesSent = 0;
  framesLost = 0;
  membershipRecords: Uint8Array[] = [];

  constructor(private options: WorldOptions) {
    this.random = seededRandom(options.seed);
    this.consortiumPublicKey = keyPairFromSeed(this.consortiumSeed).publicKey;
    this.aggregatorPublicKey = keyPairFromSeed(this.aggregatorSeed).publicKey;
    this.consortiumKey = signingKey(this.consortiumSeed);
    for (let index = 0; index < options.nodes; index++) {
      const seed = new Uint8Array(32);
      for (let byte = 0; byte < 32; byte++) seed[byte] = Math.floor(this.random() * 256);
      this.nodes.push({ id: index + 1, node: null as unknown as FullLightNode, store: new MemoryStore(), seed, publicKey: keyPairFromSeed(seed).publicKey });
    }
    for (const entry of this.nodes) entry.node = this.boot(entry);
  }

  wallClockMs(): number {
    return START_TIME_MS + this.nowMs;
  }

  platformFor(entry: SimNode): Platform {
    const world = this;
    const link: Link = {
      name: 'medium',
      frameBytesMax: FRAME_BYTES_MAX,
      send(frame: Uint8Array): boolean {
        world.broadcast(entry.id, frame);
        return true;
      },
    };
    return {
      board: 'in-process',
      nowMs: () => world.nowMs,
      wallClockMs: () => world.wallClockMs(),
      randomBytes: (count: number) => Uint8Array.from({ length: count }, () => Math.floor(world.random() * 256)),
      storage: entry.store,
      links: [link],
      log: () => undefined,
      heapUsedBytes: () => 0,
      feedWatchdog: () => undefined,
      crypto: this.options.nativeCrypto === false ? jsCrypto : hostCrypto,
    };
  }

  /** Creates (or, after a reset, re-creates) a node from its storage, as a board boots. */
  boot(entry: SimNode): FullLightNode {
    return createNode(this.platformFor(entry), {
      memberId: entry.id,
      seed: entry.seed,
      tokenKey: tokenKeyFor(this.consortiumSeed, entry.id),
      // A host-class light node: the emulated boards run with their own, smaller budgets.
      heapBytesBudget: this.options.heapBytesBudget ?? 1000000,
      consortiumPublicKey: this.consortiumPublicKey,
      aggregatorPublicKey: this.aggregatorPublicKey,
      tokensRequired: this.options.tokensRequired ?? DEFAULT_TOKENS_REQUIRED,
      slotMs: this.options.slotMs ?? DEFAULT_SLOT_MS,
      members: [],
      helloIntervalMs: 60000,
      // The firmware's own JS path verifies in slices (DEFAULT_VERIFY_SLICE_UNITS field operations each).
      startVerify: this.options.nativeCrypto === false ? startFastVerify : undefined,
    });
  }

  /** Sends a frame to every other node; the nodes in `missedBy` miss it (counted lost), as others may at random. */
  broadcast(from: number, frame: Uint8Array, missedBy: number[] = []): void {
    for (const entry of this.nodes) {
      if (entry.id === from) continue;
      this.framesSent++;
      if (missedBy.includes(entry.id) || this.random() < (this.options.lossProbability ?? 0)) {
        this.framesLost++;
        continue;
      }
      const delay = (this.options.delayMs ?? 200) * (0.5 + this.random());
      this.queue.push({ atMs: this.nowMs + delay, order: this.order++, to: entry.id, frame: frame.slice() });
    }
  }

  /** The consortium admits every node: one signed membership record each, sent to all. */
  admitAll(): void {
    let parents = [GENESIS_ID, GENESIS_ID];
    for (const entry of this.nodes) {
      const record: LedgerRecord = {
        kind: KIND_MEMBERSHIP, issuer: 0, seq: entry.id, timeMs: this.wallClockMs(), parents, pot: [],
        member: entry.id, publicKey: entry.publicKey, grantEcash: this.options.grantEcash ?? 100000,
      };
      const payload = encodePayload(record);
      const signature = signHost(bytesToSign(payload), this.consortiumKey);
      const bytes = encodeRecord(payload, signature, []);
      this.membershipRecords.push(bytes);
      this.broadcast(0, encodeFrame({ type: FRAME_RECORD, record: bytes }));
    }
    parents = [];
  }

  resendMembership(): void {
    for (const bytes of this.membershipRecords) this.broadcast(0, encodeFrame({ type: FRAME_RECORD, record: bytes }));
  }

  /** Advances the clock in steps of tickMs, delivering due frames and ticking every node. */
  run(durationMs: number, tickMs = 50, onTick?: () => void): void {
    const end = this.nowMs + durationMs;
    while (this.nowMs < end) {
      this.nowMs += tickMs;
      this.queue.sort((left, right) => left.atMs - right.atMs || left.order - right.order);
      while (this.queue.length > 0 && this.queue[0].atMs <= this.nowMs) {
        const delivery = this.queue.shift() as Delivery;
        const target = this.nodes[delivery.to - 1];
        target.node.receive(0, delivery.frame);
      }
      for (const entry of this.nodes) entry.node.tick(this.nowMs);
      if (onTick) onTick();
    }
  }
}
