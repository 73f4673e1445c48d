// Signature verifications waiting for idle time (docs/ledger.md "Living within the board's time"): with
// one-step verification (native Ed25519) each is answered at once; otherwise each waits in a ring of
// fixed capacity and tick advances the head a slice at a time. Only the head holds a job (its points and
// tables); the others wait as a function that makes their inputs (message, signature, key) when their
// turn comes. Each entry has a rank: urgent ones (RANK_URGENT) go next after the one under way, in their
// order; then another member's trade records (RANK_TRADE), then the rest, each newest first (a newer
// record makes a better cap: its approval covers more of the DAG, and a trade record's own approval is
// what its commit waits for); a full queue drops its oldest, lowest-ranked waiting entry that is not
// urgent, counted as VERIFY_QUEUE_FULL. While `held` counts HELD_MAX records (a
// rationed verifier's verified records its next record has yet to approve, docs/ledger.md) no
// job starts but an urgent one.
import type { VerificationJob } from '../node-api';
import type { BoardCrypto } from '../platform';
import type { Tally } from './counters';
import { Ring } from './ring';
import type { Work } from './work';

export const VERIFY_QUEUE_MAX = 4;
/**
 * Verified records a rationed verifier holds for its next record: one, its next record's first cap (the
 * second is the walk's, from records it verified before). Two, one for each cap, made an ESP32 issue every
 * two verifications (about 10 minutes) instead of one: 24 mixed EVs committed 18 and 16 trades in two
 * hours with two, 21 and 20 with one, commit latency p50 31 and 32 against 29 and 27 min (docs/ledger.md).
 */
export const HELD_MAX = 1;

/** The ranks of a queued verification: the sold record a node buys against, another member's trade record, the rest. */
export const RANK_URGENT = 2;
export const RANK_TRADE = 1;
export const RANK_OTHER = 0;

type StartVerify = (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => VerificationJob;
type Entry = { key: string; inputs: () => Uint8Array[]; rank: number; job: VerificationJob | null; finish: (valid: boolean) => void };

export class VerifyQueue extends Ring<Entry> {
  private crypto: BoardCrypto;
  private startVerify: StartVerify | undefined;
  private work: Work;
  private tally: Tally;
  /** Verified records awaiting the node's next record (a rationed verifier): at HELD_MAX only urgent jobs start. */
  held = 0;

  constructor(capacity: number, crypto: BoardCrypto, startVerify: StartVerify | undefined, work: Work, tally: Tally) {
    super(capacity);
    this.crypto = crypto;
    this.startVerify = startVerify;
    this.work = work;
    this.tally = tally;
  }

  /** Queues a verification of [message, signature, publicKey] = inputs(); finish gets the answer. */
  later(key: string, inputs: () => Uint8Array[], finish: (valid: boolean) => void, rank: number): void {
    if (this.crypto.verify !== undefined) {
      const made = inputs();
      this.tally.counters.crypto_verify++;
      finish(this.crypto.verify(made[1], made[0], made[2]));
      return;
    }
    for (let index = 0; index < this.length; index++) if (this.get(index).key === key) return;
    if (this.length >= this.capacity) {
      this.tally.count('VERIFY_QUEUE_FULL');
      // By rank, newest first, so the last is the oldest of the lowest rank, dropped unless urgent (or the head).
      if (this.length < 2 || this.get(this.length - 1).rank === RANK_URGENT) return;
      this.remove(this.length - 1);
    }
    let at = this.started() ? 1 : 0;
    while (at < this.length && (this.get(at).rank > rank || this.get(at).rank === RANK_URGENT)) at++;
    this.insert(at, { key: key, inputs: inputs, rank: rank, job: null, finish: finish });
  }

  /** Advances the head by one slice; its finish runs once it is done. */
  advance(): void {
    if (!this.due()) return;
    const head = this.get(0);
    if (head.job === null) {
      const made = head.inputs();
      head.job = (this.startVerify as StartVerify)(made[0], made[1], made[2]);
    }
    if (!this.work.slice(head.job)) return;
    this.shift();
    head.finish(head.job.valid());
  }

  /** Whether a slice would run now: a job under way, or one that may start. */
  due(): boolean {
    return this.length > 0 && (this.get(0).job !== null || this.get(0).rank === RANK_URGENT || this.held < HELD_MAX);
  }

  /** Whether the head's job has started (its points are on the heap). */
  started(): boolean {
    return this.length > 0 && this.get(0).job !== null;
  }
}
