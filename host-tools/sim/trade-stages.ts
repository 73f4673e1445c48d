// Where a trade's commit latency goes: the moments of each trade the host observes (it runs the auction,
// plays the vehicles and hears the channel at the gateway), cut into consecutive stages that sum to the
// trade's match-to-commit latency. Board-side moments are those the boards put on the air: the buyer's
// token request for its bought record and the record's broadcast (firmware/node/issue.ts). The firmware
// is not asked anything: a REPL call would cost board time and change the run.
import { FRAME_RECORD, FRAME_TOKEN_REQUEST, Frame } from '../../firmware/frames';
import { RECORD_WITH_TOKENS_BYTES_MAX, decodeRecord } from '../../firmware/records';
import { Percentiles, percentiles } from './percentiles';

/**
 * The buyer's path, in order. The transfer starts when the host sees the buyer matched (it polls every
 * vehicle every 30 s), in parallel with the seller's sold record; the buyer requests tokens for its bought
 * record once it has the sold record verified into its window and the metered energy.
 */
export const TRADE_STAGES = [
  'match_to_transfer_start',
  'transfer',
  'transfer_end_to_bought_requested',
  'bought_requested_to_on_air',
  'bought_on_air_to_stored',
  'bought_stored_to_commit',
] as const;
export type TradeStage = (typeof TRADE_STAGES)[number];

/** One committed trade: its stages (summing to its commit latency) and the seller's side beside them. */
export type TradeStageRow = {
  seller: number;
  buyer: number;
  /** From the match the buyer acted on (the last one of these terms before the transfer started) to the commit. */
  commit_latency_ms: number;
  /** From the last match of these terms (what summary.json's commit_latency_ms counts) to the commit. */
  last_match_latency_ms: number;
  stages: Record<TradeStage, number>;
  /** From the match to the sold record first heard on the air and to it stored (the seller's branch). */
  match_to_sold_on_air_ms: number | null;
  match_to_sold_stored_ms: number;
  transfer_end_ms_from_match: number;
  /** Board moments the gateway did not hear (a collision) or heard out of order, so taken as the next one's. */
  moments_not_heard: number;
};

/** What the stored records tell of a committed trade's two records. */
export type TradeRecordRef = { id: string; issuer: number; seq: number };

const seqKey = (issuer: number, seq: number) => `${issuer}/${seq}`;

export class TradeStageLog {
  /** Every match time of each terms key: the same terms may be matched again (a side that missed the match repeats its order). */
  private matches = new Map<string, number[]>();
  /** Every transfer of each terms key, in order: a vehicle trading in lots repeats the same terms. */
  private transfers = new Map<string, { start: number; end?: number }[]>();
  private storedAt = new Map<string, number>();
  private requestedAt = new Map<string, number>();
  private onAirAt = new Map<string, number>();
  readonly rows: TradeStageRow[] = [];
  /** Committed trades with a match time whose transfer or records the host did not see in order, with what it saw. */
  readonly notFollowed: { key: string; match_ms: number; commit_ms: number; transfer_start_ms?: number; transfer_end_ms?: number; sold_stored_ms?: number; bought_stored_ms?: number }[] = [];

  matched(key: string, atMs: number): void {
    this.matches.set(key, [...(this.matches.get(key) ?? []), atMs]);
  }

  transferStarted(key: string, atMs: number): void {
    const transfers = this.transfers.get(key);
    if (transfers === undefined) this.transfers.set(key, [{ start: atMs }]);
    else transfers.push({ start: atMs });
  }

  transferEnded(key: string, atMs: number): void {
    const open = (this.transfers.get(key) ?? []).find((transfer) => transfer.end === undefined);
    if (open !== undefined) open.end = atMs;
  }

  recordStored(id: string, atMs: number): void {
    if (!this.storedAt.has(id)) this.storedAt.set(id, atMs);
  }

  /** A frame the gateway heard: the first token request and the first broadcast of each record count. */
  heard(frame: Frame, atMs: number): void {
    if (frame.type === FRAME_TOKEN_REQUEST) {
      const key = seqKey(frame.requester as number, frame.seq as number);
      if (!this.requestedAt.has(key)) this.requestedAt.set(key, atMs);
    } else if (frame.type === FRAME_RECORD) {
      const decoded = decodeRecord(frame.record as Uint8Array, RECORD_WITH_TOKENS_BYTES_MAX);
      if (!decoded.ok) return;
      const key = seqKey(decoded.value.record.issuer, decoded.value.record.seq);
      if (!this.onAirAt.has(key)) this.onAirAt.set(key, atMs);
    }
  }

  /**
   * A trade committed at `commitMs` under the terms key `key`, last matched at `lastMatchMs`. Its stages
   * count from the match the buyer acted on: the last match of these terms at or before its transfer started.
   */
  committed(key: string, lastMatchMs: number, commitMs: number, sold: TradeRecordRef, bought: TradeRecordRef): void {
    const boughtStored = this.storedAt.get(bought.id);
    // The transfer this bought record paid for: the last of these terms that ended before it was stored.
    const paid = (this.transfers.get(key) ?? []).filter((transfer) => transfer.end !== undefined && boughtStored !== undefined && transfer.end <= boughtStored).pop();
    const start = paid?.start;
    const end = paid?.end;
    const before = (this.matches.get(key) ?? []).filter((atMs) => start !== undefined && atMs <= start);
    const matchMs = before.length > 0 ? Math.max(...before) : lastMatchMs;
    const soldStored = this.storedAt.get(sold.id);
    if (start === undefined || end === undefined || boughtStored === undefined || soldStored === undefined
      || !(matchMs <= start && start <= end && end <= boughtStored && boughtStored <= commitMs)) {
      this.notFollowed.push({ key, match_ms: lastMatchMs, commit_ms: commitMs, transfer_start_ms: start, transfer_end_ms: end, sold_stored_ms: soldStored, bought_stored_ms: boughtStored });
      return;
    }
    // A moment not heard (or heard before the one it follows) is taken as the next one: its stage is 0.
    let notHeard = 0;
    const between = (atMs: number | undefined, after: number, before: number) => {
      if (atMs !== undefined && atMs >= after && atMs <= before) return atMs;
      notHeard++;
      return before;
    };
    const onAir = between(this.onAirAt.get(seqKey(bought.issuer, bought.seq)), end, boughtStored);
    const requested = between(this.requestedAt.get(seqKey(bought.issuer, bought.seq)), end, onAir);
    const soldOnAir = this.onAirAt.get(seqKey(sold.issuer, sold.seq));
    this.rows.push({
      seller: sold.issuer, buyer: bought.issuer, commit_latency_ms: commitMs - matchMs, last_match_latency_ms: commitMs - lastMatchMs,
      stages: {
        match_to_transfer_start: start - matchMs,
        transfer: end - start,
        transfer_end_to_bought_requested: requested - end,
        bought_requested_to_on_air: onAir - requested,
        bought_on_air_to_stored: boughtStored - onAir,
        bought_stored_to_commit: commitMs - boughtStored,
      },
      match_to_sold_on_air_ms: soldOnAir === undefined ? null : soldOnAir - matchMs,
      match_to_sold_stored_ms: soldStored - matchMs,
      transfer_end_ms_from_match: end - matchMs,
      moments_not_heard: notHeard,
    });
  }

  /** summary.json's trade_stages_ms (docs/simulation.md). */
  summary() {
    const of = (pick: (row: TradeStageRow) => number | null): Percentiles & { count: number } => {
      const values = this.rows.map(pick).filter((value): value is number => value !== null);
      return { count: values.length, ...percentiles(values) };
    };
    // Each stage's share of all the trades' latency together: the shares add up to 100 (percentiles do not add up).
    const latencyTotal = this.rows.reduce((total, row) => total + row.commit_latency_ms, 0);
    const stages = {} as Record<TradeStage, Percentiles & { count: number; share_percent: number | null }>;
    for (const stage of TRADE_STAGES) {
      const total = this.rows.reduce((sum, row) => sum + row.stages[stage], 0);
      stages[stage] = { ...of((row) => row.stages[stage]), share_percent: latencyTotal > 0 ? Math.round((1000 * total) / latencyTotal) / 10 : null };
    }
    return {
      trades: this.rows.length,
      stages,
      match_to_commit: of((row) => row.commit_latency_ms),
      match_to_sold_on_air: of((row) => row.match_to_sold_on_air_ms),
      match_to_sold_stored: of((row) => row.match_to_sold_stored_ms),
      sold_on_air_after_transfer_end: this.rows.filter((row) => row.match_to_sold_on_air_ms !== null && row.match_to_sold_on_air_ms > row.transfer_end_ms_from_match).length,
      sold_stored_after_transfer_end: this.rows.filter((row) => row.match_to_sold_stored_ms > row.transfer_end_ms_from_match).length,
      matched_again: this.rows.filter((row) => row.commit_latency_ms !== row.last_match_latency_ms).length,
      moments_not_heard: this.rows.reduce((total, row) => total + row.moments_not_heard, 0),
      trades_not_followed: this.notFollowed.length,
    };
  }
}
