// What a busy board's program reads of its radio within a call. A call runs whole on the host before the
// world moves on, so a read the program makes part-way through a long call (DIO0, or RegIrqFlags, at its
// clock within the call) cannot yet see a packet that another radio ends later in that call. The reads
// are kept with their board times instead. When a packet ends while the one before it still waits unread
// in the FIFO, that one is written over only if the program made no read between the two packets' ends;
// if it did, the program took it out at that read (the driver services RxDone whenever it reads it:
// boards/drivers/sx127x.ts), and the new packet waits here behind it. The waiting packets are given to
// the chip's FIFO one at a time, each once the one before it has been read, so the program gets them in
// order when it is back in its event loop, as it would have from its own reads.
import type { Sx127xModel } from './sx127x-model';

/** Reads kept: a call reads its radio once per slice of work, so a few dozen cover the longest call. */
const READS_KEPT_MAX = 256;
/** Packets waiting behind the FIFO; one more is written over the newest, as in the chip. */
export const RADIO_WAITING_MAX = 32;

export class RadioReads {
  /** Board times of the program's reads, ascending. */
  private readsMs: number[] = [];
  private waiting: { payload: Uint8Array; crcValid: boolean }[] = [];
  /** When the newest unread packet (in the FIFO, or the last waiting) ended. */
  private lastEndMs = -Infinity;

  /** The program read RegIrqFlags or DIO0 at this board time. */
  noteRead(atMs: number): void {
    if (this.readsMs.length >= READS_KEPT_MAX) this.readsMs.shift();
    this.readsMs.push(atMs);
  }

  /** Whether the program read its radio after `afterMs` and by `byMs`; forgets reads at or before `afterMs`. */
  private readBetween(afterMs: number, byMs: number): boolean {
    while (this.readsMs.length > 0 && this.readsMs[0] <= afterMs) this.readsMs.shift();
    return this.readsMs.length > 0 && this.readsMs[0] <= byMs;
  }

  /**
   * A packet ends at this radio at `atMs`. Returns false when it goes to the FIFO as the chip has it (over
   * an unread one, if the program made no read since that one ended); true when it waits here instead.
   */
  admit(radio: Sx127xModel, payload: Uint8Array, crcValid: boolean, atMs: number, busy: boolean): boolean {
    const read = this.readBetween(this.lastEndMs, atMs);
    this.lastEndMs = atMs;
    if (this.waiting.length === 0 && !(busy && read && radio.rxDonePending())) return false;
    // The newest waiting packet was never read (or no room is left): the new one lands on it.
    if (this.waiting.length > 0 && ((busy && !read) || this.waiting.length >= RADIO_WAITING_MAX)) {
      this.waiting.pop();
      radio.overwritten++;
    }
    this.waiting.push({ payload: payload.slice(), crcValid });
    return true;
  }

  /** Whether a waiting packet can go to the FIFO now: the program has read the one there. */
  ready(radio: Sx127xModel): boolean {
    return this.waiting.length > 0 && !radio.rxDonePending();
  }

  /** Gives the next waiting packet to the FIFO once the program has read the one there; true if it did. */
  present(radio: Sx127xModel): boolean {
    if (!this.ready(radio)) return false;
    const next = this.waiting.shift() as { payload: Uint8Array; crcValid: boolean };
    // DIO0 fell when the program cleared RxDone: the packet raises it again.
    radio.takeDio0Rise();
    radio.receive(next.payload, next.crcValid);
    return true;
  }

  /** Packets waiting behind the FIFO. */
  get length(): number {
    return this.waiting.length;
  }

  /** A reset of the program loses what it had read into its memory. */
  clear(): void {
    this.waiting = [];
    this.readsMs = [];
  }
}
