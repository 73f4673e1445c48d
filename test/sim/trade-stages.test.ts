// The trade-stage log: a committed trade's moments cut into stages that sum to its commit latency; a
// board moment the gateway did not hear (or heard out of order) leaves its stage at 0 and is counted;
// a trade whose terms were matched again counts from the match its buyer acted on; a trade whose transfer
// or records the host did not see in order is counted, not followed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_RECORD, FRAME_TOKEN_REQUEST } from '../../firmware/frames';
import { KIND_BOUGHT, KIND_SOLD, LedgerRecord, TIME_MS_MIN } from '../../firmware/records';
import { TRADE_STAGES, TradeStageLog } from '../../host-tools/sim/trade-stages';
import { signRecord, testKey } from '../support/records';

const MIN = 60000;
const KEY = '3/4/4000/1000';
const SOLD = { id: 'aa'.repeat(16), issuer: 3, seq: 5 };
const BOUGHT = { id: 'bb'.repeat(16), issuer: 4, seq: 7 };

function recordFrame(kind: number, issuer: number, seq: number) {
  const record: LedgerRecord = {
    kind, issuer, seq, timeMs: TIME_MS_MIN, parents: [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2)], pot: [1, 2],
    energyWh: 4000, ecash: 1000, counterparty: issuer === 3 ? 4 : 3, ref: new Uint8Array(16).fill(9),
  };
  return { type: FRAME_RECORD, record: signRecord(record, testKey(issuer)).bytes };
}

/** A trade matched at 0, its transfer from 1 to 23 min, the sold record on the air at 4 min and stored at 6. */
function tradeLog() {
  const log = new TradeStageLog();
  log.matched(KEY, 0);
  log.transferStarted(KEY, 1 * MIN);
  log.heard({ type: FRAME_TOKEN_REQUEST, requester: 3, seq: 5, slot: 1, asked: [1, 2] }, 2 * MIN);
  log.heard(recordFrame(KIND_SOLD, 3, 5), 4 * MIN);
  log.recordStored(SOLD.id, 6 * MIN);
  log.transferEnded(KEY, 23 * MIN);
  return log;
}

test('every moment heard: the stages are the gaps between them and sum to the commit latency', () => {
  const log = tradeLog();
  log.heard({ type: FRAME_TOKEN_REQUEST, requester: 4, seq: 7, slot: 1, asked: [1, 2] }, 24 * MIN);
  log.heard({ type: FRAME_TOKEN_REQUEST, requester: 4, seq: 7, slot: 1, asked: [1, 3] }, 25 * MIN);
  log.heard(recordFrame(KIND_BOUGHT, 4, 7), 27 * MIN);
  log.recordStored(BOUGHT.id, 30 * MIN);
  log.committed(KEY, 0, 50 * MIN, SOLD, BOUGHT);
  assert.is(log.rows.length, 1);
  const row = log.rows[0];
  assert.equal(row.stages, {
    match_to_transfer_start: 1 * MIN, transfer: 22 * MIN, transfer_end_to_bought_requested: 1 * MIN,
    bought_requested_to_on_air: 3 * MIN, bought_on_air_to_stored: 3 * MIN, bought_stored_to_commit: 20 * MIN,
  });
  assert.is(TRADE_STAGES.reduce((total, stage) => total + row.stages[stage], 0), row.commit_latency_ms);
  assert.is(row.commit_latency_ms, 50 * MIN);
  assert.is(row.last_match_latency_ms, 50 * MIN);
  assert.is(row.match_to_sold_on_air_ms, 4 * MIN);
  assert.is(row.moments_not_heard, 0);
  const summary = log.summary();
  assert.is(summary.trades, 1);
  assert.equal(summary.stages.transfer, { count: 1, p50: 22 * MIN, p95: 22 * MIN, max: 22 * MIN, share_percent: 44 });
  assert.is(TRADE_STAGES.reduce((total, stage) => total + (summary.stages[stage].share_percent as number), 0), 100);
  assert.equal(summary.match_to_commit, { count: 1, p50: 50 * MIN, p95: 50 * MIN, max: 50 * MIN });
  assert.equal(summary.match_to_sold_stored, { count: 1, p50: 6 * MIN, p95: 6 * MIN, max: 6 * MIN });
  assert.is(summary.sold_on_air_after_transfer_end, 0);
  assert.is(summary.matched_again, 0);
  assert.is(summary.moments_not_heard, 0);
  assert.is(summary.trades_not_followed, 0);
});

test('a broadcast lost to a collision and a token request from before the transfer end leave their stages at 0, counted', () => {
  const log = tradeLog();
  // A request for the same issuer and seq before the energy was metered belongs to no bought record of this trade.
  log.heard({ type: FRAME_TOKEN_REQUEST, requester: 4, seq: 7, slot: 1, asked: [1, 2] }, 10 * MIN);
  log.heard({ type: FRAME_RECORD, record: new Uint8Array([1, 2, 3]) }, 26 * MIN);
  log.recordStored(BOUGHT.id, 30 * MIN);
  log.committed(KEY, 0, 50 * MIN, SOLD, BOUGHT);
  const row = log.rows[0];
  assert.is(row.moments_not_heard, 2);
  assert.is(row.stages.transfer_end_to_bought_requested, 7 * MIN);
  assert.is(row.stages.bought_requested_to_on_air, 0);
  assert.is(row.stages.bought_on_air_to_stored, 0);
  assert.is(TRADE_STAGES.reduce((total, stage) => total + row.stages[stage], 0), 50 * MIN);
  assert.is(log.summary().moments_not_heard, 2);
});

test('terms matched again after the buyer started its transfer: the stages count from the match it acted on', () => {
  const log = new TradeStageLog();
  log.matched(KEY, 0);
  log.transferStarted(KEY, 1 * MIN);
  // The seller missed the first match frame and repeated its offer, which the auction matched again.
  log.matched(KEY, 12 * MIN);
  log.recordStored(SOLD.id, 20 * MIN);
  log.transferEnded(KEY, 23 * MIN);
  log.recordStored(BOUGHT.id, 30 * MIN);
  log.committed(KEY, 12 * MIN, 50 * MIN, SOLD, BOUGHT);
  const row = log.rows[0];
  assert.is(row.commit_latency_ms, 50 * MIN);
  assert.is(row.last_match_latency_ms, 38 * MIN);
  assert.is(row.stages.match_to_transfer_start, 1 * MIN);
  assert.is(TRADE_STAGES.reduce((total, stage) => total + row.stages[stage], 0), 50 * MIN);
  assert.is(log.summary().matched_again, 1);
});

test('a trade without a seen transfer, or with moments out of order, is counted as not followed', () => {
  const unseen = new TradeStageLog();
  unseen.matched(KEY, 0);
  unseen.recordStored(SOLD.id, 6 * MIN);
  unseen.recordStored(BOUGHT.id, 30 * MIN);
  unseen.committed(KEY, 0, 50 * MIN, SOLD, BOUGHT);
  assert.is(unseen.rows.length, 0);
  assert.is(unseen.summary().trades_not_followed, 1);
  assert.is(unseen.summary().stages.transfer.p50, null);
  const early = tradeLog();
  early.recordStored(BOUGHT.id, 30 * MIN);
  // Committed before the bought record was stored: not this trade's record.
  early.committed(KEY, 0, 29 * MIN, SOLD, BOUGHT);
  assert.is(early.rows.length, 0);
  assert.equal(early.notFollowed, [{ key: KEY, match_ms: 0, commit_ms: 29 * MIN, transfer_start_ms: 1 * MIN, transfer_end_ms: 23 * MIN, sold_stored_ms: 6 * MIN, bought_stored_ms: 30 * MIN }]);
});

test.run();
