// The node's inbox: the board's event handlers only append a copy of each received frame here (with the
// link it came on), and tick takes them out one at a time (shift). Fixed capacity: a frame that finds the
// inbox full, or longer than any frame plus a link's own framing, is dropped and counted by the caller.
import { copyBytes } from '../bytes';
import { FRAME_BYTES_MAX } from '../frames';
import { Ring } from './ring';

export const INBOX_FRAMES_MAX = 24;
/** Bytes a link's own framing may add to a frame; a longer input is dropped at the door. */
export const LINK_FRAMING_BYTES_MAX = 16;

export type InboxFrame = { link: number; bytes: Uint8Array };

export class Inbox extends Ring<InboxFrame> {
  /** Keeps a copy of the frame; false when it is dropped (inbox full or frame too long). */
  receive(link: number, frame: Uint8Array): boolean {
    if (this.length >= this.capacity || frame.length > FRAME_BYTES_MAX + LINK_FRAMING_BYTES_MAX) return false;
    return this.push({ link: link, bytes: copyBytes(frame, 0) });
  }
}
