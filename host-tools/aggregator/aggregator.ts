// The aggregator, the ledger's full node (paper II.C): validates every record completely with the
// firmware's own decoders and rules (ledger rules exist once, in firmware/) plus what a full node adds:
// node:crypto signatures, every proof-of-time token, parents present, sequence numbers, balances and
// conflicts over the whole history. It stores records durably, serves caps from the recent DAG, admits
// members with consortium-signed membership records, runs the double auction and settles trades.
import { hash, timingSafeEqual, KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../crypto/host-signing';
import type Database from 'better-sqlite3';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { checkMemberKey } from '../../firmware/crypto/policy';
import { FRAME_CHECKPOINT, FRAME_OFFLOAD_ACK, Token, ackMessage, checkpointMessage, decodeToken, encodeFrame, tokenMessage } from '../../firmware/frames';
import { macHost, tokenKeyFor } from '../crypto/token-key';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { PARENT_REFUSED, PipelineRules, validateRecord } from '../../firmware/ledger/pipeline';
import { PARENT_VOID, voidsApprovals } from '../../firmware/ledger/void-approvals';
import { ValidationCode, commitThreshold, slotOf, spendOf, tradeMatches } from '../../firmware/ledger/rules';
import {
  ID_BYTES, KIND_BOUGHT, KIND_DEMAND, KIND_MEMBERSHIP, KIND_OFFER, KIND_SOLD, LedgerRecord, MEMBER_ID_MAX, RECORD_WITH_TOKENS_BYTES_MAX,
  POT_GRANTERS_MAX, SignedRecord, bytesToSign, decodeRecord, encodePayload, encodeRecord, recordIdInput,
} from '../../firmware/records';
import type { LedgerCode, Result } from '../../firmware/rejections';
import { verifyHost } from '../crypto/verify-host';
import { RECENT_RECORDS_MAX, RecentDag } from './dag';
import { PARENT_EDGES_TABLE, RESERVATION_TTL_MS, StoredRecord, openStore } from './store';
import { runDoubleAuction, Order, AuctionMatch } from './auction';
import { COMMIT_WAIT_MS, checkProtocolRelations, DEFAULT_ALPHA, DEFAULT_CLOCK_SKEW_MS, DEFAULT_SLOT_MS, DEFAULT_TOKENS_REQUIRED, DEFAULT_TRADE_TIMEOUT_MS } from '../../firmware/protocol';
import type { SignatureCheck, VerifyPool } from './verify-pool';
import { StoreView } from './store-view';
import { WalSync } from './wal-sync';

/** Hex of bytes through a view of them (Buffer.from of a Uint8Array would copy them first). */
const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

// The protocol's relations, checked once as the aggregator loads (firmware/protocol.ts).
checkProtocolRelations();

export type AggregatorOptions = {
  dbPath: string;
  consortiumSeed: Uint8Array;
  aggregatorSeed: Uint8Array;
  tokensRequired?: number;
  slotMs?: number;
  clockSkewMs?: number;
  alpha?: number;
  now?: () => number;
  random?: () => number;
  /** Energy the aggregator itself holds for sale, and its price per kWh (the auction's reserve). */
  surplusEnergyWh?: number;
  surplusPricePerKwh?: number;
  /**
   * Also store each record's parents as rows of an edges table (child, parent), for reports that query
   * the DAG in SQL (the city simulation). Off by default: the parents are in every record's raw bytes.
   */
  parentEdges?: boolean;
};

/**
 * A record decoded ahead of validation, with the signature check its validation will make (none when
 * the issuer's key was not known then) and, once a verify pool has run it, its verdict. With the checks
 * come the SHA-512 inputs of its id and of its decodable tokens' MACs (`macTokens`, in order), whose
 * digests the pool computes too; anything the pool did not compute is computed during validation.
 */
export type PreparedRecord = {
  bytes: Uint8Array; decoded: Result<SignedRecord>; checks: SignatureCheck[]; verdicts: boolean[] | null;
  digestInputs: Uint8Array[]; macTokens: Token[]; digests: Uint8Array[] | null;
};

/** Runs a group's pure work (signatures, id and MAC digests) on the pool and hands each record its share. */
export async function runOnPool(pool: VerifyPool, batch: PreparedRecord[]): Promise<void> {
  const work = await pool.work(batch.flatMap((entry) => entry.checks), batch.flatMap((entry) => entry.digestInputs));
  let nextCheck = 0;
  let nextDigest = 0;
  for (const entry of batch) {
    entry.verdicts = work.verdicts.slice(nextCheck, (nextCheck += entry.checks.length));
    entry.digests = work.digests.slice(nextDigest, (nextDigest += entry.digestInputs.length));
  }
}
/**
 * An order older than this is not matched: its EV gave up on it (firmware/trade.ts, the trade timeout)
 * and would ignore the match, leaving its counterparty waiting. A repeated order is a new one.
 */
export const ORDER_LIFETIME_MS = DEFAULT_TRADE_TIMEOUT_MS;

/**
 * The aggregator's age limit (docs/ledger.md, "Time at the aggregator"): it sees a record when the record
 * is offloaded, which may be long after the nodes around its issuer judged it against their one-hour
 * window. A record older than COMMIT_WAIT_MS at its arrival here can no longer complete a trade (its
 * issuer stopped waiting) and its tokens are for a slot that long past, so it is refused as stale.
 */
export const OFFLOADED_RECORD_AGE_MAX_MS = COMMIT_WAIT_MS;
/** Expired reservations released per group commit: the sweep is bounded work per group. */
export const EXPIRED_PER_GROUP_MAX = 256;
/** Bought records that may refer to one sold record (conflicting buyers), looked at when it arrives. */
const BOUGHT_PER_SOLD_MAX = 8;

/**
 * The statements validation, storage, expiry and settlement run for each record or group, and the gateway's
 * follow-up for each match it follows every round (perRecordSql).
 */
const PER_RECORD_STATEMENTS = [
  'recordExists', 'memberKey', 'insertRecord', 'insertMember', 'insertReservation', 'reserve', 'putOrder',
  'expired', 'deleteReservation', 'reservation', 'soldFor', 'boughtFor', 'record', 'trade', 'member', 'insertTrade', 'pay', 'move', 'insertAck',
  'soldAnswering', 'boughtAnswering', 'openOrderOf', 'withdrawOrder',
];

/** A sold and a bought record that match (tradeMatches), both in the recent DAG, waiting for their counts. */
type PendingTrade = { soldKey: string; boughtKey: string; sold: StoredRecord; bought: StoredRecord };

export type SubmitResult =
  | { ok: true; id: string; duplicate: boolean; committed: string[] }
  | { ok: false; code: LedgerCode; message: string };

/** What macHost hashes: the key, then the message (firmware/frames.ts keyedMac). */
function macInput(key: Uint8Array, message: Uint8Array): Uint8Array {
  const input = new Uint8Array(key.length + message.length);
  input.set(key, 0);
  input.set(message, key.length);
  return input;
}

export function recordIdHost(payload: Uint8Array, signature: Uint8Array): Buffer {
  return hash('sha512', recordIdInput(payload, signature), 'buffer').subarray(0, ID_BYTES);
}

/**
 * What a record's acceptance takes in a shared log: keys that must be absent and are then taken for good
 * (`taken`), keys that must be absent (`free`), keys it marks as used without excluding others (`marked`).
 */
export type Claims = { taken: string[]; free: string[]; marked: string[]; order: SeqOrder | null };
/**
 * The sequence rule's subject (checkSeqOrder): no record of the issuer may have a lower number and a later
 * time, or a higher number and an earlier time. Null for a membership record (not ordered by number).
 */
export type SeqOrder = { issuer: number; seq: number; timeMs: number };

/** What check() found: a rejection, a record already stored, or a new valid record and what it claims. */
export type CheckResult =
  | { ok: false; code: LedgerCode; message: string }
  | { ok: true; id: string; duplicate: true }
  | { ok: true; id: string; duplicate: false; signed: SignedRecord; claims: Claims; spends: boolean };

export class Aggregator {
  readonly db: Database.Database;
  readonly dag = new RecentDag();
  readonly consortiumPublicKey: Uint8Array;
  readonly aggregatorPublicKey: Uint8Array;
  private consortiumKey: KeyObject;
  private aggregatorKey: KeyObject;
  private tokensRequired: number;
  private slotMs: number;
  private clockSkewMs: number;
  private alpha: number;
  private now: () => number;
  private random: () => number;
  private surplusEnergyWh: number;
  private surplusPricePerKwh: number;
  private rules: PipelineRules;
  private view: StoreView;
  private memberCount = 0;
  /** Pending trades by bought id, oldest first; at most RECENT_RECORDS_MAX (both sides are in the recent DAG). */
  private pending = new Map<string, PendingTrade>();
  /** Bought ids of the pending trades each record (hex id) takes part in. */
  private pendingOf = new Map<string, string[]>();
  /** Pending trades paired since the last settle (both counts may already be high enough). */
  private fresh: string[] = [];
  /** The shared log's clock for apply(): the latest record time applied (null until first needed). */
  private logClockMs: number | null = null;
  private applying = false;
  private statements: Record<string, Database.Statement>;
  /** Member id to public key; a member's key never changes, so entries never go stale (at most MEMBER_ID_MAX). */
  private memberKeys = new Map<number, Uint8Array>();
  private tokenKeys = new Map<number, Uint8Array>();
  private consortiumSeed: Uint8Array;
  private parentEdges: boolean;
  /** The log's fsync off the main thread, for commitDeferred (null for an in-memory store: nothing to sync). */
  private walSync: WalSync | null;

  constructor(options: AggregatorOptions) {
    this.db = openStore(options.dbPath);
    this.walSync = this.db.memory ? null : new WalSync(`${this.db.name}-wal`);
    this.consortiumKey = signingKey(options.consortiumSeed);
    this.consortiumSeed = options.consortiumSeed;
    this.aggregatorKey = signingKey(options.aggregatorSeed);
    this.consortiumPublicKey = keyPairFromSeed(options.consortiumSeed).publicKey;
    this.aggregatorPublicKey = keyPairFromSeed(options.aggregatorSeed).publicKey;
    this.tokensRequired = options.tokensRequired ?? DEFAULT_TOKENS_REQUIRED;
    this.slotMs = options.slotMs ?? DEFAULT_SLOT_MS;
    this.clockSkewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    this.rules = {
      clockSkewMs: this.clockSkewMs, recordAgeMaxMs: OFFLOADED_RECORD_AGE_MAX_MS, tokensRequired: this.tokensRequired, slotMs: this.slotMs,
      consortiumPublicKey: this.consortiumPublicKey,
    };
    this.alpha = options.alpha ?? DEFAULT_ALPHA;
    // Whole milliseconds: timestamps are CBOR integers (a simulated clock may carry fractions).
    const now = options.now ?? Date.now;
    this.now = () => Math.floor(now());
    this.random = options.random ?? Math.random;
    this.surplusEnergyWh = options.surplusEnergyWh ?? 0;
    this.surplusPricePerKwh = options.surplusPricePerKwh ?? 0;
    const db = this.db;
    this.parentEdges = options.parentEdges ?? false;
    if (this.parentEdges) db.exec(PARENT_EDGES_TABLE);
    this.statements = {
      member: db.prepare('SELECT id, public_key, balance, reserved FROM members WHERE id = ?'),
      memberByKey: db.prepare('SELECT id FROM members WHERE public_key = ?'),
      members: db.prepare('SELECT id, public_key, balance FROM members ORDER BY id'),
      maxMember: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM members'),
      memberCount: db.prepare('SELECT COUNT(*) AS members FROM members'),
      insertMember: db.prepare('INSERT INTO members (id, public_key, balance, membership_id, admitted_ms) VALUES (?, ?, ?, ?, ?)'),
      record: db.prepare('SELECT * FROM records WHERE id = ?'),
      recordExists: db.prepare('SELECT 1 FROM records WHERE id = ?'),
      memberKey: db.prepare('SELECT public_key FROM members WHERE id = ?'),
      insertRecord: db.prepare(
        'INSERT INTO records (id, issuer, seq, kind, time_ms, energy_wh, ecash, counterparty, ref, raw, received_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertReservation: db.prepare('INSERT INTO reservations (bought_id, issuer, ecash, expires_ms) VALUES (?, ?, ?, ?)'),
      reservation: db.prepare('SELECT issuer, ecash FROM reservations WHERE bought_id = ?'),
      deleteReservation: db.prepare('DELETE FROM reservations WHERE bought_id = ?'),
      expired: db.prepare('SELECT bought_id, issuer, ecash FROM reservations WHERE expires_ms < ? ORDER BY expires_ms LIMIT ?'),
      reserve: db.prepare('UPDATE members SET reserved = reserved + ? WHERE id = ?'),
      // An EV's newest order of a side replaces its open one, in place (schema 8: keyed by member and side).
      putOrder: db.prepare(
        'INSERT INTO orders (member, side, record_id, energy_wh, ecash, time_ms) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (member, side) DO UPDATE SET record_id = excluded.record_id, energy_wh = excluded.energy_wh, ecash = excluded.ecash, time_ms = excluded.time_ms',
      ),
      openOrders: db.prepare('SELECT record_id, member, side, energy_wh, ecash, time_ms FROM orders WHERE time_ms >= ? ORDER BY time_ms'),
      closeOrder: db.prepare('DELETE FROM orders WHERE member = ? AND side = ? AND record_id = ?'),
      insertMatch: db.prepare('INSERT INTO matches (offer_id, demand_id, seller, buyer, energy_wh, ecash, matched_ms) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      soldAnswering: db.prepare('SELECT id, received_ms FROM records WHERE ref = ? AND kind = 4 AND issuer = ? AND counterparty = ? LIMIT 1'),
      boughtAnswering: db.prepare('SELECT 1 FROM records WHERE ref = ? AND kind = 5 AND issuer = ? LIMIT 1'),
      openOrderOf: db.prepare('SELECT energy_wh, ecash FROM orders WHERE member = ? AND side = ?'),
      withdrawOrder: db.prepare('DELETE FROM orders WHERE member = ? AND side = ?'),
      matchesFor: db.prepare('SELECT * FROM matches WHERE seller = ? OR buyer = ? ORDER BY id DESC LIMIT 50'),
      soldFor: db.prepare('SELECT * FROM records WHERE id = ? AND kind = 4'),
      boughtFor: db.prepare(`SELECT * FROM records WHERE ref = ? AND kind = 5 LIMIT ${BOUGHT_PER_SOLD_MAX}`),
      trade: db.prepare('SELECT sold_id FROM trades WHERE sold_id = ?'),
      tradeOf: db.prepare('SELECT * FROM trades WHERE sold_id = ?'),
      insertTrade: db.prepare('INSERT INTO trades (sold_id, bought_id, seller, buyer, energy_wh, ecash, committed_ms) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      move: db.prepare('UPDATE members SET balance = balance + ? WHERE id = ?'),
      pay: db.prepare('UPDATE members SET balance = balance - ?, reserved = reserved - ? WHERE id = ?'),
      trades: db.prepare('SELECT * FROM trades ORDER BY committed_ms DESC LIMIT ?'),
      insertAck: db.prepare('INSERT OR IGNORE INTO acks (id, acked_ms) VALUES (?, ?)'),
      counts: db.prepare(
        'SELECT (SELECT COUNT(*) FROM records) AS records, (SELECT COUNT(*) FROM members) AS members, (SELECT COALESCE(SUM(balance), 0) FROM members) AS ecash_total, (SELECT COUNT(*) FROM trades) AS trades_committed',
      ),
      history: db.prepare('SELECT id, seq, kind, time_ms, energy_wh, ecash, counterparty FROM records WHERE issuer = ? ORDER BY seq DESC LIMIT 100'),
      recent: db.prepare('SELECT id, issuer, raw FROM records ORDER BY rowid DESC LIMIT ?'),
      latestTime: db.prepare('SELECT COALESCE(MAX(time_ms), 0) AS time_ms FROM records'),
      syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
      syncFull: db.prepare('PRAGMA synchronous = FULL'),
    };
    if (this.parentEdges) this.statements.insertEdge = db.prepare('INSERT OR IGNORE INTO edges (child, parent) VALUES (?, ?)');
    this.view = new StoreView(db, this.dag, (member) => this.memberKey(member), (member) => this.tokenKey(member));
    this.memberCount = (this.statements.memberCount.get() as { members: number }).members;
    this.loadMemberKeys();
    this.reloadRecentDag();
  }

  /**
   * Every member's public key and token key, once, as the store opens: otherwise the first record of each
   * member pays a lookup and a derivation on the main thread (53 µs a record in the aggregator bench's
   * stages before this load: prepare_for_pool_us against prepare_for_pool_keys_known_us), which is most
   * records while a freshly started aggregator meets its members. At most MEMBER_ID_MAX members.
   */
  private loadMemberKeys(): void {
    let loaded = 0;
    for (const row of this.statements.members.iterate() as Iterable<{ id: number; public_key: Buffer }>) {
      if (++loaded > MEMBER_ID_MAX) break;
      this.memberKeys.set(row.id, new Uint8Array(row.public_key));
      this.tokenKey(row.id);
    }
  }

  /**
   * The SQL of every statement run per record or per group (its own and its store view's), or per followed
   * match (matchAnswers, withdrawOrder): each must be
   * keyed, never a scan of a table that grows with the ledger (test/aggregator/query-plans.test.ts).
   */
  perRecordSql(): string[] {
    const names = this.parentEdges ? [...PER_RECORD_STATEMENTS, 'insertEdge'] : PER_RECORD_STATEMENTS;
    return [...names.map((name) => this.statements[name].source), ...this.view.statementSql()];
  }

  /** Rebuilds the in-memory recent DAG, and the trades pending in it, from the newest stored records after a restart. */
  private reloadRecentDag(): void {
    const rows = (this.statements.recent.all(RECENT_RECORDS_MAX) as { id: Buffer; issuer: number; raw: Buffer }[]).reverse();
    const traded: { key: string; record: LedgerRecord }[] = [];
    for (const row of rows) {
      const decoded = decodeRecord(new Uint8Array(row.raw), RECORD_WITH_TOKENS_BYTES_MAX);
      if (!decoded.ok) throw new Error(`stored record ${row.id.toString('hex')} no longer decodes: ${decoded.code}`);
      const key = row.id.toString('hex');
      this.dag.add(key, row.issuer, decoded.value.record.parents.map(hex));
      if (decoded.value.record.kind === KIND_SOLD || decoded.value.record.kind === KIND_BOUGHT) traded.push({ key, record: decoded.value.record });
    }
    this.dag.takeTouched();
    for (const entry of traded) this.pairUp(entry.key, entry.record);
  }

  close(): void {
    this.walSync?.close();
    this.db.close();
  }

  member(id: number): { id: number; public_key: Buffer; balance: number; reserved: number } | undefined {
    return this.statements.member.get(id) as { id: number; public_key: Buffer; balance: number; reserved: number } | undefined;
  }

  members(): { id: number; public_key: Buffer; balance: number }[] {
    return this.statements.members.all() as { id: number; public_key: Buffer; balance: number }[];
  }

  /**
   * Admits a member: the consortium signs a membership record (with any initial grant, the only way
   * Ecash enters) and it is stored like any record. Small-order and non-canonical keys are refused.
   */
  addMember(publicKey: Uint8Array, grantEcash: number): { ok: true; id: number; record: string; tokenKey: Uint8Array } | { ok: false; code: string; message: string; member?: number } {
    const membership = this.membershipRecord(publicKey, grantEcash);
    if (!membership.ok) return membership;
    const result = this.submit(membership.bytes);
    if (!result.ok) throw new Error(`the consortium's own membership record was refused: ${result.code}`);
    return { ok: true, id: membership.id, record: result.id, tokenKey: this.tokenKey(membership.id) };
  }

  /** The consortium-signed membership record that admits a key under the next member id (not stored). */
  membershipRecord(publicKey: Uint8Array, grantEcash: number): { ok: true; id: number; bytes: Uint8Array } | { ok: false; code: string; message: string; member?: number } {
    const keyCode = checkMemberKey(publicKey);
    if (keyCode !== null) return { ok: false, code: keyCode, message: `member key refused: ${keyCode}` };
    const existing = this.statements.memberByKey.get(Buffer.from(publicKey)) as { id: number } | undefined;
    if (existing) return { ok: false, code: 'MEMBER_EXISTS', message: `this key is already member ${existing.id}`, member: existing.id };
    const id = ((this.statements.maxMember.get() as { id: number }).id as number) + 1;
    if (id > MEMBER_ID_MAX) return { ok: false, code: 'MEMBER_EXISTS', message: 'no member id left' };
    const caps = this.selectCaps();
    const record: LedgerRecord = {
      kind: KIND_MEMBERSHIP, issuer: 0, seq: id, timeMs: this.now(), parents: caps, pot: [],
      member: id, publicKey, grantEcash,
    };
    const payload = encodePayload(record);
    const signature = signHost(bytesToSign(payload), this.consortiumKey);
    return { ok: true, id, bytes: encodeRecord(payload, signature, []) };
  }

  /** Two caps by the weighted walk over the recent DAG; the genesis id while it holds no usable record. */
  selectCaps(): Uint8Array[] {
    const caps = this.dag.selectCaps(this.alpha, this.random);
    return caps === null ? [GENESIS_ID, GENESIS_ID] : caps.map((key) => new Uint8Array(Buffer.from(key, 'hex')));
  }

  private memberKey(id: number): Uint8Array | undefined {
    let key = this.memberKeys.get(id);
    if (key === undefined) {
      const row = this.statements.memberKey.get(id) as { public_key: Buffer } | undefined;
      if (row === undefined) return undefined;
      key = new Uint8Array(row.public_key);
      this.memberKeys.set(id, key);
    }
    return key;
  }

  /** A member's proof-of-time token key, derived from the consortium seed (docs/ledger.md). */
  tokenKey(id: number): Uint8Array {
    let key = this.tokenKeys.get(id);
    if (key === undefined) {
      key = tokenKeyFor(this.consortiumSeed, id);
      this.tokenKeys.set(id, key);
    }
    return key;
  }

  /**
   * Decodes a record and, when `withChecks`, lists the signature check its validation will make (tokens
   * carry MACs, checked in validate). Reads only the immutable member keys, so it may run ahead of the
   * records still being committed.
   */
  prepare(bytes: Uint8Array, withChecks: boolean): PreparedRecord {
    const decoded = decodeRecord(bytes, RECORD_WITH_TOKENS_BYTES_MAX);
    const prepared: PreparedRecord = { bytes, decoded, checks: [], verdicts: null, digestInputs: [], macTokens: [], digests: null };
    if (decoded.ok && withChecks) {
      const { record, payload, signature, tokens } = decoded.value;
      const key = record.kind === KIND_MEMBERSHIP ? this.consortiumPublicKey : this.memberKey(record.issuer);
      if (key !== undefined) prepared.checks.push({ message: bytesToSign(payload), signature, publicKey: key });
      prepared.digestInputs.push(recordIdInput(payload, signature));
      // Each token's MAC is SHA-512(granter's token key || token message) (macHost); the key comes from
      // the granter id, which is checked against the record later: a MAC for a non-member is never asked.
      for (let index = 0; index < tokens.length && index < POT_GRANTERS_MAX; index++) {
        const token = decodeToken(tokens[index]);
        if (!token.ok || token.value.granter < 1 || token.value.granter > MEMBER_ID_MAX) continue;
        const { granter, requester, seq, slot } = token.value;
        prepared.macTokens.push(token.value);
        prepared.digestInputs.push(macInput(this.tokenKey(granter), tokenMessage(granter, requester, seq, slot)));
      }
    }
    return prepared;
  }

  /**
   * The verdict on the record's signature: the pool's when it checked it with this key, else verified
   * here. The message is fixed by the record's bytes, which prepare() decoded into the very object
   * validated, so the key and signature identify the check.
   */
  private verifySignature(prepared: PreparedRecord, publicKey: Uint8Array, signature: Uint8Array, message: () => Uint8Array): boolean {
    const [check] = prepared.checks;
    if (prepared.verdicts !== null && check !== undefined && sameBytes(check.publicKey, publicKey) && sameBytes(check.signature, signature)) return prepared.verdicts[0];
    return verifyHost(message(), signature, publicKey);
  }

  /**
   * The one validation pipeline (firmware/ledger/pipeline.ts) over the stored history: the light node's
   * rules in the light node's order, every lookup keyed, plus what only a full node can check (stored
   * parents, the tokens' MACs); the signature last. A record whose signature fails is remembered, so a
   * record approving it is refused (PARENT_INVALID); one refused for a rule its approvers could not judge
   * is remembered too, and an approval of it is void (voidsApprovals).
   */
  private validate(prepared: PreparedRecord, signed: SignedRecord, id: Buffer): { code: ValidationCode; message: string } | null {
    this.view.precomputeMacs(prepared.macTokens, prepared.digests === null ? null : prepared.digests.slice(1));
    const code = validateRecord(signed, id, this.view, this.rules, this.now(), (checked, publicKey) =>
      this.verifySignature(prepared, publicKey, checked.signature, () => bytesToSign(checked.payload)));
    this.view.precomputeMacs([], null);
    if (code === null) return null;
    if (code === 'SIGNATURE_INVALID') this.view.refuse(id, PARENT_REFUSED);
    else if (voidsApprovals(code)) this.view.refuse(id, PARENT_VOID);
    const { record } = signed;
    return { code, message: `record ${record.seq} of issuer ${record.issuer}, kind ${record.kind}, time ${record.timeMs}: ${code}` };
  }

  /** Validates and stores one record (with its tokens); durable when this returns ok. */
  submit(bytes: Uint8Array): SubmitResult {
    return this.submitMany([bytes])[0];
  }

  /**
   * Validates and stores records in order, in one transaction (one fsync for the group), so a later
   * record may build on an earlier one of the same group. Every result is durable when this returns.
   */
  submitMany(list: Uint8Array[]): SubmitResult[] {
    return this.commit(list.map((bytes) => this.prepare(bytes, false)));
  }

  /**
   * Validates and stores prepared records in order, in one transaction, exactly as submitMany does; a
   * signature the pool already checked is not verified again. Every result is durable when this returns.
   */
  commit(prepared: PreparedRecord[]): SubmitResult[] {
    return this.commitGroup(prepared);
  }

  /**
   * Commits as commit() does, but returns before the log's fsync: the group's transactions run with
   * synchronous=NORMAL and `durable` resolves once the log is synced (WalSync, on another thread), so the
   * main thread validates the next group meanwhile. No result may be acknowledged before `durable`.
   */
  commitDeferred(prepared: PreparedRecord[]): { results: SubmitResult[]; durable: Promise<void> } {
    if (this.walSync === null) return { results: this.commitGroup(prepared), durable: Promise.resolve() };
    this.statements.syncNormal.run();
    let results: SubmitResult[];
    try {
      results = this.commitGroup(prepared);
    } finally {
      this.statements.syncFull.run();
    }
    return { results, durable: this.walSync.durable() };
  }

  private commitGroup(prepared: PreparedRecord[]): SubmitResult[] {
    const results: SubmitResult[] = [];
    const added: Added[] = [];
    this.db.transaction(() => {
      this.releaseExpired();
      for (const entry of prepared) {
        const result = this.validateAndInsert(entry);
        results.push(result.result);
        if (result.added) added.push(result.added);
      }
    })();
    // Committed unless an enclosing transaction holds it (then it could still roll back).
    const committedNow = !this.db.inTransaction;
    for (const entry of added) {
      this.dag.add(entry.id, entry.record.issuer, entry.record.parents.map(hex));
      if (committedNow) this.view.stored(entry.id);
    }
    for (const entry of added) if (entry.record.kind === KIND_SOLD || entry.record.kind === KIND_BOUGHT) this.pairUp(entry.id, entry.record);
    const committed = added.length > 0 ? this.settle() : [];
    if (committed.length > 0) {
      for (const result of results) if (result.ok && !result.duplicate) result.committed = committed;
    }
    return results;
  }

  private validateAndInsert(prepared: PreparedRecord): { result: SubmitResult; added?: Added } {
    const checked = this.check(prepared);
    if (!checked.ok) return { result: checked };
    if (checked.duplicate) return { result: { ok: true, id: checked.id, duplicate: true, committed: [] } };
    return { result: { ok: true, id: checked.id, duplicate: false, committed: [] }, added: this.insert(prepared.bytes, checked.signed, Buffer.from(checked.id, 'hex')) };
  }

  /**
   * Validates a record against the state stored now, writing nothing. A new valid record comes with the
   * keys its acceptance takes (see Claims) and whether it spends its issuer's Ecash: a ledger shared by
   * several aggregators (host-tools/federation) must make those checks again, atomically, where the
   * records are ordered.
   */
  check(prepared: PreparedRecord): CheckResult {
    const { decoded } = prepared;
    if (!decoded.ok) return { ok: false, code: decoded.code, message: decoded.detail };
    const signed = decoded.value;
    // The pool's digest of recordIdInput (prepare), else computed here.
    const id = prepared.digests !== null && prepared.digests.length > 0 ? Buffer.from(prepared.digests[0].subarray(0, ID_BYTES)) : recordIdHost(signed.payload, signed.signature);
    if (this.statements.recordExists.get(id)) return { ok: true, id: id.toString('hex'), duplicate: true };
    const failure = this.validate(prepared, signed, id);
    if (failure !== null) return { ok: false, code: failure.code, message: failure.message };
    const record = signed.record;
    const claims: Claims = { taken: [`seq/${record.issuer}/${record.seq}`], free: [], marked: [], order: null };
    if (record.kind === KIND_MEMBERSHIP) {
      claims.taken.push(`member/${record.member}`, `key/${hex(record.publicKey as Uint8Array)}`);
    } else {
      // The slot rule (checkSlotFree): a record other than a bought one takes its issuer's slot; a bought
      // one needs the slot free of the others but may share it with more bought records.
      const slot = `${record.issuer}/${slotOf(record.timeMs, this.slotMs)}`;
      if (record.kind === KIND_BOUGHT) {
        claims.free.push(`slot/${slot}`);
        claims.marked.push(`bought-slot/${slot}`);
      } else claims.taken.push(`slot/${slot}`, `bought-slot/${slot}`);
      claims.order = { issuer: record.issuer, seq: record.seq, timeMs: record.timeMs };
    }
    return { ok: true, id: id.toString('hex'), duplicate: false, signed, claims, spends: spendOf(record) > 0 };
  }

  private insert(bytes: Uint8Array, signed: SignedRecord, id: Buffer): Added {
    const record = signed.record;
    this.statements.insertRecord.run(
      id, record.issuer, record.seq, record.kind, record.timeMs, record.energyWh ?? null, record.ecash ?? null,
      // better-sqlite3 binds any Uint8Array as a blob: no copy of the record's bytes first.
      record.counterparty ?? null, record.ref ?? null, bytes, this.now(),
    );
    if (this.parentEdges) for (const parent of record.parents) this.statements.insertEdge.run(id, Buffer.from(parent));
    if (record.kind === KIND_MEMBERSHIP) {
      this.statements.insertMember.run(record.member, Buffer.from(record.publicKey as Uint8Array), record.grantEcash, id, this.now());
      this.memberCount++;
    }
    if (record.kind === KIND_BOUGHT) {
      this.statements.insertReservation.run(id, record.issuer, record.ecash, record.timeMs + RESERVATION_TTL_MS);
      this.statements.reserve.run(record.ecash, record.issuer);
    }
    if (record.kind === KIND_OFFER || record.kind === KIND_DEMAND) {
      // An EV's newest order of a side replaces its open one (an EV repeats its order while it waits).
      this.statements.putOrder.run(record.issuer, record.kind === KIND_OFFER ? 'offer' : 'demand', id, record.energyWh, record.ecash, record.timeMs);
    }
    return { id: id.toString('hex'), record };
  }

  /**
   * Stores a record that a shared ordered log accepted (check() passed where it was committed) and
   * settles. Every aggregator applies the same records in the same order and settles after each, so all
   * derive the same state; reservations expire by the log's own clock (the latest record time applied),
   * never by this host's. The caller holds the SQLite transaction. Returns the trades it committed.
   */
  apply(bytes: Uint8Array): { id: string; committed: string[] } {
    const decoded = decodeRecord(bytes, RECORD_WITH_TOKENS_BYTES_MAX);
    if (!decoded.ok) throw new Error(`a record of the shared log does not decode: ${decoded.code}`);
    const id = recordIdHost(decoded.value.payload, decoded.value.signature);
    if (this.statements.recordExists.get(id)) throw new Error(`the shared log holds record ${id.toString('hex')} twice`);
    if (this.logClockMs === null) this.logClockMs = (this.statements.latestTime.get() as { time_ms: number }).time_ms;
    this.logClockMs = Math.max(this.logClockMs, decoded.value.record.timeMs);
    this.applying = true;
    try {
      this.releaseExpired();
      const added = this.insert(bytes, decoded.value, id);
      this.dag.add(added.id, added.record.issuer, added.record.parents.map(hex));
      if (added.record.kind === KIND_SOLD || added.record.kind === KIND_BOUGHT) this.pairUp(added.id, added.record);
      return { id: added.id, committed: this.settle() };
    } finally {
      this.applying = false;
    }
  }

  /** The time expiries are judged by: the shared log's clock while applying its record, else this host's. */
  private expiryNowMs(): number {
    return this.applying ? (this.logClockMs as number) : this.now();
  }

  /** Releases what expired reservations hold (at most EXPIRED_PER_GROUP_MAX per call); inside a transaction. */
  private releaseExpired(atMs = this.expiryNowMs()): void {
    const rows = this.statements.expired.all(atMs, EXPIRED_PER_GROUP_MAX) as { bought_id: Buffer; issuer: number; ecash: number }[];
    for (const row of rows) {
      this.statements.deleteReservation.run(row.bought_id);
      this.statements.reserve.run(-row.ecash, row.issuer);
    }
  }

  /**
   * A new sold or bought record looks up its counterpart (by id or by ref: keyed, never a scan); a
   * matching pair whose two records are both in the recent DAG, the bought one still holding its Ecash,
   * waits for its validation counts. A pair outside the recent DAG can never reach them.
   */
  private pairUp(key: string, record: LedgerRecord): void {
    const id = Buffer.from(key, 'hex');
    if (record.kind === KIND_BOUGHT) {
      const sold = this.statements.soldFor.get(Buffer.from(record.ref as Uint8Array)) as StoredRecord | undefined;
      if (sold !== undefined) this.addPending(sold, this.statements.record.get(id) as StoredRecord);
    } else {
      for (const bought of this.statements.boughtFor.all(id) as StoredRecord[]) this.addPending(this.statements.record.get(id) as StoredRecord, bought);
    }
  }

  private addPending(sold: StoredRecord, bought: StoredRecord): void {
    const soldKey = sold.id.toString('hex');
    const boughtKey = bought.id.toString('hex');
    if (this.pending.has(boughtKey) || !this.dag.has(soldKey) || !this.dag.has(boughtKey)) return;
    if (!tradeMatches(asRecord(sold), new Uint8Array(sold.id), asRecord(bought))) return;
    // An unanswered sold record expires as a reservation does: after that no bought record completes it.
    if (sold.time_ms + RESERVATION_TTL_MS < this.expiryNowMs()) return;
    if (this.statements.trade.get(sold.id) || !this.statements.reservation.get(bought.id)) return;
    while (this.pending.size >= RECENT_RECORDS_MAX) this.dropPending(this.pending.keys().next().value as string);
    this.pending.set(boughtKey, { soldKey, boughtKey, sold, bought });
    this.fresh.push(boughtKey);
    for (const key of [soldKey, boughtKey]) {
      this.dag.watch(key);
      const list = this.pendingOf.get(key);
      if (list === undefined) this.pendingOf.set(key, [boughtKey]);
      else list.push(boughtKey);
    }
  }

  private dropPending(boughtKey: string): void {
    const trade = this.pending.get(boughtKey);
    if (trade === undefined) return;
    this.pending.delete(boughtKey);
    for (const key of [trade.soldKey, trade.boughtKey]) {
      const list = (this.pendingOf.get(key) ?? []).filter((entry) => entry !== boughtKey);
      if (list.length === 0) this.pendingOf.delete(key);
      else this.pendingOf.set(key, list);
    }
  }

  /**
   * Commits the pending trades whose sold and bought records now each have a validation count above half
   * of the members (docs/design.md): only those a record of this group could have completed, the ones whose
   * counts grew or that were just paired. Balances move in the same transaction as the trade row.
   */
  settle(): string[] {
    const committed: string[] = [];
    const threshold = commitThreshold(Math.max(1, this.memberCount));
    // The oldest pending trades whose records left the recent DAG can never commit.
    for (const [boughtKey, trade] of this.pending) {
      if (this.dag.has(trade.soldKey) && this.dag.has(trade.boughtKey)) break;
      this.dropPending(boughtKey);
    }
    const candidates = new Set<string>();
    for (const key of this.dag.takeTouched()) for (const boughtKey of this.pendingOf.get(key) ?? []) candidates.add(boughtKey);
    for (const boughtKey of this.fresh.splice(0)) candidates.add(boughtKey);
    for (const boughtKey of candidates) {
      const trade = this.pending.get(boughtKey);
      if (trade === undefined) continue;
      const soldVc = this.dag.validationCount(trade.soldKey);
      const boughtVc = this.dag.validationCount(boughtKey);
      if (soldVc === null || boughtVc === null) {
        this.dropPending(boughtKey);
        continue;
      }
      if (soldVc < threshold || boughtVc < threshold) continue;
      const { sold, bought } = trade;
      this.db.transaction(() => {
        if (this.statements.trade.get(sold.id)) return;
        // An expired reservation holds nothing any more: its trade can no longer complete.
        if (!this.statements.reservation.get(bought.id)) return;
        const buyer = this.member(bought.issuer) as { balance: number; reserved: number };
        if (buyer.balance < (bought.ecash as number) || buyer.reserved < (bought.ecash as number)) {
          throw new Error(`invariant: member ${bought.issuer} holds ${buyer.balance} with ${buyer.reserved} reserved, less than its reservation of ${bought.ecash}`);
        }
        this.statements.insertTrade.run(sold.id, bought.id, sold.issuer, bought.issuer, sold.energy_wh, sold.ecash, this.now());
        this.statements.deleteReservation.run(bought.id);
        this.statements.pay.run(bought.ecash, bought.ecash, bought.issuer);
        this.statements.move.run(bought.ecash, sold.issuer);
        committed.push(sold.id.toString('hex'));
      })();
      // Committed or not committable: either way the pair is done, and so is every other buyer of this sold record.
      for (const other of [...(this.pendingOf.get(trade.soldKey) ?? [])]) this.dropPending(other);
    }
    return committed;
  }

  /** One round of the double auction over the open offers and demands (see auction.ts for the rule). */
  runAuction(): AuctionMatch[] {
    const orders = (this.statements.openOrders.all(this.now() - ORDER_LIFETIME_MS) as { record_id: Buffer; member: number; side: string; energy_wh: number; ecash: number; time_ms: number }[]).map(
      (row): Order => ({ id: row.record_id.toString('hex'), member: row.member, side: row.side as 'offer' | 'demand', energyWh: row.energy_wh, ecash: row.ecash, timeMs: row.time_ms }),
    );
    const matches = runDoubleAuction(orders, { surplusEnergyWh: this.surplusEnergyWh, surplusPricePerKwh: this.surplusPricePerKwh });
    this.db.transaction(() => {
      for (const match of matches) {
        this.statements.insertMatch.run(Buffer.from(match.offerId, 'hex'), Buffer.from(match.demandId, 'hex'), match.seller, match.buyer, match.energyWh, match.ecash, this.now());
        this.statements.closeOrder.run(match.buyer, 'demand', Buffer.from(match.demandId, 'hex'));
        if (match.seller !== 0) this.statements.closeOrder.run(match.seller, 'offer', Buffer.from(match.offerId, 'hex'));
      }
    })();
    return matches;
  }

  /**
   * How the two sides of a match have answered it so far: the seller's sold record (its id and arrival;
   * its bytes through record() when they are sent), whether the buyer's bought record is in, and each
   * side's open order of that side, if any (a
   * matched order is closed, so an open one came later: a repeat of the order from a side that missed the
   * match, or a new order once it was done). Keyed lookups only (records by ref, orders by member and side).
   */
  matchAnswers(match: { offerId: string; seller: number; buyer: number }): {
    sold: { id: Buffer; received_ms: number } | undefined; bought: boolean; sellerOrder: OrderTerms | undefined; buyerOrder: OrderTerms | undefined;
  } {
    const sold = this.statements.soldAnswering.get(Buffer.from(match.offerId, 'hex'), match.seller, match.buyer) as { id: Buffer; received_ms: number } | undefined;
    return {
      sold,
      bought: sold !== undefined && this.statements.boughtAnswering.get(sold.id, match.buyer) !== undefined,
      sellerOrder: this.statements.openOrderOf.get(match.seller, 'offer') as OrderTerms | undefined,
      buyerOrder: this.statements.openOrderOf.get(match.buyer, 'demand') as OrderTerms | undefined,
    };
  }

  /** Takes a member's open order of a side out of the auction (a repeat of an order already matched). */
  withdrawOrder(member: number, side: 'offer' | 'demand'): void {
    this.statements.withdrawOrder.run(member, side);
  }

  /** The aggregator's clock (the simulated one in a city). */
  clockMs(): number {
    return this.now();
  }

  matchesFor(member: number): unknown[] {
    return (this.statements.matchesFor.all(member, member) as Record<string, unknown>[]).map((row) => ({
      ...row, offer_id: (row.offer_id as Buffer).toString('hex'), demand_id: (row.demand_id as Buffer).toString('hex'),
    }));
  }

  /**
   * The acknowledgement of an offloaded record, sent only once the record is durable: a MAC under its
   * issuer's token key, which only the issuer needs to check (one SHA-512 on its board, not a verification).
   */
  acknowledge(id: string): Uint8Array {
    const bytes = Buffer.from(id, 'hex');
    const stored = this.record(id);
    if (stored === undefined) throw new Error(`record ${id} is not stored`);
    this.statements.insertAck.run(bytes, this.now());
    const mac = macHost(this.tokenKey(stored.issuer), ackMessage(new Uint8Array(bytes)));
    return encodeFrame({ type: FRAME_OFFLOAD_ACK, batch: 0, id: new Uint8Array(bytes), mac });
  }

  /** A signed balance checkpoint frame for a light node. */
  checkpoint(member: number): Uint8Array | null {
    const row = this.member(member);
    if (!row) return null;
    const asOfMs = this.now();
    const signature = signHost(checkpointMessage(member, row.balance, asOfMs), this.aggregatorKey);
    return encodeFrame({ type: FRAME_CHECKPOINT, member, balance: row.balance, asOfMs, signature });
  }

  stats(): { records: number; members: number; ecash_total: number; trades_committed: number } {
    return this.statements.counts.get() as { records: number; members: number; ecash_total: number; trades_committed: number };
  }

  /** A stored record by its id, as hex in either case (ids are printed in lower case). */
  record(id: string): StoredRecord | undefined {
    if (!/^[0-9a-fA-F]{32}$/.test(id)) return undefined;
    return this.statements.record.get(Buffer.from(id, 'hex')) as StoredRecord | undefined;
  }

  history(member: number): unknown[] {
    return (this.statements.history.all(member) as Record<string, unknown>[]).map((row) => ({ ...row, id: (row.id as Buffer).toString('hex') }));
  }

  trades(limit: number): unknown[] {
    return (this.statements.trades.all(limit) as Record<string, unknown>[]).map(tradeRow);
  }

  /** The committed trade of a sold record (hex id), if any. */
  tradeOf(soldId: string): TradeRow | undefined {
    const row = this.statements.tradeOf.get(Buffer.from(soldId, 'hex')) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : (tradeRow(row) as TradeRow);
  }

  slotOf(timeMs: number): number {
    return slotOf(timeMs, this.slotMs);
  }
}

type Added = { id: string; record: LedgerRecord };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

export type OrderTerms = { energy_wh: number; ecash: number };
export type TradeRow = { sold_id: string; bought_id: string; seller: number; buyer: number; energy_wh: number; ecash: number; committed_ms: number };

function tradeRow(row: Record<string, unknown>) {
  return { ...row, sold_id: (row.sold_id as Buffer).toString('hex'), bought_id: (row.bought_id as Buffer).toString('hex') };
}

function asRecord(row: StoredRecord): LedgerRecord {
  return {
    kind: row.kind, issuer: row.issuer, seq: row.seq, timeMs: row.time_ms, parents: [], pot: [],
    energyWh: row.energy_wh ?? undefined, ecash: row.ecash ?? undefined, counterparty: row.counterparty ?? undefined,
    ref: row.ref ? new Uint8Array(row.ref) : undefined,
  };
}

