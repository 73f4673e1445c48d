// The EV's side of a trade (paper IV.H, Algorithm 1), on the board beside the light node. One trade at a
// time per EV (a fixed capacity of one): the vehicle asks to sell or buy, the aggregator's auction answers
// with a match, the seller issues its sold record, the buyer issues its bought record once it holds the
// seller's record (verified into its window) and the vehicle has metered the energy, and the aggregator
// reports the commit. Match and commit frames are unsigned and advisory: checking the aggregator's
// signature would cost a verification (minutes on a Pico) for no gain, since a trade binds only through
// the two signed records and a forged match can at worst make a seller issue a sold record that no
// buyer answers, which times out. Every failure ends the trade with a code, counted in stats.
import type { Frame } from './frames';
import { FRAME_MATCH, FRAME_TRADE_COMMITTED } from './frames';
import type { FullLightNode } from './node';
import { FLAG_CONFLICT_LOSER, FLAG_VALID } from './ledger/window';
import { KIND_BOUGHT, KIND_DEMAND, KIND_OFFER, KIND_SOLD } from './records';

export const DEFAULT_TRADE_TIMEOUT_MS = 4 * 3600000;

export type TradeStage = 'idle' | 'offered' | 'demanded' | 'selling' | 'sold' | 'buying' | 'bought';
export type TradeFailure = 'TRADE_NO_MATCH' | 'TRADE_ENERGY_NOT_DELIVERED' | 'TRADE_BUYER_CANNOT_PAY' | 'TRADE_TIMEOUT';

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
  stats(): { [name: string]: number };
}

export function createTrader(node: FullLightNode, nowMs: () => number, timeoutMs?: number): Trader {
  const timeout = timeoutMs !== undefined ? timeoutMs : DEFAULT_TRADE_TIMEOUT_MS;
  const trade: TradeState = { stage: 'idle', counterparty: 0, energyWh: 0, ecash: 0, ref: null, deliveredWh: -1, startedMs: 0 };
  const counters: { [name: string]: number } = { trades_offered: 0, trades_demanded: 0, trades_sold: 0, trades_bought: 0, trades_committed: 0 };
  let pendingIssue: { kind: number; energyWh: number; ecash: number; counterparty?: number; ref?: Uint8Array } | null = null;

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

  function order(kind: number, stage: TradeStage, energyWh: number, ecash: number): string | null {
    if (trade.stage !== 'idle') return 'TRADE_BUSY';
    if (!(energyWh >= 1 && energyWh <= 1000000 && energyWh % 1 === 0) || !(ecash >= 0 && ecash % 1 === 0)) return 'TRADE_ORDER_INVALID';
    begin(stage, energyWh, ecash);
    pendingIssue = { kind: kind, energyWh: energyWh, ecash: ecash };
    counters[kind === KIND_OFFER ? 'trades_offered' : 'trades_demanded']++;
    return null;
  }

  function onMatch(frame: Frame): void {
    const me = node.memberId;
    if (frame.seller === me && trade.stage === 'offered') {
      trade.stage = 'selling';
      trade.counterparty = frame.buyer as number;
      trade.energyWh = frame.energyWh as number;
      trade.ecash = frame.ecash as number;
      pendingIssue = { kind: KIND_SOLD, energyWh: trade.energyWh, ecash: trade.ecash, counterparty: trade.counterparty, ref: frame.offer as Uint8Array };
    } else if (frame.buyer === me && trade.stage === 'demanded') {
      trade.stage = 'buying';
      trade.counterparty = frame.seller as number;
      trade.energyWh = frame.energyWh as number;
      trade.ecash = frame.ecash as number;
    }
  }

  /** The seller's sold record for this trade, verified into the window: its id, or null (bounded by the window). */
  function findSold(): Uint8Array | null {
    const window = node.window;
    for (let slot = 0; slot < window.capacity; slot++) {
      if (!window.isUsed(slot) || window.kind[slot] !== KIND_SOLD || window.issuer[slot] !== trade.counterparty) continue;
      if ((window.flags[slot] & FLAG_VALID) === 0 || (window.flags[slot] & FLAG_CONFLICT_LOSER) !== 0) continue;
      if (window.counterparty[slot] === node.memberId && window.energyWh[slot] === trade.energyWh && window.ecash[slot] === trade.ecash) return window.idOf(slot);
    }
    return null;
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
      const mine = (frame.seller === node.memberId && trade.stage === 'sold') || (frame.buyer === node.memberId && trade.stage === 'bought');
      if (mine) {
        counters.trades_committed++;
        trade.stage = 'idle';
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
      if (trade.stage === 'idle') return;
      if (now - trade.startedMs > timeout) {
        fail(trade.stage === 'offered' || trade.stage === 'demanded' ? 'TRADE_NO_MATCH' : 'TRADE_TIMEOUT');
        return;
      }
      if (trade.stage === 'buying') advanceBuyer();
      if (pendingIssue === null || !node.requestIssue(pendingIssue)) return;
      const kind = pendingIssue.kind;
      pendingIssue = null;
      if (kind === KIND_SOLD) {
        trade.stage = 'sold';
        counters.trades_sold++;
      } else if (kind === KIND_BOUGHT) {
        trade.stage = 'bought';
        counters.trades_bought++;
      }
    },
    state: function (): TradeState {
      return trade;
    },
    stats: function (): { [name: string]: number } {
      return counters;
    },
  };
}
