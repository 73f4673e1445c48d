// The aggregator on a real SQLite file: migrations, membership, every validation code, caps, the
// auction rule, settlement with Ecash conserved after every step of a long random run (seed printed),
// and signed acknowledgements and checkpoints a light node can verify.
import { KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../../host-tools/crypto/host-signing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeCbor } from '../../firmware/codec/cbor';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { ackMessage, decodeFrame, encodeToken, tokenMessage } from '../../firmware/frames';
import { macHost, tokenKeyFor } from '../../host-tools/crypto/token-key';
import { KIND_BOUGHT, KIND_DEMAND, KIND_OFFER, KIND_SOLD, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { Aggregator, PreparedRecord, SubmitResult, recordIdHost, runOnPool } from '../../host-tools/aggregator/aggregator';
import { runDoubleAuction } from '../../host-tools/aggregator/auction';
import { RESERVATION_TTL_MS, SCHEMA_VERSION, migrate } from '../../host-tools/aggregator/store';
import { VerifyPool } from '../../host-tools/aggregator/verify-pool';
import { verifyHost } from '../../host-tools/crypto/verify-host';
import { createRng, testSeed } from '../support/rng';

/** Every folder a test makes, removed when the file's tests are done. */
const temporaries: string[] = [];
function temporary(prefix: string): string {
  const directory = mkdtempSync(prefix);
  temporaries.push(directory);
  return directory;
}
test.after(() => {
  for (const directory of temporaries) rmSync(directory, { recursive: true, force: true });
});


type Member = { id: number; seed: Uint8Array; key: KeyObject; seq: number; nextMs: number };
/** The slot of these tests' aggregators: each member's records take its next free slot (one per slot). */
const SLOT_MS = 1000;

const CONSORTIUM_SEED = new Uint8Array(32).fill(1);

function fresh(now = { ms: 1795000000000 }) {
  const directory = temporary(join(tmpdir(), 'smartchain-aggregator-'));
  const aggregator = new Aggregator({
    dbPath: join(directory, 'a.sqlite'), consortiumSeed: CONSORTIUM_SEED, aggregatorSeed: new Uint8Array(32).fill(2),
    now: () => now.ms, random: createRng(9).next, slotMs: SLOT_MS,
  });
  return { aggregator, directory, now };
}

function admit(aggregator: Aggregator, count: number, grant: number): Member[] {
  const members: Member[] = [];
  for (let index = 0; index < count; index++) {
    const seed = new Uint8Array(32).fill(40 + index);
    const result = aggregator.addMember(keyPairFromSeed(seed).publicKey, grant);
    assert.ok(result.ok);
    if (result.ok) members.push({ id: result.id, seed, key: signingKey(seed), seq: 0, nextMs: 0 });
  }
  return members;
}

/**
 * A record with proper tokens from the next two members; `tamper` edits it before signing. Unless the
 * fields fix its time, it takes the issuer's next free slot from `nowMs` on (one record per slot).
 */
function make(aggregator: Aggregator, members: Member[], issuer: Member, fields: Partial<LedgerRecord>, nowMs: number, tamper?: { tokenKey?: Uint8Array; tokens?: number }) {
  const others = members.filter((entry) => entry !== issuer).slice(0, 2).sort((a, b) => a.id - b.id);
  issuer.seq++;
  let timeMs = fields.timeMs;
  if (timeMs === undefined) {
    timeMs = Math.max(nowMs, issuer.nextMs);
    issuer.nextMs = (Math.floor(timeMs / SLOT_MS) + 1) * SLOT_MS;
  }
  const record: LedgerRecord = {
    kind: KIND_OFFER, issuer: issuer.id, seq: issuer.seq, parents: aggregator.selectCaps(), pot: others.map((entry) => entry.id),
    energyWh: 1000, ecash: 300, ...fields, timeMs,
  };
  const payload = encodePayload(record);
  const signature = signHost(bytesToSign(payload), issuer.key);
  const slot = aggregator.slotOf(record.timeMs);
  const tokens = others.slice(0, tamper?.tokens ?? 2).map((granter) =>
    encodeToken({ granter: granter.id, requester: record.issuer, seq: record.seq, slot, mac: macHost(tamper?.tokenKey ?? aggregator.tokenKey(granter.id), tokenMessage(granter.id, record.issuer, record.seq, slot)) }),
  );
  return { bytes: encodeRecord(payload, signature, tokens), record };
}

test('a new file gets the current schema; migrations are idempotent; a newer file is refused', () => {
  const { aggregator, directory } = fresh();
  assert.is(aggregator.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.is(aggregator.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.is(migrate(aggregator.db), SCHEMA_VERSION);
  const indexes = (aggregator.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as { name: string }[]).map((row) => row.name);
  assert.ok(indexes.includes('records_issuer_time') && indexes.includes('orders_time') && !indexes.includes('orders_open_member') && !indexes.includes('records_sold'), indexes.join(','));
  aggregator.close();
  const db = new Database(join(directory, 'a.sqlite'));
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  assert.throws(() => migrate(db), /newer than this aggregator/);
  db.close();
});

test('schema 8 keys orders by member and side, keeping the newest open order of each', () => {
  const directory = temporary(join(tmpdir(), 'smartchain-aggregator-'));
  const db = new Database(join(directory, 'old.sqlite'));
  assert.is(migrate(db, 7), 7);
  const insert = db.prepare('INSERT INTO orders (record_id, member, side, energy_wh, ecash, open, time_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  insert.run(Buffer.alloc(16, 1), 5, 'offer', 1000, 100, 1, 10);
  insert.run(Buffer.alloc(16, 2), 5, 'offer', 2000, 200, 1, 20);
  insert.run(Buffer.alloc(16, 3), 5, 'demand', 3000, 300, 1, 15);
  insert.run(Buffer.alloc(16, 4), 6, 'offer', 4000, 400, 0, 30);
  assert.is(migrate(db), SCHEMA_VERSION);
  const rows = db.prepare('SELECT member, side, hex(record_id) AS id, energy_wh FROM orders ORDER BY member, side').all();
  assert.equal(rows, [
    { member: 5, side: 'demand', id: '03'.repeat(16), energy_wh: 3000 },
    { member: 5, side: 'offer', id: '02'.repeat(16), energy_wh: 2000 },
  ]);
  db.close();
});

test('an order replaces its member\'s open order of that side in place; the auction closes the orders it matched', () => {
  const { aggregator, now } = fresh();
  const members = admit(aggregator, 4, 100000);
  const [seller, buyer] = members;
  const store = (issuer: Member, fields: Partial<LedgerRecord>) => {
    now.ms += SLOT_MS;
    const result = aggregator.submit(make(aggregator, members, issuer, fields, now.ms).bytes);
    assert.ok(result.ok, JSON.stringify(result));
    return result.ok ? result.id : '';
  };
  const rows = () => aggregator.db.prepare('SELECT member, side, lower(hex(record_id)) AS id FROM orders ORDER BY member, side').all();
  store(seller, { kind: KIND_OFFER, energyWh: 5000, ecash: 1000 });
  const offer = store(seller, { kind: KIND_OFFER, energyWh: 4000, ecash: 800 });
  const demand = store(buyer, { kind: KIND_DEMAND, energyWh: 4000, ecash: 2000 });
  assert.equal(rows(), [{ member: seller.id, side: 'offer', id: offer }, { member: buyer.id, side: 'demand', id: demand }]);
  const matches = aggregator.runAuction();
  assert.equal(matches.map((match) => [match.offerId, match.demandId, match.seller, match.buyer]), [[offer, demand, seller.id, buyer.id]]);
  assert.equal(rows(), []);
  aggregator.close();
});

test('membership: consortium-signed records, small-order and repeated keys refused', () => {
  const { aggregator } = fresh();
  const members = admit(aggregator, 3, 500);
  assert.equal(members.map((entry) => entry.id), [1, 2, 3]);
  assert.is(aggregator.stats().ecash_total, 1500);
  const again = aggregator.addMember(keyPairFromSeed(members[0].seed).publicKey, 10);
  assert.is((again as { code: string }).code, 'MEMBER_EXISTS');
  const small = aggregator.addMember(new Uint8Array(Buffer.from('0100000000000000000000000000000000000000000000000000000000000000', 'hex')), 0);
  assert.is((small as { code: string }).code, 'KEY_SMALL_ORDER');
  assert.is(aggregator.stats().members, 3);
});

test('every validation failure has its code and stores nothing', () => {
  const { aggregator, now } = fresh();
  const members = admit(aggregator, 4, 1000);
  const before = aggregator.stats().records;
  const code = (bytes: Uint8Array) => {
    const result = aggregator.submit(bytes);
    return result.ok ? 'OK' : result.code;
  };
  const [a] = members;
  assert.is(code(make(aggregator, members, a, {}, now.ms).bytes), 'OK');
  const stored = aggregator.stats().records;
  assert.is(stored, before + 1);
  assert.is(code(make(aggregator, members, a, { timeMs: now.ms + 3600000 }, now.ms).bytes), 'TIMESTAMP_FUTURE');
  assert.is(code(make(aggregator, members, a, { issuer: 99 }, now.ms).bytes), 'ISSUER_UNKNOWN');
  assert.is(code(make(aggregator, members, a, {}, now.ms, { tokens: 1 }).bytes), 'TOKEN_MISMATCH');
  assert.is(code(make(aggregator, members, a, {}, now.ms, { tokenKey: aggregator.tokenKey(a.id) }).bytes), 'TOKEN_MAC_INVALID');
  assert.is(code(make(aggregator, members, a, { pot: [2] }, now.ms).bytes), 'POT_TOO_FEW');
  assert.is(code(make(aggregator, members, a, { parents: [new Uint8Array(16).fill(7), new Uint8Array(16).fill(7)] }, now.ms).bytes), 'PARENT_UNKNOWN');
  const first = make(aggregator, members, a, {}, now.ms);
  assert.is(code(first.bytes), 'OK');
  a.seq--;
  assert.is(code(make(aggregator, members, a, { energyWh: 4321 }, now.ms).bytes), 'EQUIVOCATION');
  const tampered = make(aggregator, members, a, {}, now.ms).bytes;
  tampered[tampered.length - 1] ^= 1;
  assert.is(code(tampered), 'SIGNATURE_INVALID');
  assert.is(code(new Uint8Array([0xd2, 0x84])), 'CBOR_TRUNCATED');
  const spend = (ecash: number) => make(aggregator, members, members[1], { kind: KIND_BOUGHT, ecash, counterparty: 1, ref: new Uint8Array(16).fill(3) }, now.ms).bytes;
  assert.is(code(spend(2000)), 'BALANCE_INSUFFICIENT');
  assert.is(code(spend(600)), 'OK');
  assert.is(code(spend(600)), 'CONFLICT_DOUBLE_SPEND');
  assert.is(aggregator.stats().records, stored + 2);
  assert.is(aggregator.submit(first.bytes).ok && (aggregator.submit(first.bytes) as { duplicate: boolean }).duplicate, true);
});

test('an unpaid bought record holds its Ecash for RESERVATION_TTL_MS, then releases it and can no longer complete', () => {
  const { aggregator, now } = fresh();
  const members = admit(aggregator, 4, 1000);
  const [seller, buyer] = members;
  const code = (bytes: Uint8Array) => {
    const result = aggregator.submit(bytes);
    return result.ok ? 'OK' : result.code;
  };
  const sold = aggregator.submit(make(aggregator, members, seller, { kind: KIND_SOLD, energyWh: 1000, ecash: 600, counterparty: buyer.id, ref: new Uint8Array(16).fill(1) }, now.ms).bytes);
  assert.ok(sold.ok);
  const soldId = new Uint8Array(Buffer.from((sold as { id: string }).id, 'hex'));
  const bought = (ref: Uint8Array) => make(aggregator, members, buyer, { kind: KIND_BOUGHT, energyWh: 1000, ecash: 600, counterparty: seller.id, ref }, now.ms + SLOT_MS).bytes;
  assert.is(code(bought(new Uint8Array(16).fill(2))), 'OK');
  assert.is((aggregator.member(buyer.id) as { reserved: number }).reserved, 600);
  assert.is(code(bought(soldId)), 'CONFLICT_DOUBLE_SPEND', 'the first reservation still holds 600 of 1000');
  now.ms += RESERVATION_TTL_MS + 2 * SLOT_MS;
  // Any group commit sweeps expired reservations.
  assert.is(code(make(aggregator, members, members[2], {}, now.ms).bytes), 'OK');
  assert.is((aggregator.member(buyer.id) as { reserved: number }).reserved, 0, 'released');
  assert.is(aggregator.member(buyer.id)?.balance, 1000, 'nothing paid');
  // The sold record has expired too: a bought record answering it now holds Ecash but never commits.
  assert.is(code(bought(soldId)), 'OK');
  for (let index = 0; index < 12; index++) assert.is(code(make(aggregator, members, members[index % 4], {}, now.ms + 2 * SLOT_MS).bytes), 'OK');
  assert.is(aggregator.stats().trades_committed, 0);
  assert.is(aggregator.stats().ecash_total, 4000);
});

test('caps come from the recent DAG and are stored records', () => {
  const { aggregator, now } = fresh();
  const members = admit(aggregator, 4, 1000);
  for (let index = 0; index < 40; index++) assert.ok(aggregator.submit(make(aggregator, members, members[index % 4], {}, now.ms).bytes).ok);
  for (let round = 0; round < 20; round++) {
    for (const cap of aggregator.selectCaps()) assert.ok(aggregator.record(Buffer.from(cap).toString('hex')), 'a cap is a stored record');
  }
});

test('the double auction clears at one uniform price and never matches a member with itself', () => {
  const order = (id: string, member: number, side: 'offer' | 'demand', energyWh: number, ecash: number) => ({ id, member, side, energyWh, ecash, timeMs: 0 });
  const matches = runDoubleAuction([
    order('o1', 1, 'offer', 5000, 1000), // 0.2 per Wh
    order('o2', 2, 'offer', 5000, 2000), // 0.4
    order('d1', 3, 'demand', 6000, 3000), // 0.5
    order('d2', 4, 'demand', 5000, 1000), // 0.2: below o2
    order('d3', 1, 'demand', 1000, 5000), // the seller of o1 cannot buy from itself first
  ], { surplusEnergyWh: 0, surplusPricePerKwh: 0 });
  assert.ok(matches.length >= 2);
  const prices = new Set(matches.map((match) => match.pricePerWh));
  assert.is(prices.size, 1, 'one clearing price per round');
  for (const match of matches) {
    assert.is.not(match.seller, match.buyer);
    assert.ok(match.ecash === Math.round(match.energyWh * match.pricePerWh));
  }
  const surplus = runDoubleAuction([order('d1', 3, 'demand', 2000, 1000)], { surplusEnergyWh: 10000, surplusPricePerKwh: 300 });
  assert.is(surplus.length, 1);
  assert.is(surplus[0].seller, 0, 'the aggregator\'s surplus serves a buyer no EV serves');
});

test('trades settle under the commit rule and Ecash is conserved after every step of a random run', () => {
  const rng = createRng(testSeed('settlement'));
  const { aggregator, now } = fresh();
  const members = admit(aggregator, 6, 100000);
  const total = aggregator.stats().ecash_total;
  let committed = 0;
  const open: { seller: Member; buyer: Member; sold?: string; energyWh: number; ecash: number }[] = [];
  for (let step = 0; step < 400; step++) {
    now.ms += 3 * SLOT_MS;
    const choice = rng.int(0, 3);
    if (choice === 0 || open.length === 0) {
      const seller = members[rng.int(0, 5)];
      const buyer = members.filter((entry) => entry !== seller)[rng.int(0, 4)];
      const offer = make(aggregator, members, seller, { kind: KIND_OFFER, energyWh: rng.int(1000, 9000), ecash: rng.int(100, 3000) }, now.ms);
      assert.ok(aggregator.submit(offer.bytes).ok);
      const result = aggregator.submit(make(aggregator, members, seller, { kind: KIND_SOLD, energyWh: offer.record.energyWh, ecash: offer.record.ecash, counterparty: buyer.id, ref: aggregator.selectCaps()[0] }, now.ms).bytes);
      assert.ok(result.ok);
      if (result.ok) open.push({ seller, buyer, sold: result.id, energyWh: offer.record.energyWh as number, ecash: offer.record.ecash as number });
    } else if (choice === 1) {
      const trade = open.shift() as (typeof open)[number];
      const bought = make(aggregator, members, trade.buyer, { kind: KIND_BOUGHT, energyWh: trade.energyWh, ecash: trade.ecash, counterparty: trade.seller.id, ref: new Uint8Array(Buffer.from(trade.sold as string, 'hex')) }, now.ms + 1);
      const result = aggregator.submit(bought.bytes);
      assert.ok(result.ok || result.code === 'CONFLICT_DOUBLE_SPEND' || result.code === 'BALANCE_INSUFFICIENT');
    } else {
      const issuer = members[rng.int(0, 5)];
      assert.ok(aggregator.submit(make(aggregator, members, issuer, { kind: KIND_DEMAND, energyWh: 100, ecash: 10 }, now.ms).bytes).ok);
    }
    committed = aggregator.stats().trades_committed;
    assert.is(aggregator.stats().ecash_total, total, `Ecash conserved at step ${step}`);
    for (const member of aggregator.members()) assert.ok(member.balance >= 0);
  }
  assert.ok(committed > 10, `${committed} trades committed`);
  const trade = aggregator.trades(1)[0] as { sold_id: string; bought_id: string };
  const threshold = Math.floor(6 / 2) + 1;
  assert.ok((aggregator.dag.validationCount(trade.sold_id) as number) >= threshold);
  assert.ok((aggregator.dag.validationCount(trade.bought_id) as number) >= threshold);
});

test('an acknowledgement is a MAC under its issuer\'s token key; a checkpoint is signed by the aggregator\'s key', () => {
  const { aggregator, now } = fresh();
  const members = admit(aggregator, 3, 777);
  const result = aggregator.submit(make(aggregator, members, members[0], {}, now.ms).bytes);
  assert.ok(result.ok);
  if (!result.ok) return;
  const ack = decodeFrame(aggregator.acknowledge(result.id));
  assert.ok(ack.ok);
  if (ack.ok) {
    const mac = Buffer.from(ack.value.mac as Uint8Array).toString('hex');
    assert.is(mac, Buffer.from(macHost(tokenKeyFor(CONSORTIUM_SEED, members[0].id), ackMessage(ack.value.id as Uint8Array))).toString('hex'));
    assert.is.not(mac, Buffer.from(macHost(tokenKeyFor(CONSORTIUM_SEED, members[1].id), ackMessage(ack.value.id as Uint8Array))).toString('hex'));
  }
  const checkpoint = decodeFrame(aggregator.checkpoint(2) as Uint8Array);
  assert.ok(checkpoint.ok);
  if (checkpoint.ok) {
    assert.is(checkpoint.value.balance, 777);
    const message = encodeCbor(['SmartChain checkpoint', 2, 777, checkpoint.value.asOfMs as number], 64);
    assert.ok(verifyHost(message, checkpoint.value.signature as Uint8Array, aggregator.aggregatorPublicKey));
  }
  assert.is(aggregator.checkpoint(99), null);
});

test('after a restart on the same file the recent DAG is rebuilt and caps still work', () => {
  const { aggregator, directory, now } = fresh();
  const members = admit(aggregator, 3, 100);
  for (let index = 0; index < 10; index++) assert.ok(aggregator.submit(make(aggregator, members, members[index % 3], {}, now.ms).bytes).ok);
  const records = aggregator.stats().records;
  aggregator.close();
  const again = new Aggregator({ dbPath: join(directory, 'a.sqlite'), consortiumSeed: CONSORTIUM_SEED, aggregatorSeed: new Uint8Array(32).fill(2), now: () => now.ms });
  assert.is(again.stats().records, records);
  assert.is(again.dag.size, records);
  for (const cap of again.selectCaps()) assert.ok(again.record(Buffer.from(cap).toString('hex')));
  again.close();
});

test('the verify pool gives verifyHost\'s verdict: valid, tampered, S >= L, bad lengths, wrong key', async () => {
  const seed = new Uint8Array(32).fill(5);
  const key = signingKey(seed);
  const publicKey = keyPairFromSeed(seed).publicKey;
  const message = new Uint8Array(Buffer.from('a message of the ledger'));
  const signature = signHost(message, key);
  const tampered = signature.slice();
  tampered[5] ^= 1;
  // S + L: the same point equation holds, so only the policy's S < L check refuses it (RFC 8032 §5.1.7).
  const malleable = signature.slice();
  const order = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');
  for (let index = 0, carry = 0; index < 32; index++) {
    const sum = malleable[32 + index] + order[index] + carry;
    malleable[32 + index] = sum & 0xff;
    carry = sum >> 8;
  }
  const checks = [
    { message, signature, publicKey },
    { message, signature: tampered, publicKey },
    { message, signature: malleable, publicKey },
    { message, signature: signature.subarray(0, 63), publicKey },
    { message, signature, publicKey: publicKey.subarray(0, 31) },
    { message, signature, publicKey: keyPairFromSeed(new Uint8Array(32).fill(6)).publicKey },
    { message: new Uint8Array(0), signature, publicKey },
  ];
  const pool = await VerifyPool.start(2);
  try {
    const verdicts = await pool.verify(checks);
    assert.equal(verdicts, checks.map((check) => verifyHost(check.message, check.signature, check.publicKey)));
    assert.equal(verdicts, [true, false, false, false, false, false, false]);
    assert.equal(await pool.verify([]), []);
  } finally {
    await pool.close();
  }
});

test('through the verify pool the same records are accepted and refused with the same codes', async () => {
  const { aggregator: reference, now } = fresh();
  const { aggregator: pooled } = fresh(now);
  const members = admit(reference, 4, 1000);
  const memberships = reference.db.prepare('SELECT raw FROM records WHERE kind = 1 ORDER BY seq').all() as { raw: Buffer }[];
  const sequence: Uint8Array[] = memberships.map((row) => new Uint8Array(row.raw));
  assert.is(sequence.length, 4);
  const expected: string[] = sequence.map(() => 'OK');
  const submit = (bytes: Uint8Array) => {
    sequence.push(bytes);
    const result = reference.submit(bytes);
    expected.push(result.ok ? 'OK' : result.code);
  };
  const [a, b] = members;
  for (let index = 0; index < 12; index++) submit(make(reference, members, members[index % 4], {}, now.ms).bytes);
  submit(make(reference, members, a, {}, now.ms, { tokenKey: reference.tokenKey(a.id) }).bytes);
  const tampered = make(reference, members, b, {}, now.ms).bytes;
  tampered[tampered.length - 1] ^= 1;
  submit(tampered);
  submit(make(reference, members, a, { issuer: 99 }, now.ms).bytes);
  submit(make(reference, members, a, {}, now.ms, { tokens: 1 }).bytes);
  submit(new Uint8Array([0xd2, 0x84]));
  submit(sequence[6]);
  for (let index = 0; index < 6; index++) submit(make(reference, members, members[index % 4], {}, now.ms).bytes);
  assert.ok(expected.includes('TOKEN_MAC_INVALID') && expected.includes('SIGNATURE_INVALID') && expected.includes('ISSUER_UNKNOWN'), expected.join(','));

  const pool = await VerifyPool.start(2);
  const codes: string[] = [];
  let checked = 0;
  let digested = 0;
  try {
    // Groups of five, as the server forms them: a record may build on one earlier in its own group.
    for (let start = 0; start < sequence.length; start += 5) {
      const prepared: PreparedRecord[] = sequence.slice(start, start + 5).map((bytes) => pooled.prepare(bytes, true));
      await runOnPool(pool, prepared);
      for (const entry of prepared) {
        checked += entry.checks.length;
        // The pool hashed each decodable record's id and its tokens' MAC inputs; validation uses them.
        if (!entry.decoded.ok) continue;
        digested += (entry.digests as Uint8Array[]).length;
        assert.equal(Buffer.from((entry.digests as Uint8Array[])[0].subarray(0, 16)), recordIdHost(entry.decoded.value.payload, entry.decoded.value.signature));
      }
      codes.push(...pooled.commit(prepared).map((result: SubmitResult) => (result.ok ? 'OK' : result.code)));
    }
  } finally {
    await pool.close();
  }
  assert.equal(codes, expected);
  assert.ok(checked >= 18, `${checked} signatures checked by the pool`);
  // An id and two token MACs for each of the 21 decodable records but the memberships (no tokens).
  assert.ok(digested >= 21 + 2 * 17, `${digested} digests made by the pool`);
  assert.equal(pooled.stats(), reference.stats());
  assert.equal(pooled.members(), reference.members());
});


test.run();
