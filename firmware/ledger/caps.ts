// Cap selection (paper IV.G): the IOTA whitepaper's weighted random walk (MCMC) over the window. From an
// entry point among the heavy (old, well approved) records, each step moves to an approver y of the
// current record with probability proportional to exp(alpha * (H_y - H_max)), H being cumulative weight,
// until a record with no valid approver: a cap. alpha = 0 is the uniform random walk, the baseline.
// Bounded: at most WALK_STEPS_MAX steps per walk, CAP_WALKS_MAX walks per selection.
import { FLAG_CONFLICT_LOSER, FLAG_VALID, RecordWindow } from './window';
import { ID_BYTES } from '../protocol';

export const WALK_STEPS_MAX = 64;
export const CAP_WALKS_MAX = 4;
/** The parent of the first records of a ledger: sixteen zero bytes. */
export const GENESIS_ID = new Uint8Array(ID_BYTES);

export class CapWalk {
  approvers: Int32Array;
  weights: Float64Array;
  candidates: Int32Array;
  stack: Int32Array;
  mark: Uint32Array;
  epoch = 0;
  constructor(capacity: number) {
    this.approvers = new Int32Array(capacity);
    this.weights = new Float64Array(capacity);
    this.candidates = new Int32Array(capacity);
    this.stack = new Int32Array(capacity);
    this.mark = new Uint32Array(capacity);
  }
}

function plainUsable(window: RecordWindow, slot: number): boolean {
  return window.isUsed(slot) && (window.flags[slot] & FLAG_VALID) !== 0 && (window.flags[slot] & FLAG_CONFLICT_LOSER) === 0;
}

/**
 * A record is usable as a step or a cap when it is valid and nothing in its past cone (within the
 * window) lost a conflict: approving it would approve the losing spend too. Bounded by the capacity.
 */
function usable(window: RecordWindow, slot: number, walk: CapWalk): boolean {
  if (!plainUsable(window, slot)) return false;
  walk.epoch++;
  let top = 0;
  walk.stack[top++] = slot;
  walk.mark[slot] = walk.epoch;
  while (top > 0) {
    const current = walk.stack[--top];
    if ((window.flags[current] & FLAG_CONFLICT_LOSER) !== 0) return false;
    for (let parent = 0; parent < 2; parent++) {
      const ancestor = window.parentSlot[current * 2 + parent];
      if (ancestor >= 0 && walk.mark[ancestor] !== walk.epoch) {
        walk.mark[ancestor] = walk.epoch;
        walk.stack[top++] = ancestor;
      }
    }
  }
  return true;
}

/** An entry point: a random record among those carrying at least half the heaviest weight. */
function entryPoint(window: RecordWindow, walk: CapWalk, random: () => number): number {
  let heaviest = 0;
  for (let slot = 0; slot < window.capacity; slot++) if (plainUsable(window, slot) && window.weight[slot] > heaviest) heaviest = window.weight[slot];
  let count = 0;
  for (let slot = 0; slot < window.capacity; slot++) {
    if (window.weight[slot] * 2 >= heaviest && usable(window, slot, walk)) walk.candidates[count++] = slot;
  }
  return count === 0 ? -1 : walk.candidates[Math.floor(random() * count)];
}

/** One walk from the entry point to a cap; returns the cap's slot. */
export function walkToCap(window: RecordWindow, walk: CapWalk, alpha: number, random: () => number, start: number): number {
  let current = start;
  for (let step = 0; step < WALK_STEPS_MAX; step++) {
    const found = window.approversOf(current, walk.approvers);
    let count = 0;
    let heaviest = 0;
    for (let index = 0; index < found; index++) {
      const slot = walk.approvers[index];
      if (!usable(window, slot, walk)) continue;
      walk.approvers[count++] = slot;
      if (window.weight[slot] > heaviest) heaviest = window.weight[slot];
    }
    if (count === 0) return current;
    let total = 0;
    for (let index = 0; index < count; index++) {
      walk.weights[index] = Math.exp(alpha * (window.weight[walk.approvers[index]] - heaviest));
      total += walk.weights[index];
    }
    let pick = random() * total;
    let chosen = walk.approvers[count - 1];
    for (let index = 0; index < count; index++) {
      pick -= walk.weights[index];
      if (pick < 0) {
        chosen = walk.approvers[index];
        break;
      }
    }
    current = chosen;
  }
  return current;
}

/** Two caps for a new record, or null when the window holds no usable record. */
export function selectCaps(window: RecordWindow, walk: CapWalk, alpha: number, random: () => number): Uint8Array[] | null {
  const caps: number[] = [];
  for (let attempt = 0; attempt < CAP_WALKS_MAX && caps.length < 2; attempt++) {
    const start = entryPoint(window, walk, random);
    if (start < 0) return null;
    const cap = walkToCap(window, walk, alpha, random, start);
    if (usable(window, cap, walk)) caps.push(cap);
  }
  if (caps.length === 0) return null;
  if (caps.length === 1) caps.push(caps[0]);
  return [window.idOf(caps[0]), window.idOf(caps[1])];
}
