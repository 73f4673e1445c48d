// The aggregator's view of the recent DAG, in memory, for cap selection and validation counts. Every
// arriving record adds one to the cumulative weight of its ancestors and its issuer to their approving
// members, visiting only ancestors among the last RECENT_RECORDS_MAX arrivals: records older than that
// are behind every walk's entry point and never need a weight again. So the work per record is bounded
// and nothing is ever recomputed in full (IOTA dropped cumulative weight for its cost; this keeps it).

export const RECENT_RECORDS_MAX = 1024;
export const WALK_ENTRY_DEPTH = 128;
export const WALK_STEPS_MAX = 512;

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
};

export class RecentDag {
  private nodes = new Map<string, DagNode>();
  private order: DagNode[] = [];
  private arrivals = 0;
  private epoch = 0;
  private marks = new Map<DagNode, number>();
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
    const node: DagNode = { key, issuer, arrival: this.arrivals++, weight: 1, approvers: new Set(), parents: [], children: [], loser: false, watched: false };
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
    const stack = [...node.parents];
    const seen = new Set<DagNode>(stack);
    while (stack.length > 0) {
      const current = stack.pop() as DagNode;
      current.weight++;
      if (current.issuer !== issuer && !current.approvers.has(issuer)) {
        current.approvers.add(issuer);
        if (current.watched) this.touched.add(current.key);
      }
      for (const parent of current.parents) {
        if (parent.arrival >= oldest && !seen.has(parent)) {
          seen.add(parent);
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

  private usable(node: DagNode): boolean {
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

  /** The IOTA MCMC walk from an entry point WALK_ENTRY_DEPTH arrivals back; returns a cap's key. */
  walk(alpha: number, random: () => number): string | null {
    if (this.order.length === 0) return null;
    const entryIndex = Math.max(0, this.order.length - 1 - Math.floor(random() * WALK_ENTRY_DEPTH));
    let current = this.order[entryIndex];
    for (let step = 0; step < WALK_STEPS_MAX; step++) {
      const candidates = current.children.filter((child) => !child.loser);
      if (candidates.length === 0) break;
      let heaviest = 0;
      for (const child of candidates) heaviest = Math.max(heaviest, child.weight);
      const weights = candidates.map((child) => Math.exp(alpha * (child.weight - heaviest)));
      let pick = random() * weights.reduce((sum, value) => sum + value, 0);
      let next = candidates[candidates.length - 1];
      for (let index = 0; index < candidates.length; index++) {
        pick -= weights[index];
        if (pick < 0) {
          next = candidates[index];
          break;
        }
      }
      current = next;
    }
    return this.usable(current) ? current.key : null;
  }
}
