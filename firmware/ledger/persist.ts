// What a reset must not lose (paper's light node on a board that loses power): the key seed, the next
// sequence number, and the node's own records until the aggregator acknowledges them. Sequence numbers
// are reserved in blocks written before any number of the block is used, so a reset between any two
// writes skips numbers but never reuses one. A pending record is written under its own key before it
// is sent anywhere, and removed only after a verified acknowledgement.
import type { KeyValueStore } from '../platform';
import { copyBytes } from '../bytes';
import { ID_BYTES } from '../protocol';

export const SEQ_BLOCK = 16;
const SEED_KEY = 'seed';
const SEQ_KEY = 'seq';
const PENDING_PREFIX = 'p';
const RANDOM_KEY = 'rnd';

function encodeNumber(value: number): Uint8Array {
  const out = new Uint8Array(8);
  let rest = value;
  for (let index = 0; index < 8; index++) {
    out[index] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return out;
}

function decodeNumber(bytes: Uint8Array | null): number {
  if (bytes === null || bytes.length !== 8) return 0;
  let value = 0;
  for (let index = 7; index >= 0; index--) value = value * 256 + bytes[index];
  return value;
}

export class NodePersistence {
  private nextSeq: number;
  private reservedUpTo: number;
  private offloadCursor = 0;

  constructor(
    private store: KeyValueStore,
    private pendingMax: number,
  ) {
    // Everything below the stored reservation may have been used before the reset: start above it.
    this.reservedUpTo = decodeNumber(store.read(SEQ_KEY));
    this.nextSeq = this.reservedUpTo + 1;
  }

  loadSeed(): Uint8Array | null {
    const seed = this.store.read(SEED_KEY);
    return seed !== null && seed.length === 32 ? seed : null;
  }

  saveSeed(seed: Uint8Array): void {
    this.store.write(SEED_KEY, seed);
  }

  /** A PRNG state mixed from fresh entropy and a persisted counter, so two boots never repeat it. */
  nextRandomState(entropy: Uint8Array): number {
    const boots = decodeNumber(this.store.read(RANDOM_KEY)) + 1;
    this.store.write(RANDOM_KEY, encodeNumber(boots));
    let state = (boots * 2654435761) >>> 0;
    for (let index = 0; index < entropy.length; index++) state = ((state ^ entropy[index]) * 16777619) >>> 0;
    return state === 0 ? 1 : state;
  }

  peekSeq(): number {
    return this.nextSeq;
  }

  /** The next sequence number, durable before it is returned. */
  takeSeq(): number {
    if (this.nextSeq > this.reservedUpTo) {
      const reserve = this.nextSeq + SEQ_BLOCK - 1;
      this.store.write(SEQ_KEY, encodeNumber(reserve));
      this.reservedUpTo = reserve;
    }
    return this.nextSeq++;
  }

  /** The pending record in `slot` as stored, or null for a free slot. */
  private readPending(slot: number): Uint8Array | null {
    return this.store.read(PENDING_PREFIX + slot);
  }

  /** Stores a record (id first, then its bytes) in a free slot; throws when every slot is taken. */
  savePending(id: Uint8Array, record: Uint8Array): void {
    for (let slot = 0; slot < this.pendingMax; slot++) {
      if (this.readPending(slot) !== null) continue;
      const value = new Uint8Array(ID_BYTES + record.length);
      value.set(id, 0);
      value.set(record, ID_BYTES);
      this.store.write(PENDING_PREFIX + slot, value);
      return;
    }
    throw new Error('pending record store is full');
  }

  pendingCount(): number {
    let count = 0;
    for (let slot = 0; slot < this.pendingMax; slot++) if (this.readPending(slot) !== null) count++;
    return count;
  }

  pendingIds(): Uint8Array[] {
    const ids: Uint8Array[] = [];
    for (let slot = 0; slot < this.pendingMax; slot++) {
      const value = this.readPending(slot);
      if (value !== null) ids.push(copyBytes(value, 0, ID_BYTES));
    }
    return ids;
  }

  /**
   * Round robin over the pending records: the next one to offload as stored, its id (ID_BYTES) then the
   * record with its tokens; it is sent as it is (firmware/frames.ts offloadFrames).
   */
  nextPendingToOffload(): Uint8Array | null {
    for (let tried = 0; tried < this.pendingMax; tried++) {
      const slot = this.offloadCursor;
      this.offloadCursor = (this.offloadCursor + 1) % this.pendingMax;
      const value = this.readPending(slot);
      if (value !== null) return value;
    }
    return null;
  }

  removePending(id: Uint8Array): boolean {
    for (let slot = 0; slot < this.pendingMax; slot++) {
      const value = this.readPending(slot);
      if (value === null) continue;
      let same = true;
      for (let index = 0; index < ID_BYTES && same; index++) same = value[index] === id[index];
      if (same) {
        this.store.remove(PENDING_PREFIX + slot);
        return true;
      }
    }
    return false;
  }
}
