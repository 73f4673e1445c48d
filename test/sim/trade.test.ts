// The trade protocol end to end on light nodes in one process (the firmware's node and trader, host
// crypto) with the real aggregator behind the gateway: offers and demands, the auction's matches, sold
// and bought records, the commit under the rule, balances moved once, and each failure code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AWAITING_MAX, TAKEN_MAX, createTrader, Trader } from '../../firmware/trade';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { Gateway } from '../../host-tools/aggregator/gateway';
import { InProcessWorld } from '../../host-tools/sim/in-process';
import { FRAME_MATCH, FRAME_RECORD, FRAME_TRADE_COMMITTED, Frame, decodeFrame, encodeFrame, offloadFrames } from '../../firmware/frames';
import { KIND_SOLD, RECORD_BYTES_MAX, decodeRecord } from '../../firmware/records';
import { SOLD_WAIT_MS } from '../../firmware/protocol';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { KIND_OFFER, signRecord, testKey } from '../support/records';

const GRANT = 100000;

/** Which nodes miss a frame sent by `from` (0: the gateway). */
type Missed = (from: number, frame: Uint8Array) => number[];

function market(nodes: number, seed: number, missed: Missed = () => []) {
  const world = new InProcessWorld({ nodes, seed, slotMs: 30000, grantEcash: GRANT });
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-trade-'));
  const aggregator = new Aggregator({
    dbPath: join(directory, 'aggregator.sqlite'), consortiumSeed: world.consortiumSeed, aggregatorSeed: world.aggregatorSeed, tokensRequired: 2,
    slotMs: 30000, now: () => world.wallClockMs(), random: () => 0.5,
  });
  const broadcast = world.broadcast.bind(world);
  world.broadcast = (from: number, frame: Uint8Array) => {
    broadcast(from, frame, missed(from, frame));
    if (from !== 0) gateway.receive(frame);
  };
  const gateway = new Gateway(aggregator, 2, (_member, frame) => world.broadcast(0, frame));
  const traders: Trader[] = world.nodes.map((entry) => {
    const trader = createTrader(entry.node, () => world.nowMs, 3 * 3600000);
    entry.node.trade = trader;
    return trader;
  });
  world.admitAll();
  // The consortium's membership records, which the nodes approve, are the aggregator's too.
  for (const bytes of world.membershipRecords) assert.ok(aggregator.submit(bytes).ok);
  world.run(2000);
  let nextAuction = 60000;
  const run = (durationMs: number, vehicle: () => void) =>
    world.run(durationMs, 50, () => {
      for (const trader of traders) trader.tick(world.nowMs);
      if (world.nowMs >= nextAuction) {
        nextAuction += 60000;
        gateway.auction();
      }
      vehicle();
    });
  const close = () => {
    aggregator.close();
    rmSync(directory, { recursive: true, force: true });
  };
  return { world, aggregator, gateway, traders, run, close };
}

test('sellers and buyers trade through the auction; every trade commits with matching records and Ecash is conserved', () => {
  const { world, aggregator, traders, run, close } = market(6, 11);
  const total = aggregator.stats().ecash_total;
  // Members 1-3 sell, 4-6 buy; each buyer's vehicle meters the full quantity once matched.
  for (let index = 0; index < 3; index++) assert.is(traders[index].offer(4000, 1000), null);
  for (let index = 3; index < 6; index++) assert.is(traders[index].demand(4000, 1400), null);
  assert.is(traders[0].offer(1, 1), 'TRADE_BUSY');
  let delivered = 0;
  run(3 * 3600000, () => {
    for (const trader of traders) {
      if (trader.state().stage === 'buying' && trader.state().deliveredWh < 0) {
        trader.energyDelivered(trader.state().energyWh);
        delivered++;
      }
      // Idle EVs trade again, so the ledger keeps growing and approving.
      if (trader.state().stage === 'idle' && world.random() < 0.0005) {
        if (traders.indexOf(trader) < 3) trader.offer(2000, 500);
        else trader.demand(2000, 700);
      }
    }
  });
  const trades = aggregator.trades(100000) as { seller: number; buyer: number; ecash: number; sold_id: string; bought_id: string }[];
  assert.ok(trades.length >= 3, `${trades.length} trades committed, ${delivered} deliveries`);
  for (const trade of trades) {
    const sold = aggregator.record(trade.sold_id);
    const bought = aggregator.record(trade.bought_id);
    assert.ok(sold && bought);
    assert.is(sold?.issuer, trade.seller);
    assert.is(bought?.issuer, trade.buyer);
    assert.is(Buffer.from(bought?.ref as Buffer).toString('hex'), trade.sold_id);
  }
  assert.is(aggregator.stats().ecash_total, total);
  const committedOnBoards = traders.reduce((sum, trader) => sum + trader.stats().trades_committed, 0);
  assert.is(committedOnBoards, 2 * trades.length, 'both sides of every commit were told');
  close();
});

for (const [name, energyWh, ask, bid, deliveredWh, code] of [
  ['whose energy was not delivered', 5000, 1200, 1500, 2500, 'TRADE_ENERGY_NOT_DELIVERED'],
  ['who cannot pay', 3000, 140000, 150000, 3000, 'TRADE_BUYER_CANNOT_PAY'],
] as const) {
  test(`a buyer ${name} refuses to issue its bought record (${code})`, () => {
    const { aggregator, traders, run, close } = market(4, 12);
    assert.is(traders[0].offer(energyWh, ask), null);
    assert.is(traders[1].demand(energyWh, bid), null);
    run(30 * 60000, () => {
      if (traders[1].state().stage === 'buying') traders[1].energyDelivered(deliveredWh);
    });
    assert.is(traders[1].stats()['failed_' + code], 1);
    assert.is(traders[1].stats().trades_bought, 0);
    assert.is(traders[0].stats().trades_sold, 1);
    assert.is(aggregator.stats().trades_committed, 0);
    close();
  });
}

/** A frame's type, and the kind of the record a record frame carries (0 for other frames). */
function frameKind(frame: Uint8Array): { type: number; kind: number } {
  const decoded = decodeFrame(frame);
  if (!decoded.ok) return { type: 0, kind: 0 };
  if (decoded.value.type !== FRAME_RECORD) return { type: decoded.value.type, kind: 0 };
  const record = decodeRecord(decoded.value.record as Uint8Array, RECORD_BYTES_MAX);
  return { type: FRAME_RECORD, kind: record.ok ? record.value.record.kind : 0 };
}

/** A seller (member 1) and a buyer (member 2) matched once, the buyer metering the energy; returns the market. */
function matchedPair(seed: number, missed: Missed, durationMs: number) {
  const pair = market(4, seed, missed);
  assert.is(pair.traders[0].offer(3000, 900), null);
  assert.is(pair.traders[1].demand(3000, 1200), null);
  pair.run(durationMs, () => {
    if (pair.traders[1].state().stage === 'buying' && pair.traders[1].state().deliveredWh < 0) pair.traders[1].energyDelivered(3000);
  });
  return pair;
}

test('a match the seller missed is told again, and the trade goes on to its bought record', () => {
  // The gateway sends a match to each side; in this world both copies reach every node, so both are dropped.
  let dropped = 0;
  const { aggregator, gateway, traders, close } = matchedPair(15, (from, frame) => {
    if (from !== 0 || frameKind(frame).type !== FRAME_MATCH || dropped >= 2) return [];
    dropped++;
    return [1];
  }, 30 * 60000);
  assert.is(dropped, 2);
  assert.ok(gateway.matchesRepeated >= 1, `${gateway.matchesRepeated} matches repeated`);
  assert.is(traders[0].stats().trades_sold, 1);
  assert.is(traders[1].stats().trades_bought, 1);
  const [match] = aggregator.matchesFor(1) as { offer_id: string }[];
  const answers = aggregator.matchAnswers({ offerId: match.offer_id, seller: 1, buyer: 2 });
  assert.ok(answers.sold !== undefined && answers.bought, 'the sold and bought records of the match are stored');
  close();
});

test("a sold record the buyer missed is sent to it again with its match; each is taken once", () => {
  let dropped = 0;
  const { gateway, traders, close } = matchedPair(16, (from, frame) => {
    if (from !== 1 || frameKind(frame).kind !== KIND_SOLD) return [];
    dropped++;
    return [2];
  }, 40 * 60000);
  assert.is(dropped, 1);
  assert.ok(gateway.soldRecordsResent >= 1, `${gateway.soldRecordsResent} sold records resent`);
  assert.is(traders[0].stats().trades_sold, 1);
  assert.is(traders[1].stats().trades_bought, 1);
  close();
});

test('a buyer whose sold record never comes gives up with TRADE_SOLD_MISSING, and a later repeat of that match is ignored', () => {
  // The seller never hears a match: the buyer waits SOLD_WAIT_MS, then its EV may order again.
  const { traders, gateway, close } = matchedPair(17, (from, frame) => (from === 0 && frameKind(frame).type === FRAME_MATCH ? [1] : []), SOLD_WAIT_MS + 5 * 60000);
  assert.is(traders[1].stats().failed_TRADE_SOLD_MISSING, 1);
  assert.is(traders[1].state().stage, 'idle');
  assert.is(traders[0].state().stage, 'offered');
  assert.ok(gateway.matchesRepeated >= 1);
  close();
  // The same match told again to a buyer with a new demand open: it stays with its demand.
  let nowMs = 0;
  const { trader, deliver } = stubTrader(2, () => nowMs);
  const match: Frame = { type: FRAME_MATCH, seller: 1, buyer: 2, energyWh: 3000, ecash: 1000, offer: new Uint8Array(16).fill(7), demand: new Uint8Array(16).fill(8) };
  assert.is(trader.demand(3000, 1200), null);
  trader.tick(nowMs);
  deliver(match);
  assert.is(trader.state().stage, 'buying');
  nowMs = SOLD_WAIT_MS + 1;
  trader.tick(nowMs);
  assert.is(trader.stats().failed_TRADE_SOLD_MISSING, 1);
  assert.is(trader.demand(2000, 800), null);
  deliver({ ...match, offer: new Uint8Array(16).fill(7) });
  assert.is(trader.state().stage, 'demanded');
  deliver({ ...match, offer: new Uint8Array(16).fill(9) });
  assert.is(trader.state().stage, 'buying');
});

/** A trader on a stub node (its records always issue, no sold record ever in its window) and a way to hand it frames. */
function stubTrader(memberId: number, nowMs: () => number) {
  let listener: (frame: Frame) => void = () => undefined;
  const node = {
    memberId, window: { findTrade: () => null }, members: { balanceOf: () => 100000, spentSince: () => 0 },
    requestIssue: () => true, approvalOwed: () => false, onFrame: (handler: (frame: Frame) => void) => void (listener = handler),
  };
  return { trader: createTrader(node, nowMs), deliver: (frame: Frame) => listener(frame) };
}

test('an EV takes a match once among its last TAKEN_MAX, and trades awaiting their commit never block an order', () => {
  const { trader, deliver } = stubTrader(1, () => 0);
  const matchOf = (index: number): Frame => ({ type: FRAME_MATCH, seller: 1, buyer: 2, energyWh: 1000, ecash: 300, offer: new Uint8Array(16).fill(index + 1), demand: new Uint8Array(16).fill(100 + index) });
  for (let index = 0; index <= AWAITING_MAX; index++) {
    assert.is(trader.offer(1000, 300), null, `order ${index}`);
    trader.tick(0);
    deliver(matchOf(index));
    assert.is(trader.state().stage, 'selling');
    trader.tick(0);
    assert.is(trader.state().stage, 'idle');
  }
  // Five sold records out, none paid yet: the oldest is no longer awaited, and the EV orders again.
  assert.is(trader.stats().trades_sold, AWAITING_MAX + 1);
  assert.is(trader.awaiting(), AWAITING_MAX);
  assert.is(trader.stats().awaiting_given_up, 1);
  assert.is(trader.offer(1000, 300), null);
  trader.tick(0);
  // A repeat of the first match, four matches later, finds the new order and is ignored; a new match is taken.
  deliver(matchOf(0));
  assert.is(trader.state().stage, 'offered');
  deliver(matchOf(TAKEN_MAX));
  assert.is(trader.state().stage, 'selling');
  // A commit report counts once, awaited or not (the given-up trade, with buyer 3 here, may still commit).
  const report: Frame = { type: FRAME_TRADE_COMMITTED, seller: 1, buyer: 3, sold: new Uint8Array(16).fill(7), bought: new Uint8Array(16).fill(8) };
  deliver(report);
  deliver(report);
  assert.is(trader.stats().trades_committed, 1);
  assert.is(trader.awaiting(), AWAITING_MAX);
});

test('an order nobody matches ends with TRADE_NO_MATCH at the timeout; bad orders are refused with a code', () => {
  const { traders, run, close } = market(3, 13);
  assert.is(traders[0].offer(0, 10), 'TRADE_ORDER_INVALID');
  assert.is(traders[0].offer(1.5, 10), 'TRADE_ORDER_INVALID');
  assert.is(traders[0].offer(2000, 1e13), 'TRADE_ORDER_INVALID');
  assert.is(traders[0].demand(Number.NaN, 10), 'TRADE_ORDER_INVALID');
  assert.is(traders[0].offer(2000, 5000), null);
  run(3 * 3600000 + 120000, () => undefined);
  assert.is(traders[0].stats().failed_TRADE_NO_MATCH, 1);
  assert.is(traders[0].state().stage, 'idle');
  close();
});

test('the gateway refuses an offload from a non-member before it waits for tokens, and bad frames with codes', () => {
  const { world, aggregator, gateway, close } = market(3, 14);
  const stranger = signRecord({ kind: KIND_OFFER, issuer: 99, seq: 1, timeMs: world.wallClockMs(), parents: [GENESIS_ID, GENESIS_ID], pot: [1, 2], energyWh: 100, ecash: 10 }, testKey(0x44));
  const before = aggregator.stats().records;
  assert.ok(gateway.receive(encodeFrame(offloadFrames(99, stranger.id, stranger.bytes)[0])));
  assert.is(gateway.rejections.ISSUER_UNKNOWN, 1);
  assert.ok(gateway.receive(new Uint8Array([0x83, 0x01])));
  assert.is(gateway.framesRejected, 1);
  assert.is(aggregator.stats().records, before);
  close();
});

test.run();
