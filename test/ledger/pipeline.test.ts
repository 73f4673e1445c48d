// One table of hostile records fed to a light node (in process, firmware/node.ts: the pipeline over its
// window) and to a real aggregator on a real SQLite file (the pipeline over its store): both run
// firmware/ledger/pipeline.ts and must answer code for code. The differences are the documented ones
// (docs/ledger.md): a record offloaded hours after it was issued is stale to a light node's one-hour
// window and still fresh to the aggregator's; a light node's window holds recent records only, so a
// parent it lacks is no error there; only the aggregator holds the keys to check tokens, while a light
// node named as a granter knows which tokens it granted (TOKEN_NOT_GRANTED); and a light
// node's member table does not know which record registered a member, so a second membership record with
// the same id and key is the same registration to it.
import { signHost, signingKey } from '../../host-tools/crypto/host-signing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_RECORD, FRAME_TOKEN_REQUEST, encodeFrame, encodeToken, tokenMessage } from '../../firmware/frames';
import { KIND_BOUGHT, KIND_MEMBERSHIP, KIND_OFFER, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { VALIDATION_CODES } from '../../firmware/ledger/rules';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { Aggregator, recordIdHost } from '../../host-tools/aggregator/aggregator';
import { macHost } from '../../host-tools/crypto/token-key';
import { InProcessWorld, SimNode } from '../../host-tools/sim/in-process';

const SLOT_MS = 30000;
const HOUR_MS = 3600000;

type Row = {
  name: string;
  /** The issuer (index into the world's nodes) and the record's fields over an honest offer's. */
  issuer: number;
  fields: Partial<LedgerRecord>;
  /** Reuse the sequence number and slot of the named earlier row. */
  sameSeqAs?: string;
  sameSlotAs?: string;
  /** Approve the named earlier row's record (with the first membership record). */
  approves?: string;
  tamper?: 'signature' | 'truncate' | 'token-mac' | 'no-tokens';
  /** In the current slot, its tokens asked of the light node first (which is among its granters). */
  asksNode?: boolean;
  /** A membership record of the consortium instead (issuer 0, its `seq`), admitting `member` with the key of `seed`. */
  membership?: { seq: number; member: number; seed: Uint8Array };
  expected: string;
  /** Where the aggregator must judge differently (documented), its code. */
  aggregatorExpected?: string;
};

test('a light node and the aggregator refuse the same hostile records with the same codes', () => {
  const world = new InProcessWorld({ nodes: 4, seed: 17, slotMs: SLOT_MS, grantEcash: 100000 });
  world.admitAll();
  world.run(2000);
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-agreement-'));
  const aggregator = new Aggregator({
    dbPath: join(directory, 'a.sqlite'), consortiumSeed: world.consortiumSeed, aggregatorSeed: world.aggregatorSeed, slotMs: SLOT_MS,
    now: () => world.wallClockMs(),
  });
  try {
    for (const bytes of world.membershipRecords) assert.ok(aggregator.submit(bytes).ok, 'the same membership records');
    const target = world.nodes[0].node;
    // Parents: the first two membership records, stored by both.
    const membershipIds = (aggregator.db.prepare('SELECT id FROM records WHERE kind = 1 ORDER BY seq LIMIT 2').all() as { id: Buffer }[]).map((row) => new Uint8Array(row.id));
    const seqs = new Map<number, number>();
    const slots = new Map<number, number>();
    const made = new Map<string, LedgerRecord>();
    const ids = new Map<string, Uint8Array>();
    const nowMs = world.wallClockMs();
    const keyOf = (entry: SimNode) => signingKey(entry.seed);
    const rows: Row[] = [
      { name: 'honest offer', issuer: 1, fields: {}, expected: 'OK' },
      { name: 'same seq, other content', issuer: 1, fields: { energyWh: 4321 }, sameSeqAs: 'honest offer', expected: 'EQUIVOCATION' },
      { name: 'second record in the slot', issuer: 1, fields: {}, sameSlotAs: 'honest offer', expected: 'POT_SLOT_REUSED' },
      { name: 'an hour ahead', issuer: 1, fields: { timeMs: nowMs + HOUR_MS }, expected: 'TIMESTAMP_FUTURE' },
      { name: 'years old', issuer: 1, fields: { timeMs: nowMs - 3 * 365 * 24 * HOUR_MS }, expected: 'TIMESTAMP_STALE' },
      { name: 'two days old', issuer: 2, fields: { timeMs: nowMs - 48 * HOUR_MS }, expected: 'TIMESTAMP_STALE' },
      { name: 'unknown issuer', issuer: 1, fields: { issuer: 77 }, expected: 'ISSUER_UNKNOWN' },
      { name: 'too few granters', issuer: 1, fields: { pot: [] }, expected: 'POT_TOO_FEW' },
      { name: 'the issuer grants itself', issuer: 1, fields: { pot: [1, 2] }, expected: 'POT_SELF' },
      { name: 'an unknown granter', issuer: 1, fields: { pot: [3, 50] }, expected: 'POT_GRANTER_UNKNOWN' },
      { name: 'spends more than the balance', issuer: 2, fields: { kind: KIND_BOUGHT, ecash: 200000, counterparty: 2, ref: new Uint8Array(16).fill(5) }, expected: 'BALANCE_INSUFFICIENT' },
      { name: 'a first spend', issuer: 2, fields: { kind: KIND_BOUGHT, ecash: 60000, counterparty: 2, ref: new Uint8Array(16).fill(6) }, expected: 'OK' },
      { name: 'a double spend', issuer: 2, fields: { kind: KIND_BOUGHT, ecash: 60000, counterparty: 2, ref: new Uint8Array(16).fill(7) }, expected: 'CONFLICT_DOUBLE_SPEND' },
      { name: 'a forged signature', issuer: 3, fields: {}, tamper: 'signature', expected: 'SIGNATURE_INVALID' },
      { name: 'truncated bytes', issuer: 3, fields: {}, tamper: 'truncate', expected: 'CBOR_TRUNCATED' },
      { name: 'offloaded two hours late', issuer: 3, fields: { timeMs: nowMs - 2 * HOUR_MS }, expected: 'TIMESTAMP_STALE', aggregatorExpected: 'OK' },
      { name: 'a sequence number jumping ahead', issuer: 1, fields: { seq: 100 }, expected: 'OK' },
      { name: 'a lower sequence number, later', issuer: 1, fields: { seq: 50 }, expected: 'SEQ_NOT_INCREASING' },
      { name: 'approves a refused record', issuer: 2, fields: {}, approves: 'a forged signature', expected: 'PARENT_INVALID' },
      { name: 'approves an honest record', issuer: 2, fields: {}, approves: 'honest offer', expected: 'OK' },
      { name: 'a member id admitted again with another key', issuer: 0, fields: {}, membership: { seq: 50, member: 2, seed: new Uint8Array(32).fill(0x51) }, expected: 'MEMBER_EXISTS' },
      { name: 'a member\'s key admitted again under another id', issuer: 0, fields: {}, membership: { seq: 51, member: 9, seed: world.nodes[2].seed }, expected: 'MEMBER_EXISTS' },
      { name: 'a new member', issuer: 0, fields: {}, membership: { seq: 52, member: 9, seed: new Uint8Array(32).fill(0x52) }, expected: 'OK' },
      { name: 'the new member admitted again under another id', issuer: 0, fields: {}, membership: { seq: 53, member: 10, seed: new Uint8Array(32).fill(0x52) }, expected: 'MEMBER_EXISTS' },
      // The documented differences, last: each is accepted by one side only, which moves its state on.
      { name: 'approves a record nobody has', issuer: 2, fields: {}, approves: 'never made', expected: 'OK', aggregatorExpected: 'PARENT_UNKNOWN' },
      { name: 'a token whose MAC is not its granter\'s', issuer: 1, fields: {}, tamper: 'token-mac', expected: 'OK', aggregatorExpected: 'TOKEN_MAC_INVALID' },
      { name: 'offloaded without its tokens', issuer: 1, fields: {}, tamper: 'no-tokens', expected: 'OK', aggregatorExpected: 'TOKEN_MISMATCH' },
      // A light node approves what its rules accept; the aggregator does not refuse it for a parent it refused
      // on a rule the node could not judge (tokens; what the node's window does not hold): the approval is void.
      { name: 'approves a record refused for its token', issuer: 3, fields: {}, approves: 'a token whose MAC is not its granter\'s', expected: 'OK' },
      { name: 'approves a record offloaded without its tokens', issuer: 3, fields: {}, approves: 'offloaded without its tokens', expected: 'OK' },
      { name: 'approves a second record in a slot', issuer: 3, fields: {}, approves: 'second record in the slot', expected: 'OK' },
      { name: 'approves the loser of a double spend', issuer: 3, fields: {}, approves: 'a double spend', expected: 'OK' },
      // A light node's member table holds ids and keys, not the record that registered each: to it a
      // second record admitting the same id with the same key is the same registration (it changes nothing).
      { name: 'a second record admitting the new member with its key', issuer: 0, fields: {}, membership: { seq: 54, member: 9, seed: new Uint8Array(32).fill(0x52) }, expected: 'OK', aggregatorExpected: 'MEMBER_EXISTS' },
      // The light node is a granter the records name (the first two members other than the issuer), in the
      // current slot, which it remembers whole: it refuses a claim of a token it never granted, where only
      // the aggregator can check the MAC; it accepts the record of a grant it made.
      { name: 'names the node as a granter of a forged token', issuer: 2, fields: {}, asksNode: false, tamper: 'token-mac', expected: 'TOKEN_NOT_GRANTED', aggregatorExpected: 'TOKEN_MAC_INVALID' },
      { name: 'names the node as a granter of a token it granted', issuer: 3, fields: {}, asksNode: true, expected: 'OK' },
    ];
    const codes: { name: string; node: string; aggregator: string }[] = [];
    const consortiumKey = signingKey(world.consortiumSeed);
    /** The light node's code (the rejections it counted) for the bare record, and the aggregator's for the offloaded one. */
    const judge = (name: string, bare: Uint8Array, offloaded: Uint8Array) => {
      const before = target.stats();
      target.receive(0, encodeFrame({ type: FRAME_RECORD, record: bare }));
      for (let tick = 0; tick < 40; tick++) target.tick(world.nowMs);
      const after = target.stats();
      const counted = Object.keys(after).filter((key) => key.startsWith('rejected_') && (after[key] as number) > ((before[key] as number | undefined) ?? 0));
      const nodeCode = counted.length === 0 ? 'OK' : counted.map((key) => key.slice('rejected_'.length)).join('+');
      const result = aggregator.submit(offloaded);
      codes.push({ name, node: nodeCode, aggregator: result.ok ? 'OK' : result.code });
    };
    for (const row of rows) {
      if (row.membership !== undefined) {
        const record: LedgerRecord = {
          kind: KIND_MEMBERSHIP, issuer: 0, seq: row.membership.seq, timeMs: nowMs - 60000, parents: membershipIds, pot: [],
          member: row.membership.member, publicKey: keyPairFromSeed(row.membership.seed).publicKey, grantEcash: 100,
        };
        const payload = encodePayload(record);
        const bytes = encodeRecord(payload, signHost(bytesToSign(payload), consortiumKey), []);
        const accepted = target.stats().records_accepted as number;
        judge(row.name, bytes, bytes);
        assert.is(target.stats().records_accepted, accepted + (codes[codes.length - 1].node === 'OK' ? 1 : 0), `${row.name}: the node reached a verdict`);
        continue;
      }
      const issuer = world.nodes[row.issuer];
      const earlier = row.sameSeqAs ?? row.sameSlotAs;
      const seq = row.sameSeqAs !== undefined ? (made.get(row.sameSeqAs) as LedgerRecord).seq : (seqs.get(issuer.id) ?? 0) + 1;
      seqs.set(issuer.id, Math.max(seq, seqs.get(issuer.id) ?? 0));
      // Each record in its issuer's next slot (ten minutes back and on), unless it reuses one.
      // The slot a node started in is not judged (a grant made before a reset is unknown): the next one is.
      if (row.asksNode !== undefined && Math.floor(world.wallClockMs() / SLOT_MS) === Math.floor(nowMs / SLOT_MS)) world.run(SLOT_MS);
      const slot = row.asksNode !== undefined ? Math.floor(world.wallClockMs() / SLOT_MS) : earlier !== undefined ? Math.floor((made.get(earlier) as LedgerRecord).timeMs / SLOT_MS) : (slots.get(issuer.id) ?? Math.floor((nowMs - 600000) / SLOT_MS)) + 1;
      if (earlier === undefined) slots.set(issuer.id, slot);
      const granters = world.nodes.map((entry) => entry.id).filter((id) => id !== issuer.id).slice(0, 2);
      const parents = row.approves === undefined ? membershipIds : [ids.get(row.approves) ?? new Uint8Array(16).fill(0xee), membershipIds[0]];
      const record: LedgerRecord = {
        kind: KIND_OFFER, issuer: issuer.id, seq, timeMs: slot * SLOT_MS + 1000, parents, pot: granters, energyWh: 1000, ecash: 300, ...row.fields,
      };
      seqs.set(issuer.id, Math.max(record.seq, seqs.get(issuer.id) ?? 0));
      made.set(row.name, record);
      assert.ok(row.asksNode === undefined || granters.includes(target.memberId), `${row.name}: the node is named`);
      if (row.asksNode === true) {
        target.receive(0, encodeFrame({ type: FRAME_TOKEN_REQUEST, requester: issuer.id, seq: record.seq, slot, asked: [target.memberId] }));
        for (let tick = 0; tick < 10; tick++) target.tick(world.nowMs);
      }
      const payload = encodePayload(record);
      const signature = signHost(bytesToSign(payload), keyOf(issuer));
      if (row.tamper === 'signature') signature[10] ^= 1;
      ids.set(row.name, new Uint8Array(recordIdHost(payload, signature)));
      const tokenSlot = Math.floor(record.timeMs / SLOT_MS);
      const tokens = record.kind === KIND_MEMBERSHIP || row.tamper === 'no-tokens' ? [] : record.pot.map((granter) => encodeToken({
        granter, requester: record.issuer, seq: record.seq, slot: tokenSlot,
        mac: macHost(aggregator.tokenKey(row.tamper === 'token-mac' ? granter + 1 : granter), tokenMessage(granter, record.issuer, record.seq, tokenSlot)),
      }));
      // A light node gets the bare record over the radio; the aggregator gets it with its tokens, offloaded.
      let bare = encodeRecord(payload, signature, []);
      let offloaded = encodeRecord(payload, signature, tokens);
      if (row.tamper === 'truncate') {
        bare = bare.subarray(0, 40);
        offloaded = offloaded.subarray(0, 40);
      }
      judge(row.name, bare, offloaded);
    }
    // Every code a record can earn from the rules is in the table, but for the registration-time ones.
    const registration = ['KEY_SMALL_ORDER', 'KEY_NONCANONICAL'];
    const covered = new Set(rows.flatMap((row) => [row.expected, row.aggregatorExpected ?? row.expected]));
    for (const code of VALIDATION_CODES) if (!registration.includes(code)) assert.ok(covered.has(code), `a row for ${code}`);
    for (const [index, row] of rows.entries()) {
      const got = codes[index];
      assert.is(got.node, row.expected, `${row.name}: the node`);
      assert.is(got.aggregator, row.aggregatorExpected ?? row.expected, `${row.name}: the aggregator`);
      if (row.aggregatorExpected === undefined) assert.is(got.aggregator, got.node, `${row.name}: the same code`);
    }
  } finally {
    aggregator.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
