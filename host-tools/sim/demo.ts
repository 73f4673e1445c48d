// The largest real scenario that runs in-process today: N light nodes admitted by the consortium trade
// energy in pairs (offer, sold, bought) on a lossy shared medium in simulated time. Every record goes
// through proof of time, cap selection, signing and every other node's validation. Reports records,
// rejections, validation counts and the trades whose sold and bought records meet the commit rule.
import { KIND_BOUGHT, KIND_OFFER, KIND_SOLD } from '../../firmware/records';
import { commitThreshold, tradeMatches } from '../../firmware/ledger/rules';
import { InProcessWorld } from './in-process';
import type { RecordWindow } from '../../firmware/ledger/window';

export type DemoOptions = { nodes: number; seed: number; durationMs: number; lossProbability: number };

type Trade = { seller: number; buyer: number; energyWh: number; ecash: number; stage: 'offer' | 'sold' | 'bought' | 'done'; soldId?: Uint8Array };

export function runDemo(options: DemoOptions) {
  const world = new InProcessWorld({ nodes: options.nodes, seed: options.seed, lossProbability: options.lossProbability, slotMs: 30000 });
  world.admitAll();
  world.run(2000);
  const trades: Trade[] = [];
  const active = new Map<number, Trade>();
  const committed: { seller: number; buyer: number; energyWh: number; ecash: number; latencyMs: number }[] = [];
  const started = new Map<Trade, number>();
  let lastBeaconMs = world.nowMs;
  world.run(options.durationMs, 50, () => {
    // The consortium's gateway repeats the membership records now and then, for nodes that missed them.
    if (world.nowMs - lastBeaconMs >= 60000) {
      lastBeaconMs = world.nowMs;
      world.resendMembership();
    }
    for (const entry of world.nodes) {
      const node = entry.node;
      const trade = active.get(entry.id);
      // Sellers are the odd members, each trading with the next even one.
      if (trade === undefined && entry.id % 2 === 1 && entry.id < world.nodes.length && !active.has(entry.id + 1) && world.random() < 0.01) {
        const energyWh = 1000 + Math.floor(world.random() * 9000);
        const next: Trade = { seller: entry.id, buyer: entry.id + 1, energyWh, ecash: Math.floor(energyWh * 0.3), stage: 'offer' };
        if (node.requestIssue({ kind: KIND_OFFER, energyWh: next.energyWh, ecash: next.ecash })) {
          trades.push(next);
          active.set(next.seller, next);
          active.set(next.buyer, next);
          started.set(next, world.nowMs);
        }
      }
    }
    for (const trade of trades) {
      const seller = world.nodes[trade.seller - 1].node;
      const buyer = world.nodes[trade.buyer - 1].node;
      if (trade.stage === 'offer') {
        const offerSlot = findLatest(seller.window, trade.seller, KIND_OFFER);
        if (offerSlot >= 0 && seller.requestIssue({ kind: KIND_SOLD, energyWh: trade.energyWh, ecash: trade.ecash, counterparty: trade.buyer, ref: seller.window.idOf(offerSlot) })) {
          trade.stage = 'sold';
        }
      } else if (trade.stage === 'sold') {
        const soldSlot = findLatest(seller.window, trade.seller, KIND_SOLD);
        if (soldSlot < 0) continue;
        const soldId = seller.window.idOf(soldSlot);
        if (buyer.window.find(soldId) >= 0 && buyer.requestIssue({ kind: KIND_BOUGHT, energyWh: trade.energyWh, ecash: trade.ecash, counterparty: trade.seller, ref: soldId })) {
          trade.soldId = soldId;
          trade.stage = 'bought';
          // Both records are out: the pair may trade again while the ledger approves this one.
          active.delete(trade.seller);
          active.delete(trade.buyer);
        }
      } else if (trade.stage === 'bought') {
        // The commit rule, from the seller's view: matching records, each approved by a majority.
        const window = seller.window;
        const soldSlot = window.find(trade.soldId as Uint8Array);
        const boughtSlot = findBoughtFor(window, trade.buyer, trade.soldId as Uint8Array);
        if (soldSlot < 0 || boughtSlot < 0) continue;
        const threshold = commitThreshold(world.nodes.length);
        const sold = { kind: KIND_SOLD, issuer: trade.seller, seq: window.seq[soldSlot], timeMs: window.timeMs[soldSlot], parents: [], pot: [], energyWh: window.energyWh[soldSlot], ecash: window.ecash[soldSlot], counterparty: window.counterparty[soldSlot] };
        const bought = { kind: KIND_BOUGHT, issuer: trade.buyer, seq: window.seq[boughtSlot], timeMs: window.timeMs[boughtSlot], parents: [], pot: [], energyWh: window.energyWh[boughtSlot], ecash: window.ecash[boughtSlot], counterparty: window.counterparty[boughtSlot], ref: window.refOf(boughtSlot) };
        if (tradeMatches(sold, trade.soldId as Uint8Array, bought) && window.validationCount(soldSlot) >= threshold && window.validationCount(boughtSlot) >= threshold) {
          trade.stage = 'done';
          committed.push({ seller: trade.seller, buyer: trade.buyer, energyWh: trade.energyWh, ecash: trade.ecash, latencyMs: world.nowMs - (started.get(trade) as number) });
        }
      }
    }
  });
  const stats = world.nodes.map((entry) => entry.node.stats());
  const sum = (name: string) => stats.reduce((total, entry) => total + (typeof entry[name] === 'number' ? (entry[name] as number) : 0), 0);
  const rejections: Record<string, number> = {};
  for (const entry of stats) for (const [key, value] of Object.entries(entry)) if (key.startsWith('rejected_')) rejections[key.slice(9)] = (rejections[key.slice(9)] ?? 0) + (value as number);
  const latencies = committed.map((trade) => trade.latencyMs).sort((a, b) => a - b);
  return {
    nodes: options.nodes,
    seed: options.seed,
    duration_ms: options.durationMs,
    records_issued: sum('records_issued'),
    records_accepted: sum('records_accepted'),
    records_rejected: sum('records_rejected'),
    rejections,
    tokens_granted: sum('tokens_granted'),
    signatures_verified: sum('signatures_verified'),
    trades_started: trades.length,
    trades_committed: committed.length,
    commit_latency_ms: { p50: percentile(latencies, 0.5), max: latencies.length ? latencies[latencies.length - 1] : null },
    frames: { sent: world.framesSent, lost: world.framesLost },
  };
}

function percentile(sorted: number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** The slot of the buyer's bought record that refers to a sold record, or -1. */
function findBoughtFor(window: RecordWindow, buyer: number, soldId: Uint8Array): number {
  for (let slot = 0; slot < window.capacity; slot++) {
    if (!window.isUsed(slot) || window.issuer[slot] !== buyer || window.kind[slot] !== KIND_BOUGHT) continue;
    const ref = window.refOf(slot);
    if (ref.every((byte, index) => byte === soldId[index])) return slot;
  }
  return -1;
}

/** The slot of the member's latest record of a kind in a node's window, or -1. */
function findLatest(window: RecordWindow, member: number, kind: number, counterparty?: number): number {
  let best = -1;
  for (let slot = 0; slot < window.capacity; slot++) {
    if (!window.isUsed(slot) || window.issuer[slot] !== member || window.kind[slot] !== kind) continue;
    if (counterparty !== undefined && window.counterparty[slot] !== counterparty) continue;
    if (best < 0 || window.seq[slot] > window.seq[best]) best = slot;
  }
  return best;
}

