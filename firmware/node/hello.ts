// The node's hello (docs/wire-format.md "Link frames"): its member id and next sequence number, once
// every interval, which also paces the offload of its pending records (one each hello).
import { FRAME_HELLO } from '../frames';
import type { NodePersistence } from '../ledger/persist';
import type { Links } from './links';
import type { Offload } from './offload';

/** Returns tick's hello step: a hello and one offload when the interval has passed since the last. */
export function createHello(memberId: number, intervalMs: number, persistence: NodePersistence, links: Links, offload: Offload): (nowMs: number) => void {
  let lastHelloMs = -Infinity;
  return function hello(nowMs: number): void {
    if (nowMs - lastHelloMs < intervalMs) return;
    lastHelloMs = nowMs;
    links.broadcast({ type: FRAME_HELLO, member: memberId, seqNext: persistence.peekSeq() });
    offload.sendNext();
  };
}
