// The federated ledger log: several aggregators share one ledger through an etcd 3.4 cluster (strict
// serializable transactions, watches that deliver every change in revision order; docs/federation.md).
// etcd orders and commits; each aggregator's SQLite is state derived from that order.
// - Commit: a record that passed the aggregator's validation against the state applied here at revision
//   R is written by one transaction: `create_revision(log/<id>) == 0` (a re-sent record is de-duplicated
//   forever), `create_revision(claim/<c>) == 0` for what it claims for good (its issuer's sequence number;
//   a new member's id and key), and for a record that spends Ecash `mod_revision(spend/<issuer>) < R + 1`
//   (no spend of that issuer was committed after the state it was validated against), then puts them all.
//   A moved spend guard means the state was stale: wait until the other spend is applied, validate again.
// - Apply: a watch on log/ from the last applied revision; each record is stored and settlement runs
//   after it, and the revision is saved in the same SQLite transaction, so every aggregator derives the
//   same state and a restarted one resumes where it stopped.
// Bounds: ATTEMPTS_MAX validations per record, COMMIT_DEADLINE_MS per transaction, APPLY_WAIT_MS for a
// committed record to be applied here; etcd's own limits (1.5 MB requests, 128 operations) are far above
// a record's one transaction (a record is at most RECORD_WITH_TOKENS_BYTES_MAX bytes, four puts).
import { Campaign, Etcd3, IWatchResponse, Watcher } from 'etcd3';
import type Database from 'better-sqlite3';
import type { Aggregator, PreparedRecord, SubmitResult } from '../aggregator/aggregator';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { ClusterUnavailable, LedgerLog, LogStatus } from './ledger-log';
import { stateDigest } from './digest';

export const ZONE_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
// Each wait ends below the HTTP server's idle timeout (IDLE_TIMEOUT_MS, 5 s), so a client gets a 503
// naming the unknown outcome rather than a closed connection.
export const COMMIT_DEADLINE_MS = 4000;
export const APPLY_WAIT_MS = 4000;
export const ATTEMPTS_MAX = 4;
/** How long a starting aggregator may take to apply the log's backlog before it serves. */
export const CATCH_UP_MS_MAX = 600000;
/** Trades committed by applied records, kept until the request that wrote the record reads them. */
const COMMITTED_KEPT_MAX = 4096;
const PROGRESS_MS = 1000;
const LEADER_TTL_S = 5;

export type EtcdLogOptions = {
  hosts: string[];
  zone: string;
  /** Compact the cluster's history every this many ms (0: never) below what every aggregator applied. */
  compactEveryMs?: number;
  /** Called when the log cannot go on (a broken invariant, a compacted history): the aggregator must stop. */
  onFatal?: (error: Error) => void;
};

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
  private committedAt = new Map<number, string[]>();
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

  private constructor(private aggregator: Aggregator, private client: Etcd3, private options: EtcdLogOptions) {
    this.base = `/smartchain/${options.zone}/`;
    this.name = hex(aggregator.aggregatorPublicKey).slice(0, 16);
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

  private deadline() {
    return { deadline: Date.now() + COMMIT_DEADLINE_MS };
  }

  private async start(): Promise<void> {
    const db = this.aggregator.db;
    // Every aggregator of a zone must share the consortium key (members' token keys derive from it).
    const consortium = hex(this.aggregator.consortiumPublicKey);
    const identity = await this.cluster(() => this.client.if(`${this.base}consortium`, 'Create', '==', 0)
      .then(this.client.put(`${this.base}consortium`).value(consortium)).else(this.client.get(`${this.base}consortium`)).options(this.deadline()).commit());
    const clusterId = identity.header.cluster_id;
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
    const watcher = await this.client.watch().prefix(`${this.base}log/`).startRevision(String(this.applied + 1)).create();
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
    watcher.on('error', (error: Error) => this.fail(new Error(`the log's watch ended: ${error.message}`)));
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
        if (entry.revision <= last) throw new Error(`log revision ${entry.revision} after ${last}: the watch is out of order`);
        const { committed } = this.aggregator.apply(entry.bytes);
        if (committed.length > 0) {
          if (this.committedAt.size >= COMMITTED_KEPT_MAX) this.committedAt.delete(this.committedAt.keys().next().value as number);
          this.committedAt.set(entry.revision, committed);
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

  commit(prepared: PreparedRecord[]): Promise<SubmitResult[]> {
    return Promise.all(prepared.map((entry) => {
      // A later record may name this one as its parent: it waits for the commits begun before it.
      const promise = this.commitOne(entry, [...this.inflight]);
      this.inflight.add(promise);
      void promise.finally(() => this.inflight.delete(promise)).catch(() => undefined);
      return promise;
    }));
  }

  private async commitOne(prepared: PreparedRecord, earlier: Promise<unknown>[]): Promise<SubmitResult> {
    if (this.failure !== null) throw new ClusterUnavailable(`this aggregator stopped applying the log: ${this.failure.message}`);
    for (let attempt = 1; ; attempt++) {
      const revision = this.applied;
      const checked = this.aggregator.check(prepared);
      if (!checked.ok) {
        // A parent or the issuer's membership may be committed through another aggregator and not applied
        // here yet: wait for it and validate again.
        if ((checked.code === 'PARENT_UNKNOWN' || checked.code === 'ISSUER_UNKNOWN') && attempt < ATTEMPTS_MAX && (await this.awaitMissing(prepared, earlier))) continue;
        return checked;
      }
      if (checked.duplicate) return { ok: true, id: checked.id, duplicate: true, committed: [] };
      const record = checked.signed.record;
      const logKey = `${this.base}log/${checked.id}`;
      const takenKeys = checked.claims.taken.map((claim) => `${this.base}claim/${claim}`);
      const freeKeys = checked.claims.free.map((claim) => `${this.base}claim/${claim}`);
      const spendKey = `${this.base}spend/${record.issuer}`;
      let txn = this.client.if(logKey, 'Create', '==', 0);
      for (const key of [...takenKeys, ...freeKeys]) txn = txn.and(key, 'Create', '==', 0);
      if (checked.spends) txn = txn.and(spendKey, 'Mod', '<', revision + 1);
      const puts = [this.client.put(logKey).value(Buffer.from(prepared.bytes)), ...takenKeys.map((key) => this.client.put(key).value(checked.id))];
      for (const claim of checked.claims.marked) puts.push(this.client.put(`${this.base}claim/${claim}`).value(checked.id));
      const gets = [this.client.get(logKey), ...[...takenKeys, ...freeKeys].map((key) => this.client.get(key))];
      if (checked.spends) {
        puts.push(this.client.put(spendKey).value(checked.id));
        gets.push(this.client.get(spendKey));
      }
      const response = await this.cluster(() => txn.then(...puts).else(...gets).options(this.deadline()).commit());
      if (response.succeeded) {
        const committedRevision = Number(response.header.revision);
        await this.waitApplied(committedRevision);
        const committed = this.committedAt.get(committedRevision) ?? [];
        this.committedAt.delete(committedRevision);
        return { ok: true, id: checked.id, duplicate: false, committed };
      }
      const found = response.responses.map((entry) => entry.response_range.kvs[0]);
      if (found[0] !== undefined) {
        // Committed before, through this aggregator or another (a re-sent record, or a retried transaction).
        await this.waitApplied(Number(found[0].mod_revision));
        return { ok: true, id: checked.id, duplicate: true, committed: [] };
      }
      const claims = [...checked.claims.taken, ...checked.claims.free];
      for (let index = 0; index < claims.length; index++) {
        const holder = found[1 + index];
        if (holder === undefined) continue;
        const code = refusalOf(claims[index]);
        return { ok: false, code, message: `${claims[index]} is taken by record ${holder.value.toString()}` } as SubmitResult;
      }
      const spend = found[1 + claims.length];
      if (spend === undefined) throw new Error(`transaction for ${checked.id} failed with every compared key free`);
      if (attempt >= ATTEMPTS_MAX) throw new ClusterUnavailable(`spends of issuer ${record.issuer} kept changing during ${ATTEMPTS_MAX} validations: send the record again`);
      await this.waitApplied(Number(spend.mod_revision));
    }
  }

  /** Waits for the missing parents or membership of a record if the log holds them; false when it does not. */
  private async awaitMissing(prepared: PreparedRecord, earlier: Promise<unknown>[]): Promise<boolean> {
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
      const kv = await this.cluster(() => this.client.get(key).options(this.deadline()).exec());
      const entry = kv.kvs[0];
      if (entry === undefined) continue;
      newest = Math.max(newest, Number(entry.mod_revision));
    }
    if (newest > 0) {
      await this.waitApplied(newest);
      return true;
    }
    // Records this aggregator began committing earlier may be the missing ones.
    if (earlier.length === 0) return false;
    await Promise.allSettled(earlier.splice(0));
    return true;
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
