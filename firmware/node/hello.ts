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

/** The delay's resolution: a thousandth of its range. */
const JITTER_STEPS = 1000;

/** Park and Miller's minimal standard generator: every product stays an exact double on every board. */
const LEHMER_MULTIPLIER = 16807;
const LEHMER_MODULUS = 2147483647;

/**
 * Returns tick's hello step: the first hello (member mod HELLO_PHASES) / HELLO_PHASES of an interval
 * after the first call, then one each interval, each with one offload.
 *
 * Each hello is due a whole number of intervals after the member's first (its nominal time), plus a
 * pseudo-random delay in the first half of its phase's slot (interval / HELLO_PHASES). Timed from the
 * tick that sent the one before, the phases drifted with each board's load: boards whose hellos once
 * went out together kept going out together, and over eight simulated hours of 24 mixed EVs the
 * receptions of hellos that collided rose from 1,220 to 9,307 an hour (docs/simulation.md, step 10).
 * The delay keeps members that share a phase (more members than phases), or whose clocks drift apart in
 * the field, from colliding interval after interval.
 */
export function createHello(memberId: number, intervalMs: number, persistence: NodePersistence, links: Links, offload: Offload): (nowMs: number) => void {
  const jitterMaxMs = intervalMs / HELLO_PHASES / 2;
  let state = (memberId % (LEHMER_MODULUS - 1)) + 1;
  function jitterMs(): number {
    state = (state * LEHMER_MULTIPLIER) % LEHMER_MODULUS;
    return ((state % JITTER_STEPS) * jitterMaxMs) / JITTER_STEPS;
  }
  let nominalMs = -1;
  let dueMs = -1;
  return function hello(nowMs: number): void {
    if (nominalMs < 0) {
      nominalMs = nowMs + ((memberId % HELLO_PHASES) * intervalMs) / HELLO_PHASES;
      dueMs = nominalMs + jitterMs();
    }
    if (nowMs < dueMs) return;
    nominalMs += intervalMs;
    // A board away for longer than an interval takes the first nominal time after now (no burst of hellos).
    if (nominalMs <= nowMs) nominalMs += Math.ceil((nowMs - nominalMs + 1) / intervalMs) * intervalMs;
    dueMs = nominalMs + jitterMs();
    links.broadcast({ type: FRAME_HELLO, member: memberId, seqNext: persistence.peekSeq() });
    offload.sendNext();
  };
}
