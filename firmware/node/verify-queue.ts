// Signature verifications waiting for idle time (docs/ledger.md "Living within the board's time"): with
// one-step verification (native Ed25519) each is answered at once; otherwise each waits in a ring of
// fixed capacity and tick advances the head a slice at a time. Only the head holds a job (its points and
// tables); the others wait as a function that makes their inputs (message, signature, key) when their
// turn comes. An urgent one goes next after the one under way; a full queue drops its oldest waiting
// entry that is not urgent (a newer record makes a better cap), counted as VERIFY_QUEUE_FULL.
import type { VerificationJob } from '../node-api';
import type { BoardCrypto } from '../platform';
import type { Tally } from './counters';
import { Ring } from './ring';
import type { Work } from './work';

export const VERIFY_QUEUE_MAX = 4;

type StartVerify = (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => VerificationJob;
type Entry = { key: string; inputs: () => Uint8Array[]; urgent: boolean; job: VerificationJob | null; finish: (valid: boolean) => void };

export class VerifyQueue extends Ring<Entry> {
  private crypto: BoardCrypto;
  private startVerify: StartVerify | undefined;
  private work: Work;
  private tally: Tally;

  constructor(capacity: number, crypto: BoardCrypto, startVerify: StartVerify | undefined, work: Work, tally: Tally) {
    super(capacity);
    this.crypto = crypto;
    this.startVerify = startVerify;
    this.work = work;
    this.tally = tally;
  }

  /** Queues a verification of [message, signature, publicKey] = inputs(); finish gets the answer. */
  later(key: string, inputs: () => Uint8Array[], finish: (valid: boolean) => void, urgent?: boolean): void {
    if (this.crypto.verify !== undefined) {
      const made = inputs();
      this.tally.counters.crypto_verify++;
      finish(this.crypto.verify(made[1], made[0], made[2]));
      return;
    }
    for (let index = 0; index < this.length; index++) if (this.get(index).key === key) return;
    if (this.length >= this.capacity) {
      let oldest = -1;
      for (let index = 1; index < this.length && oldest < 0; index++) if (!this.get(index).urgent) oldest = index;
      this.tally.count('VERIFY_QUEUE_FULL');
      if (oldest < 0) return;
      this.remove(oldest);
    }
    const entry: Entry = { key: key, inputs: inputs, urgent: urgent === true, job: null, finish: finish };
    if (urgent === true) this.insert(this.length > 0 ? 1 : 0, entry);
    else this.push(entry);
  }

  /** Advances the head by one slice; its finish runs once it is done. */
  advance(): void {
    if (this.length === 0) return;
    const head = this.get(0);
    if (head.job === null) {
      const made = head.inputs();
      head.job = (this.startVerify as StartVerify)(made[0], made[1], made[2]);
    }
    if (!this.work.slice(head.job)) return;
    this.shift();
    head.finish(head.job.valid());
  }

  /** Whether the head's job has started (its points are on the heap). */
  started(): boolean {
    return this.length > 0 && this.get(0).job !== null;
  }
}
