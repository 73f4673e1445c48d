// The node's counters (stats): work done, frames and records by outcome, and each rejection by its code.
// The names are the keys of the board's stats, read by the emulator, the simulation and the REPL.
import type { NodeStats } from '../node-api';
import type { NodeCode } from '../rejections';

export type Counters = { [name: string]: number };

export interface Tally {
  counters: Counters;
  /** Counts one rejection under its code (stats key `rejected_<code>`). */
  count(code: NodeCode): void;
  /** Writes the counters, then the rejections, into a stats object. */
  report(out: NodeStats): void;
}

export function createTally(): Tally {
  const counters: Counters = {
    frames_received: 0, frames_skipped: 0, frames_dropped_inbox_full: 0, frames_rejected: 0, records_accepted: 0, records_rejected: 0,
    records_issued: 0, signatures_online: 0, sign_fallbacks: 0, crypto_field_ops: 0, crypto_verify: 0, crypto_sign: 0, crypto_hash: 0, conflicts_detected: 0, conflicts_swapped: 0, tokens_granted: 0, tokens_refused: 0, tokens_collected: 0, signatures_verified: 0,
    signature_cache_hits: 0, offload_acked: 0, checkpoints: 0, window_full: 0, validation_ms_last: 0, validations_timed: 0, slices_deferred_link_busy: 0,
  };
  const rejections: Counters = {};
  return {
    counters: counters,
    count: function (code: NodeCode): void {
      rejections[code] = (rejections[code] || 0) + 1;
    },
    report: function (out: NodeStats): void {
      const names = Object.keys(counters);
      for (let index = 0; index < names.length; index++) out[names[index]] = counters[names[index]];
      const codes = Object.keys(rejections);
      for (let index = 0; index < codes.length; index++) out['rejected_' + codes[index]] = rejections[codes[index]];
    },
  };
}
