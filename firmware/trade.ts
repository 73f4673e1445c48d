// The EV's side of a trade (paper IV.H, Algorithm 1), on the board beside the light node. One order at a
// time per EV: the vehicle asks to sell or buy, the aggregator's auction answers with a match, the seller
// issues its sold record, the buyer issues its bought record once it holds the seller's record (verified
// into its window) and the vehicle has metered the energy. Once its record is out the EV may trade again
// while the ledger approves the last one (a commit needs other members' later records, so an EV that
// waited for it would stall the ledger); up to AWAITING_MAX trades await the aggregator's commit report,
// the oldest given up when another record goes out, and every report for this EV is counted once.
// Match and commit frames are unsigned and advisory: checking the aggregator's signature would cost a
// verification (minutes on a Pico) for no gain, since a trade binds only through the two signed records
// and a forged match can at worst make a seller issue a sold record that no buyer answers, which times
// out. The gateway repeats a match until each side answers (docs/api.md), so an EV takes a match once (by
// its offer, the last TAKEN_MAX remembered), and a buyer gives up on a sold record that has not come within SOLD_WAIT_MS. Every
// failure ends the trade with a code, counted in stats.
import type { Frame } from './frames';
import { FRAME_MATCH, FRAME_TRADE_COMMITTED } from './frames';
import { hexId } from './node/hex-id';
import type { IssueRequest } from './node-api';
import { ECASH_MAX, ENERGY_WH_MAX, KIND_BOUGHT, KIND_DEMAND, KIND_OFFER, KIND_SOLD } from './records';

import { COMMIT_WAIT_MS, DEFAULT_TRADE_TIMEOUT_MS, SOLD_WAIT_MS } from './protocol';
import type { TradeCode, TradeFailure } from './rejections';
export { COMMIT_WAIT_MS, DEFAULT_TRADE_TIMEOUT_MS } from './protocol';
export const AWAITING_MAX = 4;
/** Matches remembered as taken (their offers): more than a trade's repeats can span (30 minutes of them). */
export const TAKEN_MAX = 8;
/**
 * An EV waiting for a match repeats its order (the aggregator keeps the newest) when other members'
 * trade records await its approval, at most this often: each order approves two caps, and a commit
 * needs later records from a majority of the members. A repeat costs a record (a signature and two
 * grants), so it waits for a record worth approving rather than a timer alone. Three minutes: a commit
 * waits on how often the fleet issues (docs/simulation.md "How often the fleet issues"); ten minutes
 * left 24 EVs committing 4 and 5 trades in two hours, three minutes 14 and 8.
 */
export const ORDER_REPEAT_MS = 3 * 60000;

export type TradeStage = 'idle' | 'offered' | 'demanded' | 'selling' | 'buying';
export type { TradeFailure } from './rejections';

export type TradeState = {
  stage: TradeStage;
  counterparty: number;
  energyWh: number;
  ecash: number;
  /** The offer a match refers to (a sold record's ref), or the sold record a bought record refers to. */
  ref: Uint8Array | null;
  /** Energy the vehicle metered for this trade; -1 until the transfer ends. */
  deliveredWh: number;
  startedMs: number;
};

export interface Trader {
  /** The vehicle offers energy (seller) or asks for it (buyer); a code when the EV is already trading. */
  offer(energyWh: number, ecash: number): string | null;
  demand(energyWh: number, ecash: number): string | null;
  /** The vehicle's meter at the end of the energy transfer of the current trade. */
  energyDelivered(energyWh: number): void;
  tick(nowMs: number): void;
  state(): TradeState;
  /** Trades whose record is out and whose commit has not been reported yet. */
  awaiting(): number;
  stats(): { [name: string]: number };
}

/** What the trader needs of its light node (firmware/node.ts gives it): issuing, two queries, and frames. */
export interface TradeNode {
  memberId: number;
  /** RecordWindow.findTrade: a valid winning record of these terms whose ref is `ref`, or null. */
  window: { findTrade(kind: number, issuer: number, counterparty: number, energyWh: number, ecash: number, ref: Uint8Array): Uint8Array | null };
  /** MemberTable's balance knowledge: the last known balance (null: none) and what was spent since. */
  members: { balanceOf(id: number): number | null; spentSince(id: number): number };
  requestIssue(request: IssueRequest): boolean;
  approvalOwed(): boolean;
  onFrame(listener: (frame: Frame) => void): void;
}

export function createTrader(node: TradeNode, nowMs: () => number, timeoutMs?: number): Trader {
  const timeout = timeoutMs !== undefined ? timeoutMs : DEFAULT_TRADE_TIMEOUT_MS;
  const trade: TradeState = { stage: 'idle', counterparty: 0, energyWh: 0, ecash: 0, ref: null, deliveredWh: -1, startedMs: 0 };
  const counters: { [name: string]: number } = { trades_offered: 0, trades_demanded: 0, trades_sold: 0, trades_bought: 0, trades_committed: 0 };
  let pendingIssue: IssueRequest | null = null;
  let orderedMs = 0;
  let owedCheckedMs = -Infinity;
  /** The buyer's match: the seller's offer, which the sold record of this trade refers to. */
  let matchedOffer: Uint8Array | null = null;
  /**
   * The offers (hex) of the last TAKEN_MAX matches this EV took: the gateway repeats a match until both
   * sides have answered, and on a shared channel each side hears what is sent to the other, so a repeat may
   * come once the trade is over and a new order open, after this EV has taken other matches.
   */
  const taken: string[] = [];
  // Trades whose record is out, awaiting the commit: the counterparty (negative when this EV sold) and since when.
  const awaitingParty = new Int32Array(AWAITING_MAX);
  const awaitingSinceMs = new Float64Array(AWAITING_MAX);
  let awaitingCount = 0;
  // Commit reports already counted (a report may arrive more than once): their sold ids, a small ring.
  const seenCommits = new Uint8Array(AWAITING_MAX * 2 * 16);
  let seenNext = 0;

  function seenBefore(soldId: Uint8Array): boolean {
    for (let entry = 0; entry < AWAITING_MAX * 2; entry++) {
      let same = true;
      for (let index = 0; index < 16 && same; index++) same = seenCommits[entry * 16 + index] === soldId[index];
      if (same) return true;
    }
    seenCommits.set(soldId, seenNext * 16);
    seenNext = (seenNext + 1) % (AWAITING_MAX * 2);
    return false;
  }

  function removeAwaiting(index: number): void {
    awaitingCount--;
    awaitingParty[index] = awaitingParty[awaitingCount];
    awaitingSinceMs[index] = awaitingSinceMs[awaitingCount];
  }

  function begin(stage: TradeStage, energyWh: number, ecash: number): void {
    trade.stage = stage;
    trade.counterparty = 0;
    trade.energyWh = energyWh;
    trade.ecash = ecash;
    trade.ref = null;
    trade.deliveredWh = -1;
    trade.startedMs = nowMs();
  }

  function fail(code: TradeFailure): void {
    counters['failed_' + code] = (counters['failed_' + code] || 0) + 1;
    trade.stage = 'idle';
    pendingIssue = null;
  }

  function order(kind: number, stage: TradeStage, energyWh: number, ecash: number): TradeCode | null {
    if (trade.stage !== 'idle') return 'TRADE_BUSY';
    if (!(energyWh >= 1 && energyWh <= ENERGY_WH_MAX && energyWh % 1 === 0) || !(ecash >= 0 && ecash <= ECASH_MAX && ecash % 1 === 0)) return 'TRADE_ORDER_INVALID';
    begin(stage, energyWh, ecash);
    orderedMs = trade.startedMs;
    pendingIssue = { kind: kind, energyWh: energyWh, ecash: ecash };
    counters[kind === KIND_OFFER ? 'trades_offered' : 'trades_demanded']++;
    return null;
  }

  function onMatch(frame: Frame): void {
    const me = node.memberId;
    const selling = frame.seller === me && trade.stage === 'offered';
    // Every board hears every match on a shared channel: only one for this EV's open order costs a key.
    if (!selling && !(frame.buyer === me && trade.stage === 'demanded')) return;
    const offer = frame.offer as Uint8Array;
    const key = hexId(offer);
    if (taken.indexOf(key) >= 0) return;
    if (taken.push(key) > TAKEN_MAX) taken.shift();
    trade.startedMs = nowMs();
    trade.energyWh = frame.energyWh as number;
    trade.ecash = frame.ecash as number;
    if (selling) {
      trade.stage = 'selling';
      trade.counterparty = frame.buyer as number;
      pendingIssue = { kind: KIND_SOLD, energyWh: trade.energyWh, ecash: trade.ecash, counterparty: trade.counterparty, ref: offer };
    } else {
      matchedOffer = offer;
      trade.stage = 'buying';
      trade.counterparty = frame.seller as number;
    }
  }

  /**
   * The seller's sold record for this trade, verified into the window: its id, or null (bounded by the
   * window). It refers to the matched offer, so an earlier trade on the same terms is never taken for it.
   */
  function findSold(): Uint8Array | null {
    if (matchedOffer === null) return null;
    return node.window.findTrade(KIND_SOLD, trade.counterparty, node.memberId, trade.energyWh, trade.ecash, matchedOffer);
  }

  function advanceBuyer(): void {
    if (trade.ref === null) trade.ref = findSold();
    if (trade.ref === null || trade.deliveredWh < 0 || pendingIssue !== null) return;
    if (trade.deliveredWh < trade.energyWh) {
      fail('TRADE_ENERGY_NOT_DELIVERED');
      return;
    }
    const balance = node.members.balanceOf(node.memberId);
    if (balance === null || balance - node.members.spentSince(node.memberId) < trade.ecash) {
      fail('TRADE_BUYER_CANNOT_PAY');
      return;
    }
    pendingIssue = { kind: KIND_BOUGHT, energyWh: trade.energyWh, ecash: trade.ecash, counterparty: trade.counterparty, ref: trade.ref };
  }

  node.onFrame(function (frame: Frame): void {
    if (frame.type === FRAME_MATCH) onMatch(frame);
    else if (frame.type === FRAME_TRADE_COMMITTED) {
      const party = frame.seller === node.memberId ? -(frame.buyer as number) : frame.buyer === node.memberId ? (frame.seller as number) : 0;
      if (party === 0 || seenBefore(frame.sold as Uint8Array)) return;
      counters.trades_committed++;
      for (let index = 0; index < awaitingCount; index++) {
        if (awaitingParty[index] !== party) continue;
        removeAwaiting(index);
        return;
      }
    }
  });

  return {
    offer: function (energyWh: number, ecash: number): string | null {
      return order(KIND_OFFER, 'offered', energyWh, ecash);
    },
    demand: function (energyWh: number, ecash: number): string | null {
      return order(KIND_DEMAND, 'demanded', energyWh, ecash);
    },
    energyDelivered: function (energyWh: number): void {
      if (trade.stage === 'buying' && energyWh >= 0) trade.deliveredWh = energyWh;
    },
    tick: function (now: number): void {
      for (let index = awaitingCount - 1; index >= 0; index--) {
        if (now - awaitingSinceMs[index] <= COMMIT_WAIT_MS) continue;
        removeAwaiting(index);
        counters.failed_TRADE_TIMEOUT = (counters.failed_TRADE_TIMEOUT || 0) + 1;
      }
      if (trade.stage === 'idle') return;
      // An order counts from its latest repeat (the aggregator matches it that long, too); a matched trade from its match.
      const waiting = trade.stage === 'offered' || trade.stage === 'demanded';
      if (now - (waiting ? orderedMs : trade.startedMs) > timeout) {
        fail(waiting ? 'TRADE_NO_MATCH' : 'TRADE_TIMEOUT');
        return;
      }
      if (trade.stage === 'buying') {
        if (trade.ref === null && now - trade.startedMs > SOLD_WAIT_MS) {
          fail('TRADE_SOLD_MISSING');
          return;
        }
        advanceBuyer();
      }
      // The window scan waits for the repeat interval, then runs once a minute until something is owed.
      if (waiting && pendingIssue === null && now - orderedMs >= ORDER_REPEAT_MS && now - owedCheckedMs >= 60000) {
        owedCheckedMs = now;
        if (!node.approvalOwed()) return;
        orderedMs = now;
        pendingIssue = { kind: trade.stage === 'offered' ? KIND_OFFER : KIND_DEMAND, energyWh: trade.energyWh, ecash: trade.ecash };
      }
      if (pendingIssue === null || !node.requestIssue(pendingIssue)) return;
      const kind = pendingIssue.kind;
      pendingIssue = null;
      if (kind !== KIND_SOLD && kind !== KIND_BOUGHT) return;
      counters[kind === KIND_SOLD ? 'trades_sold' : 'trades_bought']++;
      if (awaitingCount >= AWAITING_MAX) {
        // Full: the oldest is no longer awaited (a sold record its buyer never paid would hold its place for
        // the whole commit wait, and an EV with AWAITING_MAX of them could not trade for a day).
        let oldest = 0;
        for (let index = 1; index < awaitingCount; index++) if (awaitingSinceMs[index] < awaitingSinceMs[oldest]) oldest = index;
        removeAwaiting(oldest);
        counters.awaiting_given_up = (counters.awaiting_given_up || 0) + 1;
      }
      awaitingParty[awaitingCount] = kind === KIND_SOLD ? -trade.counterparty : trade.counterparty;
      awaitingSinceMs[awaitingCount] = now;
      awaitingCount++;
      trade.stage = 'idle';
    },
    state: function (): TradeState {
      return trade;
    },
    awaiting: function (): number {
      return awaitingCount;
    },
    stats: function (): { [name: string]: number } {
      return counters;
    },
  };
}
