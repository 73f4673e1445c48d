// The node's side of its links: a frame broadcast on every link, and whether the links are quiet enough for a long slice (bounded, so work is never
// starved by a busy medium).
import { Frame, encodeFrame } from '../frames';
import type { Link } from '../platform';

/** At most this many ticks in a row skip their slice for a busy link (at 50 ms a tick, 2 s). */
export const SLICE_DEFERRALS_MAX = 40;

export interface Links {
  /** Services each link's receiver (a radio's FIFO): called between pieces of work, so a frame waiting there is read before the next lands on it. */
  poll(): void;
  broadcast(frame: Frame): void;
  /** Sends encoded bytes on every link. */
  sendAll(bytes: Uint8Array): void;
  /** Whether no link is receiving (or just received: a burst continues); false at most SLICE_DEFERRALS_MAX ticks in a row. */
  quiet(): boolean;
}

export function createLinks(links: Link[]): Links {
  /** Ticks in a row whose slice waited for a quiet link; past SLICE_DEFERRALS_MAX the slice runs anyway. */
  let deferrals = 0;
  function poll(): void {
    for (let index = 0; index < links.length; index++) {
      const service = links[index].poll;
      if (service !== undefined) service();
    }
  }
  function sendAll(bytes: Uint8Array): void {
    // A send can be long on an interpreter (a UART frame's CRC, a radio's FIFO): the links are polled after each.
    for (let index = 0; index < links.length; index++) {
      links[index].send(bytes);
      poll();
    }
  }
  return {
    poll: poll,
    broadcast: function (frame: Frame): void {
      sendAll(encodeFrame(frame));
    },
    sendAll: sendAll,
    quiet: function (): boolean {
      for (let index = 0; index < links.length; index++) {
        const receiving = links[index].receiving;
        if (receiving !== undefined && receiving() && deferrals < SLICE_DEFERRALS_MAX) {
          deferrals++;
          return false;
        }
      }
      deferrals = 0;
      return true;
    },
  };
}
