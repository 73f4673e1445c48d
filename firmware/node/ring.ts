// A first-in-first-out ring of fixed capacity (docs/ledger.md "Bounded memory"): its slots are made at
// start-up and never grow; push answers false when the ring is full, so each caller applies its own
// written rule (drop, count, refuse). Inserting or removing inside moves at most the capacity in entries.

export class Ring<T> {
  readonly capacity: number;
  private slots: (T | null)[];
  private first = 0;
  length = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1 && capacity % 1 === 0)) throw new Error('ring capacity must be a positive integer, got ' + capacity);
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
    if (this.length === 0) return null;
    return this.remove(0);
  }

  /** The entry `index` places from the head (0 is the head); an index outside the ring is a bug. */
  get(index: number): T {
    if (!(index >= 0 && index < this.length)) throw new Error('ring index ' + index + ' outside 0..' + (this.length - 1));
    return this.slots[(this.first + index) % this.capacity] as T;
  }

  /** Puts an entry `index` places from the head, moving the later ones back; false when full. */
  insert(index: number, item: T): boolean {
    if (!(index >= 0 && index <= this.length)) throw new Error('ring index ' + index + ' outside 0..' + this.length);
    if (this.length >= this.capacity) return false;
    for (let at = this.length; at > index; at--) this.slots[(this.first + at) % this.capacity] = this.slots[(this.first + at - 1) % this.capacity];
    this.slots[(this.first + index) % this.capacity] = item;
    this.length++;
    return true;
  }

  /** Takes the entry `index` places from the head, moving the later ones forward. */
  remove(index: number): T {
    const item = this.get(index);
    if (index === 0) {
      this.slots[this.first] = null;
      this.first = (this.first + 1) % this.capacity;
    } else {
      for (let at = index; at < this.length - 1; at++) this.slots[(this.first + at) % this.capacity] = this.slots[(this.first + at + 1) % this.capacity];
      this.slots[(this.first + this.length - 1) % this.capacity] = null;
    }
    this.length--;
    return item;
  }
}
