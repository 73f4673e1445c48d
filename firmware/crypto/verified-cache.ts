// A fixed-capacity set of record ids whose signatures verified, so no signature is verified twice.
// Eviction: oldest first (a ring). A record evicted from the cache that comes back is verified again,
// which costs time but never correctness.

export class VerifiedCache {
  private ids: Uint8Array;
  private next = 0;
  private count = 0;

  constructor(
    public capacity: number,
    private idBytes: number,
  ) {
    if (capacity < 1) throw new Error('VerifiedCache capacity ' + capacity);
    this.ids = new Uint8Array(capacity * idBytes);
  }

  size(): number {
    return this.count;
  }

  has(id: Uint8Array): boolean {
    for (let slot = 0; slot < this.count; slot++) {
      const base = slot * this.idBytes;
      let same = true;
      for (let index = 0; index < this.idBytes && same; index++) same = this.ids[base + index] === id[index];
      if (same) return true;
    }
    return false;
  }

  add(id: Uint8Array): void {
    if (id.length !== this.idBytes) throw new Error('VerifiedCache id must be ' + this.idBytes + ' bytes');
    if (this.has(id)) return;
    this.ids.set(id, this.next * this.idBytes);
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }
}
