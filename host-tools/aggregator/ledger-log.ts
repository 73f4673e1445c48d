// The one hook between the aggregator's ingest path and federation: where records that arrived are made
// durable and ordered. The server hands each group of prepared records to a LedgerLog after it gathered
// (and pre-verified) them and before it acknowledges any: the local log is the embedded aggregator as it
// always was (validate and store in one SQLite transaction); the etcd log (etcd-log.ts) validates against
// the state applied so far, commits through the cluster, and answers once the record is applied here.
import type { Aggregator, PreparedRecord, SubmitResult } from './aggregator';

/** Where an aggregator's derived state stands in a shared log. */
export type LogStatus = { zone: string; name: string; revision: number; digest: string; leader: boolean };

export interface LedgerLog {
  /** Validates and commits records in order; each result is durable (and applied here) when this resolves. */
  commit(prepared: PreparedRecord[]): Promise<SubmitResult[]>;
  /** The revision applied here and the state digest at it; null for the embedded aggregator. */
  status(): LogStatus | null;
  /** Whether this aggregator runs the auction rounds (in a federation one aggregator does at a time). */
  runsAuction(): boolean;
  close(): Promise<void>;
}

/**
 * The cluster could not say whether a record was committed (unreachable, a deadline passed, or it was
 * committed but not applied here in time): the outcome is unknown and sending the same record again is
 * safe, because the log keeps each record id once.
 */
export class ClusterUnavailable extends Error {
  readonly code = 'CLUSTER_UNAVAILABLE';
}

export class LocalLedgerLog implements LedgerLog {
  constructor(private aggregator: Aggregator) {}

  /** Answers once the group's log frames are synced (commitDeferred): never before the fsync. */
  commit(prepared: PreparedRecord[]): Promise<SubmitResult[]> {
    try {
      const { results, durable } = this.aggregator.commitDeferred(prepared);
      return durable.then(() => results);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  status(): null {
    return null;
  }

  runsAuction(): boolean {
    return true;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
