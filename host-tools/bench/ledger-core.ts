// Ledger-core figures on the host: one cap selection, validating two caps (node:crypto against the
// firmware's tweetnacl path, same run), and records per second one node sustains. Prints one JSON object.
// Run: node --import tsx host-tools/bench/ledger-core.ts [--quick]
import { signHost, signingKey } from '../crypto/host-signing';
import { performance } from 'node:perf_hooks';
import { recordId } from '../../firmware/crypto/ed25519';
import { FRAME_RECORD, encodeFrame } from '../../firmware/frames';
import { CapWalk, selectCaps } from '../../firmware/ledger/caps';
import { capacitiesFor } from '../../firmware/node';
import { KIND_OFFER, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { InProcessWorld } from '../sim/in-process';

const quick = process.argv.includes('--quick');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.floor(sorted.length / 2)].toFixed(4));
}

/** A world whose first node holds a full window, and a pool of fresh signed records for it. */
function prepared(nativeCrypto: boolean, pool: number) {
  // One-second proof-of-time slots, so the pool's records (one per issuer per slot) stay within the record age.
  const world = new InProcessWorld({ nodes: 4, seed: 7, slotMs: 1000, nativeCrypto });
  world.admitAll();
  // Without native crypto the membership records are verified in slices, about 8 s of ticks each.
  world.run(nativeCrypto ? 2000 : 60000);
  const target = world.nodes[0].node;
  const records: Uint8Array[] = [];
  for (let index = 0; index < pool; index++) {
    // Each issuer's records one slot apart, their sequence numbers rising with their times (SEQ_NOT_INCREASING).
    const issuer = world.nodes[1 + (index % 3)];
    const key = signingKey(issuer.seed);
    // Granters other than the target, which granted nothing here (named, it would refuse TOKEN_NOT_GRANTED).
    const granters = world.nodes.map((node) => node.id).filter((id) => id !== issuer.id && id !== world.nodes[0].id);
    const parents = [target.window.idOf(index % 4), target.window.idOf((index + 1) % 4)];
    const payload = encodePayload({ kind: KIND_OFFER, issuer: issuer.id, seq: 10 + index, timeMs: world.wallClockMs() - Math.floor((pool - 1 - index) / 3) * 1000, parents, pot: granters, energyWh: 1000, ecash: 300 });
    const signature = signHost(bytesToSign(payload), key);
    records.push(encodeRecord(payload, signature, []));
    recordId(payload, signature);
  }
  return { world, target, records };
}

function validateTwo(nativeCrypto: boolean, rounds: number): number[] {
  const { world, target, records } = prepared(nativeCrypto, rounds * 2);
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const accepted = target.stats().records_accepted as number;
    const start = performance.now();
    for (const bytes of records.slice(round * 2, round * 2 + 2)) target.receive(0, encodeFrame({ type: FRAME_RECORD, record: bytes }));
    // Ticks until both are in: one frame a tick, then the background verifications a slice at a time.
    for (let tick = 0; tick < 100000 && (target.stats().records_accepted as number) < accepted + 2; tick++) target.tick(world.nowMs);
    times.push(performance.now() - start);
    if ((target.stats().records_accepted as number) < accepted + 2) throw new Error('the two caps were not accepted');
  }
  return times;
}

const rounds = quick ? 10 : 100;
const native = validateTwo(true, rounds);
const tweetnacl = validateTwo(false, quick ? 4 : 20);

const { world, target, records } = prepared(true, quick ? 200 : 2000);
const walk = new CapWalk(target.window.capacity, () => undefined);
const capTimes: number[] = [];
for (let round = 0; round < (quick ? 100 : 1000); round++) {
  const start = performance.now();
  selectCaps(target.window, walk, 0.5, Math.random);
  capTimes.push(performance.now() - start);
}
const started = performance.now();
for (let index = 0; index < records.length; index++) {
  target.receive(0, encodeFrame({ type: FRAME_RECORD, record: records[index] }));
  target.tick(world.nowMs);
}
const sustained = records.length / ((performance.now() - started) / 1000);

console.log(JSON.stringify({
  capacities_pico: capacitiesFor(184312),
  capacities_esp32: capacitiesFor(229362),
  cap_selection_ms_median: median(capTimes),
  validate_two_caps_ms_median_node_crypto: median(native),
  validate_two_caps_ms_median_tweetnacl: median(tweetnacl),
  tweetnacl_to_node_crypto_ratio: Number((median(tweetnacl) / median(native)).toFixed(1)),
  records_per_s_one_node: Math.round(sustained),
  window_records_after: target.window.count,
}));
