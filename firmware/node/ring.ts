// A first-in-first-out list of fixed capacity (docs/ledger.md "Bounded memory"): its slots are made at
// start-up and never grow; push answers false when it is full, so each caller applies its own written
// rule (drop, count, refuse). Inserting or removing anywhere, the head included, moves at most the
// capacity in entries (every capacity here is at most a few dozen), so the head is always slot 0.

export class Ring<T> {
  readonly capacity: number;
  private slots: (T | null)[];
  length = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1 && capacity % 1 === 0)) throw new Error('ring capacity ' + capacity);
    this.capacity = capacity;
    this.slots = [];
    for (let index = 0; index < capacity; index++) this.slots.push(null);
  }

  /** Appends at the tail; false (and nothing changes) when full. */
  push(item: T): boolean {
    return this.insert(this.length, item);
  }

  /** Takes the head; null when empty. */
  shift(): T | null {
    return this.length === 0 ? null : this.remove(0);
  }

  /** The entry `index` places from the head (0 is the head); an index outside the ring is a bug. */
  get(index: number): T {
    if (!(index >= 0 && index < this.length)) throw new Error('ring index ' + index);
    return this.slots[index] as T;
  }

  /** Puts an entry `index` places from the head, moving the later ones back; false when full. */
  insert(index: number, item: T): boolean {
    if (!(index >= 0 && index <= this.length)) throw new Error('ring index ' + index);
    if (this.length >= this.capacity) return false;
    for (let at = this.length; at > index; at--) this.slots[at] = this.slots[at - 1];
    this.slots[index] = item;
    this.length++;
    return true;
  }

  /** Takes the entry `index` places from the head, moving the later ones forward. */
  remove(index: number): T {
    const item = this.get(index);
    for (let at = index; at < this.length - 1; at++) this.slots[at] = this.slots[at + 1];
    this.slots[--this.length] = null;
    return item;
  }
}
