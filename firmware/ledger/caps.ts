// Cap selection (paper IV.G), one algorithm for the light node's window and the aggregator's recent DAG:
// the IOTA whitepaper's weighted random walk (MCMC). From an entry point among the heavy (old, well
// approved) records, each step moves to an approver y of the current record with probability
// proportional to exp(alpha * (H_y - H_max)), H being cumulative weight, until a record with no usable
// approver: a cap. alpha = 0 is the uniform random walk, the baseline. Each graph (CapGraph) chooses its
// entry points and says which records are usable; the walk is bounded by CapBounds: at most
// walkStepsMax steps per walk and walksMax walks per selection.
import { FLAG_CONFLICT_LOSER, FLAG_VALID, RecordWindow } from './window';
import { ID_BYTES } from '../protocol';

export type CapBounds = { walkStepsMax: number; walksMax: number };
/** The light node's bounds: its window holds at most a few hundred records (docs/ledger.md). */
export const WINDOW_CAP_BOUNDS: CapBounds = { walkStepsMax: 64, walksMax: 4 };
/** The parent of the first records of a ledger: sixteen zero bytes. */
export const GENESIS_ID = new Uint8Array(ID_BYTES);

/** What the walk needs of a DAG, whose records it names by T (a window slot, a node object). */
export interface CapGraph<T> {
  /** A record to start a walk from, drawn with at most one call of `random`; null when there is none. */
  entryPoint(random: () => number): T | null;
  /** The approvers of `record` a walk may step to, written into `out`; returns how many. */
  stepsFrom(record: T, out: { [index: number]: T }): number;
  /** The record's cumulative weight. */
  weightOf(record: T): number;
  /** Whether the record may be approved: valid, and nothing in its past cone lost a conflict. */
  usableCap(record: T): boolean;
}

/** Scratch space for walks: room for the most approvers one record can have in the graph. */
export type WalkScratch<T> = { approvers: { [index: number]: T }; weights: { [index: number]: number } };

/** One walk from `start` to a cap (at most bounds.walkStepsMax steps); returns the cap. */
export function walkToCap<T>(graph: CapGraph<T>, scratch: WalkScratch<T>, bounds: CapBounds, alpha: number, random: () => number, start: T): T {
  let current = start;
  for (let step = 0; step < bounds.walkStepsMax; step++) {
    const count = graph.stepsFrom(current, scratch.approvers);
    if (count === 0) return current;
    let heaviest = 0;
    for (let index = 0; index < count; index++) if (graph.weightOf(scratch.approvers[index]) > heaviest) heaviest = graph.weightOf(scratch.approvers[index]);
    let total = 0;
    for (let index = 0; index < count; index++) {
      scratch.weights[index] = Math.exp(alpha * (graph.weightOf(scratch.approvers[index]) - heaviest));
      total += scratch.weights[index];
    }
    let pick = random() * total;
    let chosen = scratch.approvers[count - 1];
    for (let index = 0; index < count; index++) {
      pick -= scratch.weights[index];
      if (pick < 0) {
        chosen = scratch.approvers[index];
        break;
      }
    }
    current = chosen;
  }
  return current;
}

/** Two caps (the same one twice when only one is found), or null when the graph has no usable record. */
export function selectCapsIn<T>(graph: CapGraph<T>, scratch: WalkScratch<T>, bounds: CapBounds, alpha: number, random: () => number): T[] | null {
  const caps: T[] = [];
  for (let attempt = 0; attempt < bounds.walksMax && caps.length < 2; attempt++) {
    const start = graph.entryPoint(random);
    if (start === null) return null;
    const cap = walkToCap(graph, scratch, bounds, alpha, random, start);
    if (graph.usableCap(cap)) caps.push(cap);
  }
  if (caps.length === 0) return null;
  if (caps.length === 1) caps.push(caps[0]);
  return caps;
}

/**
 * The light node's window as a CapGraph, with its scratch arrays (fixed at the window's capacity). Entry
 * points: a random record among those carrying at least half the heaviest weight (the window is small
 * enough to scan). A step goes only to a usable approver.
 */
export class CapWalk implements CapGraph<number> {
  window: RecordWindow | null = null;
  approvers: Int32Array;
  weights: Float64Array;
  candidates: Int32Array;
  stack: Int32Array;
  mark: Uint32Array;
  epoch = 0;
  /** Per slot, the number of the last selection (pick) that found its past cone clean (usableCap); each selection counts one more. */
  clean: Uint32Array;
  pick = 0;
  /** `poll` runs at each entry point and step: the node services its radio there (a walk is long on an interpreter). */
  constructor(capacity: number, readonly poll: () => void) {
    this.approvers = new Int32Array(capacity);
    this.weights = new Float64Array(capacity);
    this.candidates = new Int32Array(capacity);
    this.stack = new Int32Array(capacity);
    this.mark = new Uint32Array(capacity);
    this.clean = new Uint32Array(capacity);
  }

  private plainUsable(slot: number): boolean {
    const window = this.window as RecordWindow;
    return window.isUsed(slot) && (window.flags[slot] & FLAG_VALID) !== 0 && (window.flags[slot] & FLAG_CONFLICT_LOSER) === 0;
  }

  /**
   * A record is usable as a step or a cap when it is valid and nothing in its past cone (within the
   * window) lost a conflict: approving it would approve the losing spend too. The cone is searched
   * breadth first, each slot once (bounded by the capacity), and not past a record whose cone this
   * selection already found clean; a clean search marks every slot it reached. So a selection searches
   * each slot's cone about once, where a search per candidate (entry points, steps) cost an ESP32 about a
   * second a record: the window scanned once per heavy record.
   */
  usableCap(slot: number): boolean {
    if (!this.plainUsable(slot)) return false;
    if (this.clean[slot] === this.pick) return true;
    const window = this.window as RecordWindow;
    this.epoch++;
    let tail = 0;
    this.stack[tail++] = slot;
    this.mark[slot] = this.epoch;
    for (let head = 0; head < tail; head++) {
      const current = this.stack[head];
      if ((window.flags[current] & FLAG_CONFLICT_LOSER) !== 0) return false;
      for (let parent = 0; parent < 2; parent++) {
        const ancestor = window.parentSlot[current * 2 + parent];
        if (ancestor >= 0 && this.mark[ancestor] !== this.epoch && this.clean[ancestor] !== this.pick) {
          this.mark[ancestor] = this.epoch;
          this.stack[tail++] = ancestor;
        }
      }
    }
    for (let index = 0; index < tail; index++) this.clean[this.stack[index]] = this.pick;
    return true;
  }

  entryPoint(random: () => number): number | null {
    const window = this.window as RecordWindow;
    this.poll();
    let heaviest = 0;
    for (let slot = 0; slot < window.capacity; slot++) if (this.plainUsable(slot) && window.weight[slot] > heaviest) heaviest = window.weight[slot];
    let count = 0;
    for (let slot = 0; slot < window.capacity; slot++) {
      if (window.weight[slot] * 2 >= heaviest && this.usableCap(slot)) this.candidates[count++] = slot;
    }
    return count === 0 ? null : this.candidates[Math.floor(random() * count)];
  }

  stepsFrom(slot: number, out: { [index: number]: number }): number {
    this.poll();
    const found = (this.window as RecordWindow).approversOf(slot, out as Int32Array);
    let count = 0;
    for (let index = 0; index < found; index++) if (this.usableCap(out[index])) out[count++] = out[index];
    return count;
  }

  weightOf(slot: number): number {
    return (this.window as RecordWindow).weight[slot];
  }
}

/** Two caps for a new record from the light node's window, or null when it holds no usable record. */
export function selectCaps(window: RecordWindow, walk: CapWalk, alpha: number, random: () => number): Uint8Array[] | null {
  walk.window = window;
  // The window may have changed since the last selection: no cone is known clean.
  walk.pick++;
  const caps = selectCapsIn(walk, walk, WINDOW_CAP_BOUNDS, alpha, random);
  return caps === null ? null : [window.idOf(caps[0]), window.idOf(caps[1])];
}
