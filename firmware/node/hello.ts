// The node's hello (docs/wire-format.md "Link frames"): its member id and next sequence number, once
// every interval, which also paces the offload of its pending records (one each hello).
import { FRAME_HELLO } from '../frames';
import type { NodePersistence } from '../ledger/persist';
import type { Links } from './links';
import type { Offload } from './offload';

/**
 * Hellos of different members start at different phases of the interval: boards powered up together
 * (a city's simulation starts every board at once) otherwise said hello, and offloaded a record part,
 * all in the same instant every interval, and on a shared radio channel those frames collided.
 */
export const HELLO_PHASES = 32;

/**
 * Returns tick's hello step: the first hello (member mod HELLO_PHASES) / HELLO_PHASES of an interval
 * after the first call, then one each interval, each with one offload.
 */
export function createHello(memberId: number, intervalMs: number, persistence: NodePersistence, links: Links, offload: Offload): (nowMs: number) => void {
  let nextHelloMs = -1;
  return function hello(nowMs: number): void {
    if (nextHelloMs < 0) nextHelloMs = nowMs + ((memberId % HELLO_PHASES) * intervalMs) / HELLO_PHASES;
    if (nowMs < nextHelloMs) return;
    nextHelloMs = nowMs + intervalMs;
    links.broadcast({ type: FRAME_HELLO, member: memberId, seqNext: persistence.peekSeq() });
    offload.sendNext();
  };
}
