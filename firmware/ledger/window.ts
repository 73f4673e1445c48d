// The light node's window of recent records (paper IV.C): a fixed-capacity table in typed arrays
// (struct of arrays; Espruino's plain arrays are linked lists), with each record's parents resolved to
// slots, its cumulative weight and its validation count (distinct approving members) derived here and
// updated incrementally as records enter: one bounded walk over the entering record's ancestors.
// Eviction rule: a pinned record (one the node's own pending trades need) is never evicted; among the
// others, offloaded-and-confirmed records go first, then the oldest. Offloaded: the aggregator
// acknowledged it (the node's own records); confirmed: a checkpoint of its issuer's balance covers its time.

import { copyBytes } from '../bytes';
import { ID_BYTES } from '../protocol';

export const FLAG_VALID = 1;
export const FLAG_OFFLOADED = 2;
export const FLAG_CONFIRMED = 4;
export const FLAG_PINNED = 8;
export const FLAG_CONFLICT_LOSER = 16;

const NO_SLOT = -1;

export type WindowEntry = {
  id: Uint8Array;
  issuer: number;
  kind: number;
  seq: number;
  timeMs: number;
  energyWh: number;
  ecash: number;
  counterparty: number;
  parents: Uint8Array[];
  ref: Uint8Array | null;
};

export class RecordWindow {
  readonly capacity: number;
  /** Distinct approving members remembered per record; the validation count saturates here. */
  readonly approversMax: number;
  private used: Uint8Array;
  ids: Uint8Array;
  issuer: Uint16Array;
  kind: Uint8Array;
  seq: Float64Array;
  timeMs: Float64Array;
  energyWh: Float64Array;
  ecash: Float64Array;
  counterparty: Uint16Array;
  parentIds: Uint8Array;
  parentSlot: Int32Array;
  refIds: Uint8Array;
  flags: Uint8Array;
  weight: Uint32Array;
  approvers: Uint16Array;
  approverCount: Uint8Array;
  arrival: Float64Array;
  private visitMark: Uint32Array;
  private visitEpoch = 0;
  private stack: Int32Array;
  private arrivals = 0;
  count = 0;

  constructor(capacity: number, approversMax: number) {
    if (capacity < 4 || approversMax < 1 || approversMax > 255) throw new Error('window capacity must be >= 4 and approvers 1..255');
    this.capacity = capacity;
    this.approversMax = approversMax;
    this.used = new Uint8Array(capacity);
    this.ids = new Uint8Array(capacity * ID_BYTES);
    this.issuer = new Uint16Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.seq = new Float64Array(capacity);
    this.timeMs = new Float64Array(capacity);
    this.energyWh = new Float64Array(capacity);
    this.ecash = new Float64Array(capacity);
    this.counterparty = new Uint16Array(capacity);
    this.parentIds = new Uint8Array(capacity * 2 * ID_BYTES);
    this.parentSlot = new Int32Array(capacity * 2);
    this.refIds = new Uint8Array(capacity * ID_BYTES);
    this.flags = new Uint8Array(capacity);
    this.weight = new Uint32Array(capacity);
    this.approvers = new Uint16Array(capacity * approversMax);
    this.approverCount = new Uint8Array(capacity);
    this.arrival = new Float64Array(capacity);
    this.visitMark = new Uint32Array(capacity);
    this.stack = new Int32Array(capacity);
  }

  /** Bytes of the typed arrays, for the capacity report. */
  static bytesFor(capacity: number, approversMax: number): number {
    return capacity * (1 + ID_BYTES + 2 + 1 + 8 + 8 + 8 + 8 + 2 + 2 * ID_BYTES + 8 + ID_BYTES + 1 + 4 + 2 * approversMax + 1 + 8 + 4 + 4);
  }

  isUsed(slot: number): boolean {
    return this.used[slot] === 1;
  }

  idEquals(slot: number, id: Uint8Array, offset: number): boolean {
    const base = slot * ID_BYTES;
    for (let index = 0; index < ID_BYTES; index++) if (this.ids[base + index] !== id[offset + index]) return false;
    return true;
  }

  find(id: Uint8Array): number {
    for (let slot = 0; slot < this.capacity; slot++) if (this.used[slot] === 1 && this.idEquals(slot, id, 0)) return slot;
    return NO_SLOT;
  }

  idOf(slot: number): Uint8Array {
    return copyBytes(this.ids, slot * ID_BYTES, slot * ID_BYTES + ID_BYTES);
  }

  refOf(slot: number): Uint8Array {
    return copyBytes(this.refIds, slot * ID_BYTES, slot * ID_BYTES + ID_BYTES);
  }

  /**
   * The id of a valid record that is no conflict loser, of this kind, issuer, counterparty and amounts,
   * whose ref is `ref`; null when the window holds none (bounded by the capacity). The trader finds the
   * seller's record of its trade this way.
   */
  findTrade(kind: number, issuer: number, counterparty: number, energyWh: number, ecash: number, ref: Uint8Array): Uint8Array | null {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.used[slot] === 0 || this.kind[slot] !== kind || this.issuer[slot] !== issuer) continue;
      if ((this.flags[slot] & FLAG_VALID) === 0 || (this.flags[slot] & FLAG_CONFLICT_LOSER) !== 0) continue;
      if (this.counterparty[slot] !== counterparty || this.energyWh[slot] !== energyWh || this.ecash[slot] !== ecash) continue;
      let same = true;
      for (let index = 0; same && index < ID_BYTES; index++) same = this.refIds[slot * ID_BYTES + index] === ref[index];
      if (same) return this.idOf(slot);
    }
    return null;
  }

  /**
   * A checkpoint of `issuer`'s balance as of `asOfMs`, signed by the aggregator, accounts for that
   * member's records up to then: they are confirmed (the eviction rule takes offloaded-and-confirmed first).
   */
  confirmUpTo(issuer: number, asOfMs: number): void {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.used[slot] === 1 && this.issuer[slot] === issuer && this.timeMs[slot] <= asOfMs) this.flags[slot] |= FLAG_CONFIRMED;
    }
  }

  validationCount(slot: number): number {
    return this.approverCount[slot];
  }

  /** The slot to reuse when full: never a pinned one; confirmed-and-offloaded first, then the oldest. */
  private victim(): number {
    let best = NO_SLOT;
    let bestScore = Infinity;
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.used[slot] === 0) return slot;
      const flags = this.flags[slot];
      if ((flags & FLAG_PINNED) !== 0) continue;
      const done = (flags & FLAG_OFFLOADED) !== 0 && (flags & FLAG_CONFIRMED) !== 0;
      const score = (done ? 0 : 1e15) + this.arrival[slot];
      if (score < bestScore) {
        bestScore = score;
        best = slot;
      }
    }
    return best;
  }

  private evict(slot: number): void {
    for (let other = 0; other < this.capacity * 2; other++) if (this.parentSlot[other] === slot) this.parentSlot[other] = NO_SLOT;
    this.used[slot] = 0;
    this.count--;
  }

  /**
   * Adds a record; returns its slot, or -1 when every slot is pinned. Parents are resolved to slots,
   * children already present that named this record as a parent are linked, and the weights and
   * validation counts of its ancestors in the window grow by this record (bounded by the capacity).
   */
  add(entry: WindowEntry, flags: number): number {
    const existing = this.find(entry.id);
    if (existing !== NO_SLOT) return existing;
    const slot = this.victim();
    if (slot === NO_SLOT) return NO_SLOT;
    if (this.used[slot] === 1) this.evict(slot);
    this.used[slot] = 1;
    this.count++;
    this.ids.set(entry.id, slot * ID_BYTES);
    this.issuer[slot] = entry.issuer;
    this.kind[slot] = entry.kind;
    this.seq[slot] = entry.seq;
    this.timeMs[slot] = entry.timeMs;
    this.energyWh[slot] = entry.energyWh;
    this.ecash[slot] = entry.ecash;
    this.counterparty[slot] = entry.counterparty;
    this.refIds.fill(0, slot * ID_BYTES, slot * ID_BYTES + ID_BYTES);
    if (entry.ref !== null) this.refIds.set(entry.ref, slot * ID_BYTES);
    this.flags[slot] = flags;
    this.weight[slot] = 1;
    this.approverCount[slot] = 0;
    this.arrival[slot] = ++this.arrivals;
    for (let parent = 0; parent < 2; parent++) {
      this.parentIds.set(entry.parents[parent], (slot * 2 + parent) * ID_BYTES);
      this.parentSlot[slot * 2 + parent] = this.find(entry.parents[parent]);
    }
    // Children that arrived before this record now find their parent.
    for (let other = 0; other < this.capacity; other++) {
      if (this.used[other] === 0 || other === slot) continue;
      for (let parent = 0; parent < 2; parent++) {
        if (this.parentSlot[other * 2 + parent] === NO_SLOT && this.parentMatches(other, parent, slot)) {
          this.parentSlot[other * 2 + parent] = slot;
          this.absorbDescendant(slot, other);
        }
      }
    }
    this.propagate(slot, entry.issuer);
    return slot;
  }

  private parentMatches(child: number, parent: number, slot: number): boolean {
    const base = (child * 2 + parent) * ID_BYTES;
    const own = slot * ID_BYTES;
    for (let index = 0; index < ID_BYTES; index++) if (this.parentIds[base + index] !== this.ids[own + index]) return false;
    return true;
  }

  /** A late parent inherits its descendant's weight and approvers (bounded by the window). */
  private absorbDescendant(parent: number, child: number): void {
    this.weight[parent] += this.weight[child];
    this.addApprover(parent, this.issuer[child]);
    for (let index = 0; index < this.approverCount[child]; index++) this.addApprover(parent, this.approvers[child * this.approversMax + index]);
  }

  private addApprover(slot: number, member: number): void {
    const count = this.approverCount[slot];
    const base = slot * this.approversMax;
    for (let index = 0; index < count; index++) if (this.approvers[base + index] === member) return;
    if (count < this.approversMax) {
      this.approvers[base + count] = member;
      this.approverCount[slot] = count + 1;
    }
  }

  /** Every ancestor of the new record gains one unit of weight and the issuer as an approver. */
  private propagate(slot: number, issuer: number): void {
    this.visitEpoch++;
    let top = 0;
    for (let parent = 0; parent < 2; parent++) {
      const ancestor = this.parentSlot[slot * 2 + parent];
      if (ancestor !== NO_SLOT && this.visitMark[ancestor] !== this.visitEpoch) {
        this.visitMark[ancestor] = this.visitEpoch;
        this.stack[top++] = ancestor;
      }
    }
    // Each slot is pushed at most once per epoch, so the stack never exceeds the capacity.
    while (top > 0) {
      const current = this.stack[--top];
      this.weight[current]++;
      if (this.issuer[current] !== issuer) this.addApprover(current, issuer);
      for (let parent = 0; parent < 2; parent++) {
        const ancestor = this.parentSlot[current * 2 + parent];
        if (ancestor !== NO_SLOT && this.visitMark[ancestor] !== this.visitEpoch) {
          this.visitMark[ancestor] = this.visitEpoch;
          this.stack[top++] = ancestor;
        }
      }
    }
  }

  /** Whether a record of `member` in the window approves `slot`, directly or indirectly. */
  approvedBy(slot: number, member: number): boolean {
    const base = slot * this.approversMax;
    for (let index = 0; index < this.approverCount[slot]; index++) if (this.approvers[base + index] === member) return true;
    return false;
  }

  /** Slots of valid records that approve `slot` directly (its children in the window). */
  approversOf(slot: number, out: Int32Array): number {
    let count = 0;
    for (let other = 0; other < this.capacity && count < out.length; other++) {
      if (this.used[other] === 0 || (this.flags[other] & FLAG_VALID) === 0) continue;
      if (this.parentSlot[other * 2] === slot || this.parentSlot[other * 2 + 1] === slot) out[count++] = other;
    }
    return count;
  }
}
