// Offloading the node's own records to the aggregator until acknowledged (docs/ledger.md): one pending
// record at a time, in turn, with each hello, as stored (record and tokens in one COSE_Sign1, in parts
// of a frame each, never decoded on the board); an acknowledgement is a MAC under this member's token key
// (one SHA-512, only for an id of its own: on a radio every node hears every acknowledgement). An
// acknowledged record leaves the durable pending list and unpins itself and the parents no other
// pending record needs.
import { Frame, ackMessage, keyedMac, offloadFrames } from '../frames';
import type { NodePersistence } from '../ledger/persist';
import { FLAG_OFFLOADED, FLAG_PINNED, RecordWindow } from '../ledger/window';
import { ID_BYTES, RECORD_WITH_TOKENS_BYTES_MAX } from '../records';
import type { Tally } from './counters';
import { hexId } from './hex-id';
import type { Links } from './links';

export interface Offload {
  /** Sends the next pending record in turn, if any. */
  sendNext(): void;
  /** An offload acknowledgement heard on a link. */
  onAck(frame: Frame): void;
}

export function createOffload(
  memberId: number,
  persistence: NodePersistence,
  window: RecordWindow,
  tokenKey: Uint8Array,
  sha512: (bytes: Uint8Array) => Uint8Array,
  links: Links,
  tally: Tally,
): Offload {
  /** Whether a record is still a parent of one of the node's own unacknowledged records. */
  function pinnedByPending(slot: number): boolean {
    const ids = persistence.pendingIds();
    for (let index = 0; index < ids.length; index++) {
      const own = window.find(ids[index]);
      if (own >= 0 && (window.parentSlot[own * 2] === slot || window.parentSlot[own * 2 + 1] === slot)) return true;
    }
    return false;
  }

  return {
    sendNext: function (): void {
      const stored = persistence.nextPendingToOffload();
      if (stored === null) return;
      // Flash that does not hold an id and a record of a possible length is not sent (the aggregator would refuse it).
      if (stored.length <= ID_BYTES || stored.length > ID_BYTES + RECORD_WITH_TOKENS_BYTES_MAX) {
        tally.count('PENDING_UNREADABLE');
        return;
      }
      const frames = offloadFrames(memberId, stored.subarray(0, ID_BYTES), stored.subarray(ID_BYTES));
      for (let index = 0; index < frames.length; index++) links.broadcast(frames[index]);
    },
    onAck: function (frame: Frame): void {
      const id = frame.id as Uint8Array;
      const ids = persistence.pendingIds();
      const key = hexId(id);
      let own = false;
      for (let index = 0; index < ids.length; index++) if (hexId(ids[index]) === key) own = true;
      // On a radio every node hears every acknowledgement: only its own are worth a hash.
      if (!own) return;
      tally.counters.crypto_hash++;
      if (hexId(keyedMac(sha512, tokenKey, ackMessage(id))) !== hexId(frame.mac as Uint8Array)) {
        tally.count('ACK_MAC_INVALID');
        return;
      }
      if (!persistence.removePending(id)) return;
      tally.counters.offload_acked++;
      const slot = window.find(id);
      if (slot < 0) return;
      window.flags[slot] = (window.flags[slot] & ~FLAG_PINNED) | FLAG_OFFLOADED;
      for (let parent = 0; parent < 2; parent++) {
        const parentSlot = window.parentSlot[slot * 2 + parent];
        if (parentSlot >= 0 && !pinnedByPending(parentSlot)) window.flags[parentSlot] &= ~FLAG_PINNED;
      }
    },
  };
}
