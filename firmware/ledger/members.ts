// The member registry a light node keeps: member id to Ed25519 public key, and what it knows of each
// member's Ecash balance (the last signed checkpoint, plus what accepted records since spend). Fixed
// capacity; when full, a new member is refused (counted), never another one dropped.

import { copyBytes } from '../bytes';
import { PUBLIC_KEY_BYTES as KEY_BYTES } from '../protocol';

export class MemberTable {
  readonly capacity: number;
  private ids: Uint16Array;
  private keys: Uint8Array;
  private balance: Float64Array;
  private balanceKnown: Uint8Array;
  private balanceAsOfMs: Float64Array;
  private spent: Float64Array;
  count = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.ids = new Uint16Array(capacity);
    this.keys = new Uint8Array(capacity * KEY_BYTES);
    this.balance = new Float64Array(capacity);
    this.balanceKnown = new Uint8Array(capacity);
    this.balanceAsOfMs = new Float64Array(capacity);
    this.spent = new Float64Array(capacity);
  }

  static bytesFor(capacity: number): number {
    return capacity * (2 + KEY_BYTES + 8 + 1 + 8 + 8);
  }

  private slotOf(id: number): number {
    for (let slot = 0; slot < this.count; slot++) if (this.ids[slot] === id) return slot;
    return -1;
  }

  has(id: number): boolean {
    return this.slotOf(id) >= 0;
  }

  publicKey(id: number): Uint8Array | null {
    const slot = this.slotOf(id);
    return slot < 0 ? null : copyBytes(this.keys, slot * KEY_BYTES, slot * KEY_BYTES + KEY_BYTES);
  }

  /** Whether the member in `slot` has `publicKey`. */
  private keyIn(slot: number, publicKey: Uint8Array): boolean {
    for (let index = 0; index < KEY_BYTES; index++) if (this.keys[slot * KEY_BYTES + index] !== publicKey[index]) return false;
    return true;
  }

  /**
   * Whether registering `id` with `publicKey` collides with a member held: the id with another key, or
   * the key under another id. The same id with the same key is the same registration.
   */
  taken(id: number, publicKey: Uint8Array): boolean {
    for (let slot = 0; slot < this.count; slot++) if ((this.ids[slot] === id) !== this.keyIn(slot, publicKey)) return true;
    return false;
  }

  /** Adds a member; false when the table is full or the id is taken by another key. */
  add(id: number, publicKey: Uint8Array, grantEcash: number): boolean {
    const existing = this.slotOf(id);
    if (existing >= 0) return this.keyIn(existing, publicKey);
    if (this.count >= this.capacity) return false;
    const slot = this.count++;
    this.ids[slot] = id;
    this.keys.set(publicKey, slot * KEY_BYTES);
    this.balance[slot] = grantEcash;
    this.balanceKnown[slot] = 1;
    this.balanceAsOfMs[slot] = 0;
    this.spent[slot] = 0;
    return true;
  }

  /** A signed checkpoint from the aggregator replaces older balance knowledge. */
  checkpoint(id: number, balance: number, asOfMs: number): boolean {
    const slot = this.slotOf(id);
    if (slot < 0 || asOfMs < this.balanceAsOfMs[slot]) return false;
    this.balance[slot] = balance;
    this.balanceKnown[slot] = 1;
    this.balanceAsOfMs[slot] = asOfMs;
    this.spent[slot] = 0;
    return true;
  }

  balanceOf(id: number): number | null {
    const slot = this.slotOf(id);
    return slot < 0 || this.balanceKnown[slot] === 0 ? null : this.balance[slot];
  }

  balanceAsOf(id: number): number {
    const slot = this.slotOf(id);
    return slot < 0 ? 0 : this.balanceAsOfMs[slot];
  }

  spentSince(id: number): number {
    const slot = this.slotOf(id);
    return slot < 0 ? 0 : this.spent[slot];
  }

  recordSpend(id: number, amount: number): void {
    const slot = this.slotOf(id);
    if (slot >= 0) this.spent[slot] += amount;
  }

  idAt(slot: number): number {
    return this.ids[slot];
  }
}
