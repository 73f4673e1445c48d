// The light node's ledger core: capacities and how they relate, the window's weights and validation
// counts against a brute-force count, cap selection, proof of time against a Sybil, double spending on
// ten nodes, power cuts at every write, and a stream of random valid and invalid records.
import { signHost, signingKey } from '../../host-tools/crypto/host-signing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyPairFromSeed, recordId, sha512, signDetached } from '../../firmware/crypto/ed25519';
import { FRAME_CHECKPOINT, FRAME_OFFLOAD, FRAME_OFFLOAD_ACK, FRAME_RECORD, FRAME_TOKEN_REQUEST, ackMessage, checkpointMessage, decodeFrame, encodeFrame, keyedMac, OFFLOAD_FRAME_HEAD, offloadFrames } from '../../firmware/frames';
import { macHost, tokenKeyFor } from '../../host-tools/crypto/token-key';
import { CapWalk, GENESIS_ID, selectCaps } from '../../firmware/ledger/caps';
import { commitThreshold } from '../../firmware/ledger/rules';
import { MemberTable } from '../../firmware/ledger/members';
import { NodePersistence } from '../../firmware/ledger/persist';
import { FLAG_CONFIRMED, FLAG_CONFLICT_LOSER, FLAG_OFFLOADED, FLAG_PINNED, FLAG_VALID, RecordWindow } from '../../firmware/ledger/window';
import { createCheckpoints } from '../../firmware/node/checkpoints';
import { createTally } from '../../firmware/node/counters';
import { createLinks } from '../../firmware/node/links';
import { createOffload } from '../../firmware/node/offload';
import { VerifyQueue } from '../../firmware/node/verify-queue';
import { createWork } from '../../firmware/node/work';
import { PENDING_RECORDS_MAX, capacitiesFor } from '../../firmware/node';
import { RECORD_WITH_TOKENS_BYTES_MAX } from '../../firmware/protocol';
import { KIND_BOUGHT, KIND_OFFER, KIND_SOLD, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { InProcessWorld, MemoryStore, PowerCut, SimNode } from '../../host-tools/sim/in-process';
import { testPlatform } from '../support/node-parts';
import { createRng, testSeed } from '../support/rng';

const id = (byte: number) => new Uint8Array(16).fill(byte);

function signAs(entry: { seed: Uint8Array }, record: LedgerRecord): { bytes: Uint8Array; id: Uint8Array } {
  const key = signingKey(entry.seed);
  const payload = encodePayload(record);
  const signature = signHost(bytesToSign(payload), key);
  return { bytes: encodeRecord(payload, signature, []), id: recordId(payload, signature) };
}

test('capacities follow the heap budget and relate as the design needs', () => {
  for (const budget of [184312, 229362]) {
    const capacities = capacitiesFor(budget);
    // Every record a pending trade depends on (the record and its two parents) fits with room to spare.
    assert.ok(capacities.window >= 3 * capacities.pending * 2, `window ${capacities.window} for ${budget}`);
    assert.ok(capacities.verified >= capacities.window, 'every record in the window can be remembered as verified');
    assert.ok(RecordWindow.bytesFor(capacities.window, capacities.approvers) <= budget / 8);
    assert.is(capacities.pending, PENDING_RECORDS_MAX);
  }
  assert.ok(capacitiesFor(184312).window < capacitiesFor(229362).window);
  // A small heap verifying in JS halves its member table; one verifying natively keeps every member.
  assert.is(capacitiesFor(184312).members, 16);
  assert.is(capacitiesFor(184312, true).members, 32);
  assert.is(capacitiesFor(229362).members, 32);
});

/**
 * A window of `count` records, each approving two earlier ones drawn at random (the genesis for the first),
 * with the parents of each by index; `issuerOf` and `flagsOf` are asked in that order after its parents.
 */
function randomDag(rng: ReturnType<typeof createRng>, count: number, issuerOf: (index: number) => number, flagsOf: (index: number) => number) {
  const window = new RecordWindow(64, 16);
  const parents: number[][] = [];
  for (let index = 0; index < count; index++) {
    const a = index === 0 ? -1 : rng.int(0, index - 1);
    const b = index === 0 ? -1 : rng.int(0, index - 1);
    parents.push([a, b]);
    const issuer = issuerOf(index);
    window.add({
      id: id(index + 1), issuer, kind: KIND_OFFER, seq: index + 1, timeMs: index, energyWh: 1, ecash: 1, counterparty: 0,
      parents: [a < 0 ? GENESIS_ID : id(a + 1), b < 0 ? GENESIS_ID : id(b + 1)], ref: null,
    }, flagsOf(index));
  }
  return { window, parents };
}

test('a record is usable when nothing in its past cone lost a conflict: the searches of one selection share what they found', () => {
  const rng = createRng(testSeed('usable caps'));
  for (let round = 0; round < 40; round++) {
    const loser: boolean[] = [];
    const count = rng.int(2, 60);
    const { window, parents } = randomDag(rng, count, (index) => 1 + (index % 9), () => {
      loser.push(rng.int(0, 19) === 0);
      return loser[loser.length - 1] ? FLAG_VALID | FLAG_CONFLICT_LOSER : FLAG_VALID;
    });
    const clean = (target: number): boolean => {
      const stack = [target];
      const seen = new Set<number>([target]);
      while (stack.length > 0) {
        const current = stack.pop() as number;
        if (loser[current]) return false;
        for (const parent of parents[current]) if (parent >= 0 && !seen.has(parent)) stack.push(parent), seen.add(parent);
      }
      return true;
    };
    const walk = new CapWalk(64, () => undefined);
    walk.window = window;
    // Two selections, each asking about every record in a random order, some twice.
    for (let selection = 0; selection < 2; selection++) {
      walk.pick++;
      for (let ask = 0; ask < count * 2; ask++) {
        const target = rng.int(0, count - 1);
        assert.is(walk.usableCap(window.find(id(target + 1))), clean(target), `round ${round}, record ${target}`);
      }
      // A conflict decided between selections: the next one must not trust what this one found.
      const flipped = rng.int(0, count - 1);
      loser[flipped] = true;
      window.flags[window.find(id(flipped + 1))] |= FLAG_CONFLICT_LOSER;
    }
  }
});

test('window weights and validation counts match a brute-force count on random DAGs', () => {
  const rng = createRng(testSeed('window weights'));
  for (let round = 0; round < 30; round++) {
    const issuers: number[] = [];
    const count = rng.int(5, 60);
    const { window, parents } = randomDag(rng, count, () => (issuers.push(rng.int(1, 10)), issuers[issuers.length - 1]), () => FLAG_VALID);
    for (let target = 0; target < count; target++) {
      const approvers = new Set<number>();
      const members = new Set<number>();
      for (let later = target + 1; later < count; later++) {
        const stack = [later];
        const seen = new Set<number>();
        let reaches = false;
        while (stack.length > 0 && !reaches) {
          const current = stack.pop() as number;
          for (const parent of parents[current]) {
            if (parent === target) reaches = true;
            if (parent >= 0 && !seen.has(parent)) {
              seen.add(parent);
              stack.push(parent);
            }
          }
        }
        if (reaches) {
          approvers.add(later);
          if (issuers[later] !== issuers[target]) members.add(issuers[later]);
        }
      }
      const slot = window.find(id(target + 1));
      assert.is(window.weight[slot], approvers.size + 1, `weight of ${target}`);
      assert.is(window.validationCount(slot), members.size, `validation count of ${target}`);
    }
  }
});

test('eviction spares pinned records and takes offloaded-and-confirmed ones first', () => {
  const window = new RecordWindow(4, 4);
  const entry = (byte: number) => ({ id: id(byte), issuer: 1, kind: KIND_OFFER, seq: byte, timeMs: byte, energyWh: 1, ecash: 1, counterparty: 0, parents: [GENESIS_ID, GENESIS_ID], ref: null });
  // Record 3 is the node's own: pending (pinned) until the aggregator acknowledges it (offloaded), then
  // confirmed by a checkpoint of its issuer's balance, each through the part that handles that frame.
  const tally = createTally();
  const persistence = new NodePersistence(new MemoryStore(), 3);
  const tokenKey = new Uint8Array(32).fill(4);
  const aggregator = keyPairFromSeed(new Uint8Array(32).fill(9));
  const platform = testPlatform();
  const offload = createOffload(1, persistence, window, tokenKey, sha512, createLinks([]), tally);
  const members = new MemberTable(4);
  members.add(1, new Uint8Array(32).fill(1), 100);
  const verifyQueue = new VerifyQueue(2, platform.crypto, undefined, createWork(tally.counters, sha512, 1, () => undefined), tally);
  const onCheckpoint = createCheckpoints(aggregator.publicKey, window, members, verifyQueue, tally);
  window.add(entry(1), FLAG_VALID | FLAG_PINNED);
  window.add(entry(2), FLAG_VALID);
  window.add(entry(3), FLAG_VALID | FLAG_PINNED);
  persistence.savePending(id(3), new Uint8Array([1]));
  offload.onAck({ type: FRAME_OFFLOAD_ACK, batch: 0, id: id(3), mac: keyedMac(sha512, tokenKey, ackMessage(id(3))) });
  assert.is(window.flags[window.find(id(3))], FLAG_VALID | FLAG_OFFLOADED, 'acknowledged: offloaded, not yet confirmed');
  onCheckpoint({ type: FRAME_CHECKPOINT, member: 1, balance: 100, asOfMs: 3, signature: signDetached(checkpointMessage(1, 100, 3), aggregator.secretKey) });
  assert.is(window.flags[window.find(id(3))], FLAG_VALID | FLAG_OFFLOADED | FLAG_CONFIRMED, 'the checkpoint confirms it');
  window.add(entry(4), FLAG_VALID);
  window.add(entry(5), FLAG_VALID);
  assert.is(window.find(id(3)), -1, 'the offloaded and confirmed record goes first');
  window.add(entry(6), FLAG_VALID);
  assert.is(window.find(id(2)), -1, 'then the oldest');
  assert.ok(window.find(id(1)) >= 0, 'a pinned record stays');
  const full = new RecordWindow(4, 4);
  for (let byte = 1; byte <= 4; byte++) full.add(entry(byte), FLAG_VALID | FLAG_PINNED);
  assert.is(full.add(entry(9), FLAG_VALID), -1, 'a window of pinned records refuses rather than evicts');
});

test('findTrade answers the valid, winning record of the given terms and ref, and nothing else', () => {
  const window = new RecordWindow(8, 4);
  const sold = (byte: number, fields: Record<string, number>, flags = FLAG_VALID) =>
    window.add({ id: id(byte), issuer: 2, kind: KIND_SOLD, seq: byte, timeMs: byte, energyWh: 10, ecash: 5, counterparty: 1, parents: [GENESIS_ID, GENESIS_ID], ref: id(50), ...fields }, flags);
  sold(1, { energyWh: 11 });
  sold(2, { counterparty: 3 });
  sold(3, {}, FLAG_VALID | FLAG_CONFLICT_LOSER);
  sold(4, { kind: KIND_OFFER });
  assert.is(window.findTrade(KIND_SOLD, 2, 1, 10, 5, id(50)), null, 'other terms, a loser, another kind');
  assert.is(window.findTrade(KIND_SOLD, 2, 1, 10, 5, id(51)), null);
  sold(5, {});
  assert.equal(window.findTrade(KIND_SOLD, 2, 1, 10, 5, id(50)), id(5));
  assert.is(window.findTrade(KIND_SOLD, 3, 1, 10, 5, id(50)), null, 'another issuer');
});

test('cap selection ends at caps, avoids conflict losers, and alpha biases toward the heavy branch', () => {
  const window = new RecordWindow(32, 8);
  const add = (byte: number, a: number, b: number, flags = FLAG_VALID) =>
    window.add({ id: id(byte), issuer: byte, kind: KIND_OFFER, seq: 1, timeMs: byte, energyWh: 1, ecash: 1, counterparty: 0, parents: [a ? id(a) : GENESIS_ID, b ? id(b) : GENESIS_ID], ref: null }, flags);
  add(1, 0, 0);
  add(2, 1, 1); // heavy branch: 2 <- 4 <- 5 <- 6
  add(3, 1, 1); // light branch: a cap
  add(4, 2, 2);
  add(5, 4, 4);
  add(6, 5, 5);
  add(7, 6, 6, FLAG_VALID | FLAG_CONFLICT_LOSER);
  const walk = new CapWalk(32, () => undefined);
  const rng = createRng(5);
  const counts: Record<string, number> = {};
  for (let round = 0; round < 400; round++) {
    const caps = selectCaps(window, walk, 2, () => rng.next()) as Uint8Array[];
    for (const cap of caps) counts[cap[0]] = (counts[cap[0]] ?? 0) + 1;
  }
  assert.is(counts[7], undefined, 'a conflict loser is never a cap');
  assert.ok((counts[6] ?? 0) > 10 * (counts[3] ?? 0), `weighted walk prefers the heavy branch: ${JSON.stringify(counts)}`);
  const uniform: Record<string, number> = {};
  for (let round = 0; round < 400; round++) for (const cap of selectCaps(window, walk, 0, () => rng.next()) as Uint8Array[]) uniform[cap[0]] = (uniform[cap[0]] ?? 0) + 1;
  assert.ok((uniform[3] ?? 0) > 50, `alpha 0 walks uniformly: ${JSON.stringify(uniform)}`);
  assert.is(selectCaps(new RecordWindow(8, 2), walk, 1, () => 0.5), null);
});

function startedWorld(nodes: number, seed: number, extra: Partial<ConstructorParameters<typeof InProcessWorld>[0]> = {}): InProcessWorld {
  const world = new InProcessWorld({ nodes, seed, slotMs: 30000, ...extra });
  world.admitAll();
  world.run(2000);
  return world;
}

test('proof of time: one record per slot for a member, and no tokens for members it invents (Sybil)', () => {
  const world = startedWorld(5, 11);
  const attacker = world.nodes[0];
  // The attacker asks for tokens under ids that are not members, and for a second seq in the same slot.
  const slot = Math.floor(world.wallClockMs() / 30000);
  for (const fake of [40, 41, 42]) world.broadcast(attacker.id, encodeFrame({ type: FRAME_TOKEN_REQUEST, requester: fake, seq: 1, slot, asked: world.nodes.slice(1).map((entry) => entry.id) }));
  world.run(1000);
  const refusedUnknown = world.nodes.slice(1).reduce((sum, entry) => sum + ((entry.node.stats().rejected_TOKEN_REQUESTER_UNKNOWN as number) ?? 0), 0);
  assert.is(refusedUnknown, 12, 'four honest nodes refuse three invented requesters');
  let issued = 0;
  for (let round = 0; round < 20; round++) {
    if (attacker.node.requestIssue({ kind: KIND_OFFER, energyWh: 100, ecash: 10 })) issued++;
    world.run(3000);
  }
  const records = attacker.node.stats().records_issued as number;
  const slots = Math.ceil((20 * 3000) / 30000) + 1;
  assert.ok(records <= slots, `${records} records in ${slots} slots`);
  assert.ok(records >= 1);
});

test('double spend on ten nodes: no node counts both, the lighter spend dies out', () => {
  const world = startedWorld(10, 21, { grantEcash: 1000 });
  const cheat = world.nodes[9];
  const parents = [world.nodes[0].node.window.idOf(0), world.nodes[0].node.window.idOf(1)];
  const spend = (seq: number, counterparty: number) => signAs(cheat, {
    kind: KIND_BOUGHT, issuer: cheat.id, seq, timeMs: world.wallClockMs(), parents, pot: [1, 2], energyWh: 2000, ecash: 700, counterparty, ref: id(seq),
  });
  const first = spend(101, 1);
  const second = spend(102, 2);
  // Half the network hears one spend first, the other half the other.
  world.nodes.slice(0, 9).forEach((entry, index) => {
    entry.node.receive(0, encodeFrame({ type: FRAME_RECORD, record: index < 5 ? first.bytes : second.bytes }));
    entry.node.receive(0, encodeFrame({ type: FRAME_RECORD, record: index < 5 ? second.bytes : first.bytes }));
  });
  world.run(1000);
  for (let round = 0; round < 12; round++) {
    for (const entry of world.nodes.slice(0, 9)) entry.node.requestIssue({ kind: KIND_OFFER, energyWh: 100, ecash: 10 });
    world.run(31000);
  }
  const verdicts = world.nodes.slice(0, 9).map((entry: SimNode) => {
    const window = entry.node.window;
    const a = window.find(first.id);
    const b = window.find(second.id);
    assert.ok(a >= 0 && b >= 0, `node ${entry.id} holds both spends`);
    const aLoses = (window.flags[a] & FLAG_CONFLICT_LOSER) !== 0;
    const bLoses = (window.flags[b] & FLAG_CONFLICT_LOSER) !== 0;
    assert.ok(aLoses !== bLoses, `node ${entry.id} counts exactly one spend`);
    return aLoses ? 'second' : 'first';
  });
  assert.is(new Set(verdicts).size, 1, `all nodes agree on the winner: ${verdicts.join(',')}`);
  const window = world.nodes[0].node.window;
  const winner = verdicts[0] === 'first' ? first.id : second.id;
  const loser = verdicts[0] === 'first' ? second.id : first.id;
  assert.ok(window.weight[window.find(winner)] > window.weight[window.find(loser)]);
  assert.ok(window.validationCount(window.find(loser)) < commitThreshold(10), 'the loser never reaches the commit threshold');
});

test('power cut at every write while issuing: no sequence number is reused, no issued record is lost', () => {
  const rounds = 3;
  const issueRounds = (world: InProcessWorld, victim: SimNode, onCut: () => void, check: () => void) => {
    for (let round = 0; round < rounds; round++) {
      try {
        victim.node.requestIssue({ kind: KIND_OFFER, energyWh: 100, ecash: 10 });
        world.run(31000);
      } catch (error) {
        assert.ok(error instanceof PowerCut, String(error));
        onCut();
      }
      check();
    }
  };
  // How many writes an uninterrupted run makes: the power is then cut at each of them in turn.
  const reference = startedWorld(3, 31);
  const before = reference.nodes[0].store.writes;
  issueRounds(reference, reference.nodes[0], () => assert.unreachable('no cut expected'), () => undefined);
  const writes = reference.nodes[0].store.writes - before;
  assert.ok(writes >= rounds, `an uninterrupted run writes ${writes} times`);
  for (let cutAt = 1; cutAt <= writes; cutAt++) {
    const world = startedWorld(3, 31);
    const victim = world.nodes[0];
    const seen = new Map<number, string>();
    let cut = false;
    victim.store.cutAtWrite = victim.store.writes + cutAt;
    issueRounds(world, victim, () => {
      cut = true;
      victim.store.cutAtWrite = Infinity;
      victim.node = world.boot(victim);
      world.resendMembership();
    }, () => {
      for (const entry of world.nodes.slice(1)) {
        const window = entry.node.window;
        for (let slot = 0; slot < window.capacity; slot++) {
          if (!window.isUsed(slot) || window.issuer[slot] !== victim.id) continue;
          const key = Buffer.from(window.idOf(slot)).toString('hex');
          const previous = seen.get(window.seq[slot]);
          assert.ok(previous === undefined || previous === key, `seq ${window.seq[slot]} reused (cut at write ${cutAt})`);
          seen.set(window.seq[slot], key);
        }
      }
    });
    assert.ok(cut, `the power was cut at write ${cutAt}`);
    // Every record the others saw from the victim is still pending on the victim (nothing acknowledged it).
    const pending = new Set(victim.node.pendingIds().map((bytes) => Buffer.from(bytes).toString('hex')));
    for (const key of seen.values()) assert.ok(pending.has(key), `record ${key} lost after a cut at write ${cutAt}`);
  }
});

test('a stream of random valid and invalid records: bounded structures, no invalid record accepted', () => {
  const rng = createRng(testSeed('record stream'));
  const world = startedWorld(4, 41);
  const target = world.nodes[0].node;
  const issuers = world.nodes.slice(1);
  const parents = [target.window.idOf(0), target.window.idOf(1)];
  const valid: Uint8Array[] = [];
  const invalid: { bytes: Uint8Array; id: Uint8Array | null }[] = [];
  for (let index = 0; index < 300; index++) {
    const issuer = issuers[index % issuers.length];
    const others = issuers.filter((entry) => entry.id !== issuer.id).map((entry) => entry.id).sort((a, b) => a - b);
    // One record per issuer per proof-of-time slot (30 s here), its sequence numbers rising with its
    // times (later indexes go back in time), as an honest issuer makes them.
    const record: LedgerRecord = { kind: KIND_OFFER, issuer: issuer.id, seq: 2000 - index, timeMs: world.wallClockMs() - Math.floor(index / issuers.length) * 30000 - rng.int(0, 1000), parents, pot: others.slice(0, 2), energyWh: rng.int(1, 9000), ecash: rng.int(0, 900) };
    valid.push(signAs(issuer, record).bytes);
    const broken = { ...record, seq: 5000 + index };
    const kind = index % 5;
    if (kind === 0) broken.timeMs = world.wallClockMs() + 3600000;
    if (kind === 1) broken.pot = [];
    if (kind === 2) broken.issuer = 77;
    const signedBroken = signAs(kind === 3 ? world.nodes[0] : issuer, broken);
    if (kind === 4) signedBroken.bytes[signedBroken.bytes.length - 3] ^= 1;
    invalid.push(signedBroken);
    invalid.push({ bytes: rng.bytes(rng.int(1, 240)), id: null });
  }
  const invalidIds = new Set(invalid.filter((entry) => entry.id !== null).map((entry) => Buffer.from(entry.id as Uint8Array).toString('hex')));
  for (let index = 0; index < 100000; index++) {
    const pickValid = rng.next() < 0.3;
    const bytes = pickValid ? valid[rng.int(0, valid.length - 1)] : invalid[rng.int(0, invalid.length - 1)].bytes;
    target.receive(0, encodeFrame({ type: FRAME_RECORD, record: bytes.length <= 200 ? bytes : bytes.subarray(0, 200) }));
    if (index % 16 === 15) target.tick(world.nowMs);
    if (index % 1000 === 0) {
      assert.ok(target.window.count <= target.window.capacity);
      const stats = target.stats();
      assert.ok((stats.members as number) <= 32);
    }
  }
  for (let round = 0; round < 50; round++) target.tick(world.nowMs);
  const window = target.window;
  for (let slot = 0; slot < window.capacity; slot++) {
    if (window.isUsed(slot)) assert.not.ok(invalidIds.has(Buffer.from(window.idOf(slot)).toString('hex')), 'an invalid record was accepted');
  }
  const stats = target.stats();
  assert.ok((stats.records_accepted as number) > 50);
  assert.ok((stats.frames_dropped_inbox_full as number) > 0, 'the inbox is bounded and says so');
  // Replays of a good record never cost a verification: the verified cache holds the whole window.
  const fresh = startedWorld(4, 41).nodes[0].node;
  const before = fresh.stats().signatures_verified as number;
  for (let round = 0; round < 5; round++) {
    for (const bytes of valid.slice(0, 20)) fresh.receive(0, encodeFrame({ type: FRAME_RECORD, record: bytes }));
    for (let tick = 0; tick < 10; tick++) fresh.tick(world.nowMs);
  }
  assert.is((fresh.stats().signatures_verified as number) - before, 20, JSON.stringify(fresh.stats()));
  assert.ok(decodeFrame(new Uint8Array([0x81])).ok === false);
});

test('a pending record and its caps stay pinned until the aggregator acknowledges it, then are freed', () => {
  const world = startedWorld(3, 61);
  const issuer = world.nodes[0];
  assert.ok(issuer.node.requestIssue({ kind: KIND_OFFER, energyWh: 100, ecash: 10 }));
  world.run(5000);
  const [pending] = issuer.node.pendingIds();
  const window = issuer.node.window;
  const slot = window.find(pending);
  assert.ok((window.flags[slot] & FLAG_PINNED) !== 0, 'the pending record is pinned');
  const parent = window.parentSlot[slot * 2];
  assert.ok(parent >= 0 && (window.flags[parent] & FLAG_PINNED) !== 0, 'its cap is pinned');
  // An acknowledgement under another member's key (what a neighbour could forge) frees nothing.
  const forged = macHost(tokenKeyFor(world.consortiumSeed, world.nodes[1].id), ackMessage(pending));
  issuer.node.receive(0, encodeFrame({ type: FRAME_OFFLOAD_ACK, batch: 0, id: pending, mac: forged }));
  world.run(200);
  assert.is(issuer.node.pendingIds().length, 1, 'a forged acknowledgement frees nothing');
  const mac = macHost(tokenKeyFor(world.consortiumSeed, issuer.id), ackMessage(pending));
  issuer.node.receive(0, encodeFrame({ type: FRAME_OFFLOAD_ACK, batch: 0, id: pending, mac }));
  world.run(200);
  assert.is(issuer.node.pendingIds().length, 0);
  assert.is((window.flags[slot] & FLAG_PINNED), 0, 'acknowledged: unpinned');
  assert.ok((window.flags[slot] & 2) !== 0, 'and marked offloaded');
  assert.is(issuer.node.stats().rejected_ACK_MAC_INVALID, 1);
  assert.is(window.flags[slot] & FLAG_CONFIRMED, 0, 'not confirmed before a checkpoint');
  const asOfMs = world.wallClockMs();
  const signature = signDetached(checkpointMessage(issuer.id, 777, asOfMs), keyPairFromSeed(world.aggregatorSeed).secretKey);
  issuer.node.receive(0, encodeFrame({ type: FRAME_CHECKPOINT, member: issuer.id, balance: 777, asOfMs, signature }));
  world.run(200);
  assert.is(window.flags[slot] & FLAG_CONFIRMED, FLAG_CONFIRMED, 'a checkpoint of its issuer confirms it');
  assert.is(issuer.node.members.balanceOf(issuer.id), 777);
});

test('offload parts are passed over unread, counted as the aggregator\'s; every other frame is still decoded', () => {
  const world = startedWorld(2, 63);
  const listener = world.nodes[1].node;
  const before = listener.stats();
  const parts = offloadFrames(world.nodes[0].id, id(7), new Uint8Array(RECORD_WITH_TOKENS_BYTES_MAX).fill(5)).map((frame) => encodeFrame(frame));
  assert.ok(parts.length > 1);
  for (const part of parts) assert.equal([part[0], part[1]], [OFFLOAD_FRAME_HEAD, FRAME_OFFLOAD], 'an offload frame begins with its head and type');
  // A neighbour's parts, and bytes that only begin like one (what a radio can hear): none takes an inbox
  // slot or a decoding, none counts as a rejection.
  for (const part of parts) listener.receive(0, part);
  listener.receive(0, new Uint8Array([OFFLOAD_FRAME_HEAD, FRAME_OFFLOAD, 0xff]));
  world.run(1000);
  const after = listener.stats();
  assert.is((after.frames_skipped as number) - (before.frames_skipped as number), parts.length + 1);
  assert.is(after.frames_rejected, before.frames_rejected);
  // Not an array header, or a type beyond one byte: decoded, and rejected as before.
  for (const bytes of [new Uint8Array([FRAME_OFFLOAD, FRAME_OFFLOAD]), new Uint8Array([OFFLOAD_FRAME_HEAD, 0x18, FRAME_OFFLOAD]), new Uint8Array([OFFLOAD_FRAME_HEAD])]) listener.receive(0, bytes);
  world.run(1000);
  assert.is((listener.stats().frames_rejected as number) - (after.frames_rejected as number), 3);
  assert.is(listener.stats().frames_skipped, after.frames_skipped);
});

test('the firmware\'s own crypto path issues and validates records too (sliced verification, no native crypto)', () => {
  const world = new InProcessWorld({ nodes: 3, seed: 51, slotMs: 30000, nativeCrypto: false });
  world.admitAll();
  // A verification is about 165 slices of 24 field operations, one per 50 ms tick.
  world.run(60000);
  assert.ok(world.nodes[0].node.requestIssue({ kind: KIND_OFFER, energyWh: 500, ecash: 50 }));
  world.run(60000);
  assert.is(world.nodes[0].node.stats().records_issued, 1);
  for (const entry of world.nodes.slice(1)) assert.is(entry.node.stats().records_accepted, 4);
});

test.run();
