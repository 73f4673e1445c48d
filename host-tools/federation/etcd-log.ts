// The federated ledger log: several aggregators share one ledger through an etcd 3.4 cluster (strict
// serializable transactions, watches that deliver every change in revision order; docs/federation.md).
// etcd orders and commits; each aggregator's SQLite is state derived from that order.
// - Commit: a record that passed the aggregator's validation against the state applied here at revision
//   R is written by one transaction: `create_revision(log/<id>) == 0` (a re-sent record is de-duplicated
//   forever), `create_revision(claim/<c>) == 0` for what it claims for good (its issuer's sequence number;
//   a new member's id and key), and for a record that spends Ecash `mod_revision(spend/<issuer>) < R + 1`
//   (no spend of that issuer was committed after the state it was validated against), and two value
//   comparisons over the issuer's order/ keys for the sequence rule (no record of the issuer with a lower
//   number and a later time, or a higher number and an earlier time), then puts them all.
//   A moved spend guard means the state was stale: wait until the other spend is applied, validate again.
// - Apply: a watch on log/ from the last applied revision; each record is stored and settlement runs
//   after it, and the revision is saved in the same SQLite transaction, so every aggregator derives the
//   same state and a restarted one resumes where it stopped.
// Bounds: ATTEMPTS_MAX validations per record, COMMIT_DEADLINE_MS per transaction, APPLY_WAIT_MS for a
// committed record to be applied here; a group's transaction stays within etcd's TXN_OPS_MAX operations
// and far below its 1.5 MB request limit (a record is at most RECORD_WITH_TOKENS_BYTES_MAX bytes).
import { Campaign, CompareTarget, Etcd3, ITxnResponse, IWatchResponse, SortOrder, SortTarget, Watcher, comparator, compareTarget } from 'etcd3';
import type Database from 'better-sqlite3';
import type { Aggregator, CheckResult, PreparedRecord, SubmitResult } from '../aggregator/aggregator';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { KIND_MEMBERSHIP } from '../../firmware/records';
import { ClusterUnavailable, LedgerLog, LogStatus } from '../aggregator/ledger-log';
import { stateDigest } from './digest';
import { rmSync } from 'node:fs';
import { SnapshotInfo, takeSnapshot } from './snapshot';

export const ZONE_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const COMMIT_DEADLINE_MS = 4000;
export const APPLY_WAIT_MS = 4000;
/**
 * Every record is answered within this time of reaching the log, whatever it waited for: below the HTTP
 * server's idle timeout (IDLE_TIMEOUT_MS, 5 s), so a client gets a 503 naming the unknown outcome
 * rather than a closed connection.
 */
export const ANSWER_WITHIN_MS = 4000;
export const ATTEMPTS_MAX = 4;
/** How long a starting aggregator may take to apply the log's backlog before it serves. */
export const CATCH_UP_MS_MAX = 600000;
/** Trades committed by applied records, kept until the request that wrote the record reads them. */
const COMMITTED_KEPT_MAX = 4096;
const PROGRESS_MS = 1000;
/** etcd's default limit on the comparisons, and on the writes, of one transaction (--max-txn-ops). */
export const TXN_OPS_MAX = 128;

/** One comparison of a transaction: on `key`, or on every key in [key, end) when `end` is given. */
type Compare = { key: string; end?: string; target: 'Create' | 'Mod' | 'Value'; op: '==' | '<' | '>'; value: number | string };
/** What a failed transaction reads back: `key`, or the most recently written key in [key, end). */
type Get = { key: string; end?: string };
/**
 * One record's part of a transaction: the keys it touches (one group's records touch disjoint keys),
 * what it compares and writes, and in the order of `claims`, then the spend guard, then the sequence gap,
 * what it reads back when the transaction fails.
 */
type Plan = {
  id: string; claims: string[]; keys: string[]; compares: Compare[]; puts: [string, Buffer | string][]; gets: Get[];
  spendGet: number; orderGets: number[];
};

/** Sequence numbers and times as fixed-width text, so that text order is numeric order (SEQ_MAX, TIME_MS_MAX). */
const seqText = (seq: number) => String(seq).padStart(10, '0');
const timeText = (timeMs: number) => String(timeMs).padStart(13, '0');
/** Values of an issuer's two bound keys: below and above every number's text. */
const ORDER_LOW = '!';
const ORDER_HIGH = '~';
/**
 * An issuer's order keys: order/<issuer>/<time>/<record id> = number, between two bounds written with its
 * membership (order/<issuer>/! = "!" sorts before every time, order/<issuer>/~ = "~" after): etcd fails a
 * comparison of values over an empty range, and with the bounds in them the ranges compared are never empty.
 */
function orderKeys(base: string, issuer: number) {
  const prefix = `${base}order/${issuer}/`;
  return { low: `${prefix}!`, high: `${prefix}~`, end: `${prefix}~\0`, at: (timeMs: number) => prefix + timeText(timeMs) };
}
const LEADER_TTL_S = 5;
/** Snapshots one aggregator takes at once (each is a full copy of its store on its disk). */
export const SNAPSHOTS_AT_ONCE_MAX = 1;

export type EtcdLogOptions = {
  hosts: string[];
  zone: string;
  /** This aggregator's name in the zone (default: its public key's first 8 bytes in hex). */
  name?: string;
  /** Compact the cluster's history every this many ms (0: never) below what every aggregator applied. */
  compactEveryMs?: number;
  /** Called when the log cannot go on (a broken invariant, a compacted history): the aggregator must stop. */
  onFatal?: (error: Error) => void;
};

/** The cluster no longer holds the history this store needs next: the store must be restored from a peer. */
export class HistoryCompacted extends Error {
  constructor(message: string, readonly clusterId: string) {
    super(message);
  }
}

type Waiter = { revision: number; resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The rejection code of a claim another record holds: the same codes an embedded aggregator gives. */
function refusalOf(claim: string): string {
  if (claim.startsWith('seq/')) return 'EQUIVOCATION';
  if (claim.startsWith('slot/') || claim.startsWith('bought-slot/')) return 'POT_SLOT_REUSED';
  return 'MEMBER_EXISTS';
}

export class EtcdLedgerLog implements LedgerLog {
  private applied = 0;
  private saved = 0;
  private waiters = new Set<Waiter>();
  /** Trades each applied record committed, by record id, until the request that wrote it reads them. */
  private committedBy = new Map<string, string[]>();
  private inflight = new Set<Promise<unknown>>();
  private watcher: Watcher | null = null;
  private campaign: Campaign | null = null;
  private timers: NodeJS.Timeout[] = [];
  private failure: Error | null = null;
  private leader = false;
  private closed = false;
  private setApplied: Database.Statement;
  readonly name: string;
  private base: string;
  private clusterId = '';
  /** Snapshots being taken or served now (SNAPSHOTS_AT_ONCE_MAX). */
  private snapshotting = 0;

  private constructor(private aggregator: Aggregator, private client: Etcd3, private options: EtcdLogOptions) {
    this.base = `/smartchain/${options.zone}/`;
    this.name = options.name ?? hex(aggregator.aggregatorPublicKey).slice(0, 16);
    // The federation's own table, created here rather than among the store's migrations: only a
    // federated aggregator has it, and the embedded store's schema stays as it is.
    aggregator.db.exec('CREATE TABLE IF NOT EXISTS federation_applied (zone TEXT PRIMARY KEY, cluster_id TEXT NOT NULL, revision INTEGER NOT NULL)');
    this.setApplied = aggregator.db.prepare('UPDATE federation_applied SET revision = ? WHERE zone = ?');
  }

  /** Connects, checks this store belongs to this cluster and zone, and applies the backlog before resolving. */
  static async open(aggregator: Aggregator, options: EtcdLogOptions): Promise<EtcdLedgerLog> {
    if (!ZONE_PATTERN.test(options.zone)) throw new Error(`zone must match ${ZONE_PATTERN}, got ${options.zone}`);
    const client = new Etcd3({ hosts: options.hosts, dialTimeout: 3000 });
    const log = new EtcdLedgerLog(aggregator, client, options);
    try {
      await log.start();
    } catch (error) {
      await log.close();
      throw error;
    }
    return log;
  }

  private deadline(untilMs = Number.MAX_SAFE_INTEGER) {
    return { deadline: Math.min(Date.now() + COMMIT_DEADLINE_MS, untilMs) };
  }

  /** The time left before `untilMs`; none left is an unknown outcome. */
  private left(untilMs: number): number {
    const left = untilMs - Date.now();
    if (left <= 0) throw new ClusterUnavailable(`no answer from the cluster within ${ANSWER_WITHIN_MS} ms: outcome unknown, send the record again`);
    return left;
  }

  private async start(): Promise<void> {
    const db = this.aggregator.db;
    // Every aggregator of a zone must share the consortium key (members' token keys derive from it).
    const consortium = hex(this.aggregator.consortiumPublicKey);
    const identity = await this.cluster(() => this.client.if(`${this.base}consortium`, 'Create', '==', 0)
      .then(this.client.put(`${this.base}consortium`).value(consortium)).else(this.client.get(`${this.base}consortium`)).options(this.deadline()).commit());
    const clusterId = identity.header.cluster_id;
    this.clusterId = clusterId;
    if (!identity.succeeded) {
      const stored = identity.responses[0].response_range.kvs[0]?.value.toString();
      if (stored !== consortium) throw new Error(`zone ${this.options.zone} belongs to consortium key ${stored}, this aggregator has ${consortium}: copy the zone's consortium.key beside the database`);
    }
    const row = db.prepare('SELECT cluster_id, revision FROM federation_applied WHERE zone = ?').get(this.options.zone) as { cluster_id: string; revision: number } | undefined;
    if (row === undefined) {
      const records = (db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n;
      if (records > 0) throw new Error(`the store holds ${records} records that are not in zone ${this.options.zone}'s log: start a federated aggregator on an empty store or on a copy of a member's store`);
      db.prepare('INSERT INTO federation_applied (zone, cluster_id, revision) VALUES (?, ?, 0)').run(this.options.zone, clusterId);
    } else {
      if (row.cluster_id !== clusterId) throw new Error(`the store was applied from etcd cluster ${row.cluster_id}, this is cluster ${clusterId}`);
      this.applied = row.revision;
      this.saved = row.revision;
    }
    const newest = await this.cluster(() => this.client.getAll().prefix(`${this.base}log/`).sort('Mod', 'Descend').limit(1).options(this.deadline()).exec());
    const target = newest.kvs.length === 0 ? 0 : Number(newest.kvs[0].mod_revision);
    if (target > this.applied) {
      // A read at the first revision not applied here fails when the cluster compacted it away (a watch
      // from there would never start).
      await this.client.get(`${this.base}consortium`).revision(String(this.applied + 1)).options(this.deadline()).exec().catch((error: Error) => {
        const message = `the log's history from revision ${this.applied + 1} is gone: ${error.message}`;
        throw /compacted/.test(error.message) ? new HistoryCompacted(message, clusterId) : new ClusterUnavailable(message);
      });
    }
    await this.watch();
    if (target > this.applied) await this.waitApplied(target, CATCH_UP_MS_MAX);
    this.timers.push(setInterval(() => void this.saveProgress(), PROGRESS_MS));
    if ((this.options.compactEveryMs ?? 0) > 0) this.timers.push(setInterval(() => void this.compact(), this.options.compactEveryMs));
    this.campaignForAuction();
  }

  private async cluster<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new ClusterUnavailable(`etcd: ${(error as Error).message}`);
    }
  }

  private async watch(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no watch within ${COMMIT_DEADLINE_MS} ms`)), COMMIT_DEADLINE_MS)));
    let watcher: Watcher;
    try {
      watcher = await Promise.race([this.client.watch().prefix(`${this.base}log/`).startRevision(String(this.applied + 1)).create(), late]);
    } catch (error) {
      throw new ClusterUnavailable(`the log's watch from revision ${this.applied + 1} failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    this.watcher = watcher;
    watcher.on('data', (response: IWatchResponse) => {
      try {
        this.applyEvents(response);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    // A cancelled watch is a compacted history (the cluster no longer holds what this store has not
    // applied): the store must be replaced by a copy of a peer's (docs/federation.md).
    watcher.on('error', (error: Error) => {
      const message = `the log's watch ended: ${error.message}`;
      this.fail(/compacted/.test(error.message) ? new HistoryCompacted(message, this.clusterId) : new Error(message));
    });
  }

  private applyEvents(response: IWatchResponse): void {
    const entries: { revision: number; bytes: Uint8Array }[] = [];
    for (const event of response.events) {
      const revision = Number(event.kv.mod_revision);
      // A resumed watch may deliver again what was applied; nothing under log/ is ever deleted or rewritten.
      if (event.type !== 'Put' || revision <= this.applied) continue;
      entries.push({ revision, bytes: new Uint8Array(event.kv.value) });
    }
    if (entries.length === 0 || this.failure !== null) return;
    let last = this.applied;
    this.aggregator.db.transaction(() => {
      for (const entry of entries) {
        // One transaction's records share a revision, in the order of its writes.
        if (entry.revision < last) throw new Error(`log revision ${entry.revision} after ${last}: the watch is out of order`);
        const { id, committed } = this.aggregator.apply(entry.bytes);
        if (committed.length > 0) {
          if (this.committedBy.size >= COMMITTED_KEPT_MAX) this.committedBy.delete(this.committedBy.keys().next().value as string);
          this.committedBy.set(id, committed);
        }
        last = entry.revision;
      }
      this.setApplied.run(last, this.options.zone);
    })();
    this.applied = last;
    for (const waiter of this.waiters) {
      if (waiter.revision <= last) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve();
      }
    }
  }

  /** Resolves once the log is applied here up to `revision`; an unknown outcome after `waitMs`. */
  private waitApplied(revision: number, waitMs = APPLY_WAIT_MS): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.applied >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        revision, resolve, reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new ClusterUnavailable(`revision ${revision} not applied here within ${waitMs} ms (applied ${this.applied}): outcome unknown, send the record again`));
        }, waitMs),
      };
      this.waiters.add(waiter);
    });
  }

  private fail(error: Error): void {
    if (this.failure !== null || this.closed) return;
    this.failure = error;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.waiters.clear();
    if (this.options.onFatal) this.options.onFatal(error);
    else setImmediate(() => {
      throw error;
    });
  }

  /**
   * A group is first tried as one transaction holding every record whose keys no other record of the
   * group touches (one raft round and one fsync for all); if any comparison fails, or for the records
   * left out, each record goes through its own transaction. The outcome of each record is the same
   * either way: the group's transaction is all the records' conditions joined.
   */
  commit(prepared: PreparedRecord[]): Promise<SubmitResult[]> {
    if (this.failure !== null) return Promise.reject(new ClusterUnavailable(`this aggregator stopped applying the log: ${this.failure.message}`));
    const revision = this.applied;
    const plans: (Plan | null)[] = prepared.map(() => null);
    const used = new Set<string>();
    let compares = 0;
    let puts = 0;
    let planned = 0;
    if (prepared.length > 1) {
      prepared.forEach((entry, index) => {
        const checked = this.aggregator.check(entry);
        if (!checked.ok || checked.duplicate) return;
        const plan = this.plan(checked, entry.bytes, revision);
        if (plan.keys.some((key) => used.has(key))) return;
        if (compares + plan.compares.length > TXN_OPS_MAX || puts + plan.puts.length > TXN_OPS_MAX) return;
        for (const key of plan.keys) used.add(key);
        compares += plan.compares.length;
        puts += plan.puts.length;
        plans[index] = plan;
        planned++;
      });
    }
    const untilMs = Date.now() + ANSWER_WITHIN_MS;
    const grouped = planned > 1 ? this.commitGroup(plans.filter((plan): plan is Plan => plan !== null), untilMs) : Promise.resolve(false);
    return Promise.all(prepared.map((entry, index) => {
      const plan = plans[index];
      // Only commits begun before this record's: waiting on its own or a later one could never end.
      const earlier = [...this.inflight];
      const alone = () => this.commitOne(entry, earlier, untilMs);
      const promise = planned > 1 && plan !== null
        ? grouped.then((done) => (done ? { ok: true as const, id: plan.id, duplicate: false, committed: this.takeCommitted(plan.id) } : alone()))
        // A record left out of the group may name one in it as its parent: it waits for the group first.
        : grouped.then(alone, alone);
      this.inflight.add(promise);
      void promise.finally(() => this.inflight.delete(promise)).catch(() => undefined);
      return promise;
    }));
  }

  /** Whether the group's one transaction committed; once it resolves true, every record of it is applied here. */
  private async commitGroup(plans: Plan[], untilMs: number): Promise<boolean> {
    const response = await this.cluster(() => this.transaction(plans, untilMs));
    if (!response.succeeded) return false;
    await this.waitApplied(Number(response.header.revision), this.left(untilMs));
    return true;
  }

  /** The keys, comparisons, writes and reads of one record's transaction, validated at `revision`. */
  private plan(checked: Extract<CheckResult, { duplicate: false }>, bytes: Uint8Array, revision: number): Plan {
    const issuer = checked.signed.record.issuer;
    const logKey = `${this.base}log/${checked.id}`;
    const takenKeys = checked.claims.taken.map((claim) => `${this.base}claim/${claim}`);
    const freeKeys = checked.claims.free.map((claim) => `${this.base}claim/${claim}`);
    const markedKeys = checked.claims.marked.map((claim) => `${this.base}claim/${claim}`);
    const spendKey = `${this.base}spend/${issuer}`;
    const plan: Plan = {
      id: checked.id, claims: [...checked.claims.taken, ...checked.claims.free], keys: [logKey, ...takenKeys, ...freeKeys, ...markedKeys],
      compares: [logKey, ...takenKeys, ...freeKeys].map((key): Compare => ({ key, target: 'Create', op: '==', value: 0 })),
      puts: [[logKey, Buffer.from(bytes)], ...[...takenKeys, ...markedKeys].map((key) => [key, checked.id] as [string, string])],
      gets: [logKey, ...takenKeys, ...freeKeys].map((key) => ({ key })), spendGet: -1, orderGets: [],
    };
    if (checked.spends) {
      plan.keys.push(spendKey);
      // No spend of this issuer was committed after the state the record was validated against.
      plan.compares.push({ key: spendKey, target: 'Mod', op: '<', value: revision + 1 });
      plan.puts.push([spendKey, checked.id]);
      plan.spendGet = plan.gets.push({ key: spendKey }) - 1;
    }
    const record = checked.signed.record;
    if (record.kind === KIND_MEMBERSHIP) {
      // A new member's order keys get their two bounds (see orderKeys), so no comparison of them is empty.
      const bounds = orderKeys(this.base, record.member as number);
      plan.puts.push([bounds.low, ORDER_LOW], [bounds.high, ORDER_HIGH]);
    }
    const order = checked.claims.order;
    if (order !== null) {
      // The sequence rule (checkSeqOrder), made where records are ordered: every record of the issuer
      // with a later time has a higher number, every one with an earlier time a lower number. Each record
      // writes order/<issuer>/<time>/<id> = its number; one comparison over each of the two key ranges.
      // Records of one issuer never share a group's transaction (all its comparisons are made before any
      // of its writes): `issuer-order/<issuer>` is a name in `keys` only, never written.
      const keys = orderKeys(this.base, order.issuer);
      const later = { key: keys.at(order.timeMs + 1), end: keys.end };
      const earlier = { key: keys.low, end: keys.at(order.timeMs) };
      plan.keys.push(`issuer-order/${order.issuer}`);
      plan.compares.push({ ...later, target: 'Value', op: '>', value: seqText(order.seq) }, { ...earlier, target: 'Value', op: '<', value: seqText(order.seq) });
      plan.puts.push([`${keys.at(order.timeMs)}/${checked.id}`, seqText(order.seq)]);
      plan.orderGets = [plan.gets.push(later) - 1, plan.gets.push(earlier) - 1];
    }
    return plan;
  }

  private async transaction(plans: Plan[], untilMs: number): Promise<ITxnResponse> {
    const key = (text: string) => Buffer.from(text);
    const compare = plans.flatMap((plan) => plan.compares).map((entry) => ({
      key: key(entry.key), ...(entry.end === undefined ? {} : { range_end: key(entry.end) }),
      result: comparator[entry.op], target: CompareTarget[entry.target],
      [compareTarget[entry.target]]: typeof entry.value === 'string' ? key(entry.value) : entry.value,
    }));
    const success = plans.flatMap((plan) => plan.puts).map(([name, value]) => ({ request_put: { key: key(name), value: typeof value === 'string' ? key(value) : value } }));
    // A range is read as its most recently written key: the one that moved since the validation.
    const failure = plans.flatMap((plan) => plan.gets).map((get) => ({
      request_range: get.end === undefined ? { key: key(get.key) } : { key: key(get.key), range_end: key(get.end), sort_order: SortOrder.Descend, sort_target: SortTarget.Mod, limit: 1 },
    }));
    return this.client.kv.txn({ compare, success, failure }, this.deadline(untilMs));
  }

  private takeCommitted(id: string): string[] {
    const committed = this.committedBy.get(id) ?? [];
    this.committedBy.delete(id);
    return committed;
  }

  private async commitOne(prepared: PreparedRecord, earlier: Promise<unknown>[], untilMs: number): Promise<SubmitResult> {
    if (this.failure !== null) throw new ClusterUnavailable(`this aggregator stopped applying the log: ${this.failure.message}`);
    for (let attempt = 1; ; attempt++) {
      const revision = this.applied;
      const checked = this.aggregator.check(prepared);
      if (!checked.ok) {
        // A parent or the issuer's membership may be committed through another aggregator and not applied
        // here yet: wait for it and validate again.
        if ((checked.code === 'PARENT_UNKNOWN' || checked.code === 'ISSUER_UNKNOWN') && attempt < ATTEMPTS_MAX && (await this.awaitMissing(prepared, earlier, untilMs))) continue;
        return checked;
      }
      if (checked.duplicate) return { ok: true, id: checked.id, duplicate: true, committed: [] };
      const plan = this.plan(checked, prepared.bytes, revision);
      const response = await this.cluster(() => this.transaction([plan], untilMs));
      if (response.succeeded) {
        await this.waitApplied(Number(response.header.revision), this.left(untilMs));
        return { ok: true, id: checked.id, duplicate: false, committed: this.takeCommitted(checked.id) };
      }
      const found = response.responses.map((entry) => entry.response_range.kvs[0]);
      if (found[0] !== undefined) {
        // Committed before, through this aggregator or another (a re-sent record, or a retried transaction).
        await this.waitApplied(Number(found[0].mod_revision), this.left(untilMs));
        return { ok: true, id: checked.id, duplicate: true, committed: [] };
      }
      for (let index = 0; index < plan.claims.length; index++) {
        const holder = found[1 + index];
        if (holder === undefined) continue;
        return { ok: false, code: refusalOf(plan.claims[index]), message: `${plan.claims[index]} is taken by record ${holder.value.toString()}` } as SubmitResult;
      }
      // A guard moved: the spend guard, or a record of the issuer that breaks the sequence rule with this
      // one was committed meanwhile. The state was stale: wait until it is applied here and validate again.
      const moved = [plan.spendGet, ...plan.orderGets].map((index) => (index < 0 ? 0 : Number(found[index]?.mod_revision ?? 0))).filter((at) => at > revision);
      if (moved.length === 0) throw new Error(`transaction for ${checked.id} failed with every compared key free`);
      if (attempt >= ATTEMPTS_MAX) throw new ClusterUnavailable(`records of issuer ${checked.signed.record.issuer} kept changing during ${ATTEMPTS_MAX} validations: send the record again`);
      await this.waitApplied(Math.max(...moved), this.left(untilMs));
    }
  }

  /** Waits for the missing parents or membership of a record if the log holds them; false when it does not. */
  private async awaitMissing(prepared: PreparedRecord, earlier: Promise<unknown>[], untilMs: number): Promise<boolean> {
    if (!prepared.decoded.ok) return false;
    const record = prepared.decoded.value.record;
    const keys: string[] = [];
    for (const parent of record.parents) {
      if (hex(parent) === hex(GENESIS_ID) || this.aggregator.record(hex(parent)) !== undefined) continue;
      keys.push(`${this.base}log/${hex(parent)}`);
    }
    if (record.kind !== 1 && this.aggregator.member(record.issuer) === undefined) keys.push(`${this.base}claim/member/${record.issuer}`);
    let newest = 0;
    for (const key of keys) {
      const kv = await this.cluster(() => this.client.get(key).options(this.deadline(untilMs)).exec());
      const entry = kv.kvs[0];
      if (entry === undefined) continue;
      newest = Math.max(newest, Number(entry.mod_revision));
    }
    if (newest > 0) {
      await this.waitApplied(newest, this.left(untilMs));
      return true;
    }
    // Records this aggregator began committing earlier may be the missing ones.
    if (earlier.length === 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, this.left(untilMs))));
    await Promise.race([Promise.allSettled(earlier.splice(0)), late]);
    clearTimeout(timer);
    return true;
  }

  /** The last revision applied here. */
  get revision(): number {
    return this.applied;
  }

  status(): LogStatus {
    return { zone: this.options.zone, name: this.name, revision: this.applied, digest: stateDigest(this.aggregator.db), leader: this.leader };
  }

  runsAuction(): boolean {
    return this.leader;
  }

  /** The applied revision, published so compaction knows what every aggregator still needs. */
  private async saveProgress(): Promise<void> {
    if (this.applied === this.saved || this.closed) return;
    const revision = this.applied;
    try {
      await this.client.put(`${this.base}applied/${this.name}`).value(String(revision)).options(this.deadline()).exec();
      this.saved = revision;
    } catch {
      // The next interval tries again; compaction only waits longer meanwhile.
    }
  }

  /**
   * Compacts the cluster's history below the lowest revision any aggregator of the zone applied (each
   * has everything below it durable in its SQLite). An aggregator gone for good holds compaction back
   * until its applied/<name> key is deleted (docs/federation.md).
   */
  async compact(): Promise<number | null> {
    try {
      const progress = await this.client.getAll().prefix(`${this.base}applied/`).options(this.deadline()).strings();
      const revisions = Object.values(progress).map(Number);
      if (revisions.length === 0) return null;
      const below = Math.min(...revisions);
      if (below <= 1) return null;
      await this.client.kv.compact({ revision: String(below), physical: false }, this.deadline());
      return below;
    } catch {
      return null;
    }
  }

  /** Publishes this aggregator's API URL, so a peer that falls behind a compaction can fetch a snapshot here. */
  async advertise(url: string): Promise<void> {
    await this.cluster(() => this.client.put(`${this.base}peer/${this.name}`).value(url).options(this.deadline()).exec());
  }

  /**
   * A snapshot of this store at the revision applied now (snapshot.ts), published in the cluster under
   * snapshot/<name> before it is served, so the fetching peer checks the bytes against the cluster's copy.
   * The caller removes the file. Null while SNAPSHOTS_AT_ONCE_MAX snapshots are in progress.
   */
  async snapshot(): Promise<{ path: string; info: SnapshotInfo } | null> {
    if (this.snapshotting >= SNAPSHOTS_AT_ONCE_MAX || this.failure !== null) return null;
    this.snapshotting++;
    try {
      const taken = takeSnapshot(this.aggregator.db, this.options.zone);
      try {
        await this.cluster(() => this.client.put(`${this.base}snapshot/${this.name}`).value(JSON.stringify(taken.info)).options(this.deadline()).exec());
      } catch (error) {
        rmSync(taken.path, { force: true });
        throw error;
      }
      return taken;
    } finally {
      this.snapshotting--;
    }
  }

  /** One aggregator of the zone at a time runs auction rounds: the one elected through a lease. */
  private campaignForAuction(): void {
    if (this.closed) return;
    const campaign = this.client.election(`${this.base}auction`, LEADER_TTL_S).campaign(this.name);
    this.campaign = campaign;
    campaign.on('elected', () => {
      this.leader = true;
    });
    campaign.on('error', () => {
      this.leader = false;
      // A failed campaign's lease may still be kept alive by the client: give it up.
      void campaign.resign().catch(() => undefined);
      if (!this.closed) this.timers.push(setTimeout(() => this.campaignForAuction(), 1000));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new ClusterUnavailable('the aggregator is closing'));
    }
    this.waiters.clear();
    await this.saveProgressOnClose();
    try {
      await this.campaign?.resign();
    } catch {
      // The lease expires on its own.
    }
    try {
      await this.watcher?.cancel();
    } catch {
      // The connection is closing anyway.
    }
    this.client.close();
  }

  private async saveProgressOnClose(): Promise<void> {
    if (this.applied === this.saved) return;
    try {
      await this.client.put(`${this.base}applied/${this.name}`).value(String(this.applied)).options(this.deadline()).exec();
    } catch {
      // Compaction waits for the next start.
    }
  }
}
