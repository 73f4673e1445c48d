// The aggregator's view of the recent DAG, in memory, for cap selection and validation counts. Every
// arriving record adds one to the cumulative weight of its ancestors and its issuer to their approving
// members, visiting only ancestors among the last RECENT_RECORDS_MAX arrivals: records older than that
// are behind every walk's entry point and never need a weight again. So the work per record is bounded
// and nothing is ever recomputed in full (IOTA dropped cumulative weight for its cost; this keeps it).
// Caps are selected by the light node's algorithm (firmware/ledger/caps.ts) with this DAG's bounds.
import { CapBounds, CapGraph, WalkScratch, selectCapsIn } from '../../firmware/ledger/caps';

export const RECENT_RECORDS_MAX = 1024;
export const WALK_ENTRY_DEPTH = 128;
/** Longer walks than a light node's: the recent DAG holds RECENT_RECORDS_MAX records, not a window's few. */
export const RECENT_DAG_CAP_BOUNDS: CapBounds = { walkStepsMax: 512, walksMax: 8 };

type DagNode = {
  key: string;
  issuer: number;
  arrival: number;
  weight: number;
  approvers: Set<number>;
  parents: DagNode[];
  children: DagNode[];
  loser: boolean;
  watched: boolean;
  /** The walk (RecentDag.walks) that last visited this node: a mark in place, no set per walk. */
  walk: number;
};

export class RecentDag implements CapGraph<DagNode> {
  private nodes = new Map<string, DagNode>();
  private order: DagNode[] = [];
  private arrivals = 0;
  private epoch = 0;
  private marks = new Map<DagNode, number>();
  private scratch: WalkScratch<DagNode> = { approvers: [], weights: [] };
  /** Walks made by add(); each marks the nodes it visits with its number. */
  private walks = 0;
  /** add()'s stack, reused: at most RECENT_RECORDS_MAX nodes (each pushed once per walk). */
  private stack: DagNode[] = [];
  /** Watched records whose validation count grew since takeTouched() (at most RECENT_RECORDS_MAX). */
  private touched = new Set<string>();

  get size(): number {
    return this.nodes.size;
  }

  has(key: string): boolean {
    return this.nodes.has(key);
  }

  weight(key: string): number | null {
    return this.nodes.get(key)?.weight ?? null;
  }

  validationCount(key: string): number | null {
    return this.nodes.get(key)?.approvers.size ?? null;
  }

  markLoser(key: string): void {
    const node = this.nodes.get(key);
    if (node) node.loser = true;
  }

  /**
   * Marks a record whose validation count matters (one side of a trade waiting to commit): settlement
   * then looks only at watched records whose count grew, never at every pending trade.
   */
  watch(key: string): void {
    const node = this.nodes.get(key);
    if (node) node.watched = true;
  }

  unwatch(key: string): void {
    const node = this.nodes.get(key);
    if (node) node.watched = false;
  }

  /** The watched records whose validation count grew since the last call, and forgets them. */
  takeTouched(): string[] {
    const keys = [...this.touched];
    this.touched.clear();
    return keys;
  }

  /** Adds a record; parents outside the recent DAG are simply not linked. */
  add(key: string, issuer: number, parentKeys: string[]): void {
    if (this.nodes.has(key)) return;
    const node: DagNode = { key, issuer, arrival: this.arrivals++, weight: 1, approvers: new Set(), parents: [], children: [], loser: false, watched: false, walk: 0 };
    for (const parentKey of parentKeys) {
      const parent = this.nodes.get(parentKey);
      if (parent && !node.parents.includes(parent)) {
        node.parents.push(parent);
        parent.children.push(node);
      }
    }
    this.nodes.set(key, node);
    this.order.push(node);
    const oldest = this.arrivals - RECENT_RECORDS_MAX;
    const walk = ++this.walks;
    const stack = this.stack;
    stack.length = 0;
    for (const parent of node.parents) {
      parent.walk = walk;
      stack.push(parent);
    }
    while (stack.length > 0) {
      const current = stack.pop() as DagNode;
      current.weight++;
      if (current.issuer !== issuer && !current.approvers.has(issuer)) {
        current.approvers.add(issuer);
        if (current.watched) this.touched.add(current.key);
      }
      for (const parent of current.parents) {
        if (parent.arrival >= oldest && parent.walk !== walk) {
          parent.walk = walk;
          stack.push(parent);
        }
      }
    }
    while (this.order.length > RECENT_RECORDS_MAX) this.forget(this.order.shift() as DagNode);
  }

  private forget(node: DagNode): void {
    this.nodes.delete(node.key);
    this.touched.delete(node.key);
    for (const child of node.children) child.parents = child.parents.filter((parent) => parent !== node);
    node.children = [];
  }

  /** Usable as a cap: not a loser, nor anything in its past cone (at most WALK_ENTRY_DEPTH * 4 visited). */
  usableCap(node: DagNode): boolean {
    if (node.loser) return false;
    this.epoch++;
    const stack = [node];
    let visited = 0;
    while (stack.length > 0 && visited < WALK_ENTRY_DEPTH * 4) {
      const current = stack.pop() as DagNode;
      visited++;
      if (current.loser) return false;
      for (const parent of current.parents) {
        if (this.marks.get(parent) !== this.epoch) {
          this.marks.set(parent, this.epoch);
          stack.push(parent);
        }
      }
    }
    return true;
  }

  /** An entry point among the last WALK_ENTRY_DEPTH arrivals: the whole recent DAG is too large to scan per walk. */
  entryPoint(random: () => number): DagNode | null {
    if (this.order.length === 0) return null;
    return this.order[Math.max(0, this.order.length - 1 - Math.floor(random() * WALK_ENTRY_DEPTH))];
  }

  /** A step goes to any approver that is not a loser; the cap's whole past cone is checked at the end. */
  stepsFrom(node: DagNode, out: { [index: number]: DagNode }): number {
    let count = 0;
    for (const child of node.children) if (!child.loser) out[count++] = child;
    return count;
  }

  weightOf(node: DagNode): number {
    return node.weight;
  }

  /** Two caps' keys by the weighted walk (firmware/ledger/caps.ts), or null when the DAG has no usable record. */
  selectCaps(alpha: number, random: () => number): string[] | null {
    const caps = selectCapsIn(this, this.scratch, RECENT_DAG_CAP_BOUNDS, alpha, random);
    return caps === null ? null : caps.map((node) => node.key);
  }
}
