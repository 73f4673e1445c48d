// What a busy board's program reads of its radio within a call. A call runs whole on the host before the
// world moves on, so a read the program makes part-way through a long call (DIO0, or RegIrqFlags, at its
// clock within the call) cannot yet see a packet that another radio ends later in that call. The reads
// are kept with their board times instead. When a packet ends while the one before it still waits unread
// in the FIFO and the program made a read between the two packets' ends, the program took the first out
// at that read (the driver services RxDone whenever it reads it: boards/drivers/sx127x.ts), and the new
// packet waits here behind it. Packets that end with no read between them reach the chip together: the
// receiver writes them one after another in its FIFO ring (sx127x-model.ts), where the program finds
// what the ring still holds. The waiting groups are given to the chip's FIFO one at a time, each once
// the program has read the last packet before it, so the program gets them in order when it is back in
// its event loop, as it would have from its own reads.
import type { Sx127xModel } from './sx127x-model';

/** Reads kept: a call reads its radio once per slice of work, so a few dozen cover the longest call. */
const READS_KEPT_MAX = 256;
/** Groups waiting behind the FIFO; a packet past the last group joins it, as in the chip. */
export const RADIO_WAITING_MAX = 32;
/** Packets in one group: more than the 256-byte ring holds (the shortest frame takes over 8 bytes). */
export const GROUP_PACKETS_MAX = 32;

type Packet = { payload: Uint8Array; crcValid: boolean };

export class RadioReads {
  /** Board times of the program's reads, ascending. */
  private readsMs: number[] = [];
  private waiting: Packet[][] = [];
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
   * A packet ends at this radio at `atMs`. Returns false when it goes to the FIFO now, as the chip has it
   * (behind an unread one, if the program made no read since that one ended); true when it waits here.
   */
  admit(radio: Sx127xModel, payload: Uint8Array, crcValid: boolean, atMs: number, busy: boolean): boolean {
    const read = this.readBetween(this.lastEndMs, atMs);
    this.lastEndMs = atMs;
    if (this.waiting.length === 0 && !(busy && read && radio.rxDonePending())) return false;
    const packet = { payload: payload.slice(), crcValid };
    const last = this.waiting[this.waiting.length - 1];
    // Never read since the newest waiting packet ended (or no room is left): it reaches the chip with it.
    if (last !== undefined && ((busy && !read) || this.waiting.length >= RADIO_WAITING_MAX)) {
      if (last.length >= GROUP_PACKETS_MAX) {
        radio.countOverwritten(radio.kindOf((last.shift() as Packet).payload));
      }
      last.push(packet);
    } else this.waiting.push([packet]);
    return true;
  }

  /** Whether a waiting packet can go to the FIFO now: the program has read the one there. */
  ready(radio: Sx127xModel): boolean {
    return this.waiting.length > 0 && !radio.rxDonePending();
  }

  /** Gives the next waiting group to the FIFO once the program has read the packet there; true if it did. */
  present(radio: Sx127xModel): boolean {
    if (!this.ready(radio)) return false;
    const group = this.waiting.shift() as Packet[];
    // DIO0 fell when the program cleared RxDone: the group's packets raise it again.
    radio.takeDio0Rise();
    for (const packet of group) radio.receive(packet.payload, packet.crcValid);
    return true;
  }

  /** Packets waiting behind the FIFO. */
  get length(): number {
    return this.waiting.reduce((total, group) => total + group.length, 0);
  }

  /** A reset of the program loses what it had read into its memory. */
  clear(): void {
    this.waiting = [];
    this.readsMs = [];
  }
}
