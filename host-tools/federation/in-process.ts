// Several federated aggregators in one process, for the city simulation: a local etcd cluster on
// loopback, one Aggregator with its own SQLite file and etcd log each, members admitted through the
// log, and a wait until every aggregator has applied the same revision. Bounded: CONVERGE_MS.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Aggregator, SubmitResult } from '../aggregator/aggregator';
import { LocalCluster } from './cluster';
import { EtcdLedgerLog } from './etcd-log';
import { stateDigest } from './digest';

export const CONVERGE_MS = 30000;
const ETCD_MEMBERS = 3;
const ADMIT_ATTEMPTS_MAX = 4;

export class InProcessFederation {
  private constructor(private cluster: LocalCluster, readonly aggregators: Aggregator[], readonly logs: EtcdLedgerLog[]) {}

  /** Starts the cluster in `dir` and `count` aggregators made by `make`, each federated in zone city. */
  static async start(count: number, dir: string, make: (index: number) => Aggregator): Promise<InProcessFederation> {
    // A cluster left by an earlier run would hold that run's ledger.
    rmSync(join(dir, 'etcd'), { recursive: true, force: true });
    const cluster = await LocalCluster.start(join(dir, 'etcd'), ETCD_MEMBERS);
    const aggregators: Aggregator[] = [];
    const logs: EtcdLedgerLog[] = [];
    try {
      for (let index = 0; index < count; index++) {
        aggregators.push(make(index));
        logs.push(await EtcdLedgerLog.open(aggregators[index], { hosts: cluster.hosts, zone: 'city', name: `aggregator-${index}` }));
      }
    } catch (error) {
      for (const log of logs) await log.close();
      for (const aggregator of aggregators) aggregator.close();
      await cluster.stop();
      throw error;
    }
    return new InProcessFederation(cluster, aggregators, logs);
  }

  /** The cluster's client URLs. */
  get hosts(): string[] {
    return this.cluster.hosts;
  }

  async submit(index: number, bytes: Uint8Array): Promise<SubmitResult> {
    const [result] = await this.logs[index].commit([this.aggregators[index].prepare(bytes, false)]);
    return result;
  }

  /** Admits a member through the first aggregator's log; its id, or an error naming the refusal. */
  async admit(publicKey: Uint8Array, grant: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const membership = this.aggregators[0].membershipRecord(publicKey, grant);
      if (!membership.ok) throw new Error(`member refused: ${membership.code}`);
      const result = await this.submit(0, membership.bytes);
      if (result.ok) return membership.id;
      if (attempt >= ADMIT_ATTEMPTS_MAX) throw new Error(`member refused: ${result.code}`);
    }
  }

  /** Waits until every aggregator has applied the same revision, unchanged over two looks. */
  async converge(): Promise<void> {
    const deadline = Date.now() + CONVERGE_MS;
    let previous = -1;
    for (;;) {
      const revisions = new Set(this.logs.map((log) => log.revision));
      const revision = this.logs[0].revision;
      if (revisions.size === 1 && revision === previous) return;
      previous = revisions.size === 1 ? revision : -1;
      if (Date.now() > deadline) throw new Error(`aggregators did not converge within ${CONVERGE_MS} ms: revisions ${this.logs.map((log) => log.revision).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The index of the aggregator that runs the auction rounds now, or -1 while none is elected. */
  auctioneer(): number {
    return this.logs.findIndex((log) => log.runsAuction());
  }

  digests(): string[] {
    return this.aggregators.map((aggregator) => stateDigest(aggregator.db));
  }

  async close(): Promise<void> {
    for (const log of this.logs) await log.close();
    for (const aggregator of this.aggregators) aggregator.close();
    await this.cluster.stop();
    rmSync(this.cluster.dir, { recursive: true, force: true });
  }
}
