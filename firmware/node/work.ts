// The node's metered work: slices of resumable crypto jobs (key derivation, nonce precomputation,
// verification) and record-id hashes, each charged to the cost counters (field operations and SHA-512s)
// as it happens, which the emulator's cost model turns into board time.
import { ID_BYTES, recordIdInput } from '../records';
import { copyBytes } from '../bytes';
import type { Counters } from './counters';

/** A job advanced in slices: step returns true once finished. */
export type SlicedJob = { step(units: number): boolean; operations(): number; hashes?(): number };

export interface Work {
  /** One slice of a job; true when the job is done. */
  slice(job: SlicedJob): boolean;
  /** A record's id: the first 16 bytes of SHA-512(payload || signature) (docs/wire-format.md). */
  recordId(payload: Uint8Array, signature: Uint8Array): Uint8Array;
  /** Polls the links between pieces of work that are not crypto (a record's decode, its checks). */
  between(): void;
}

/** `between` runs after each slice and each record id: the links are polled between pieces of work (links.ts). */
export function createWork(counters: Counters, sha512: (bytes: Uint8Array) => Uint8Array, sliceUnits: number, between: () => void): Work {
  return {
    slice: function (job: SlicedJob): boolean {
      const operations = job.operations();
      const hashes = job.hashes ? job.hashes() : 0;
      const finished = job.step(sliceUnits);
      counters.crypto_field_ops += job.operations() - operations;
      counters.crypto_hash += (job.hashes ? job.hashes() : 0) - hashes;
      between();
      return finished;
    },
    recordId: function (payload: Uint8Array, signature: Uint8Array): Uint8Array {
      counters.crypto_hash++;
      // Not slice: on Espruino a typed array's slice is Array's and gives a plain Array (firmware/bytes.ts).
      const id = copyBytes(sha512(recordIdInput(payload, signature)), 0, ID_BYTES);
      between();
      return id;
    },
    between: between,
  };
}
