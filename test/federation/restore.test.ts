// Restore from a peer on a real 3-member etcd cluster with real aggregator processes: an aggregator
// stopped while the others ingest and the cluster compacts past its saved revision restores from a
// peer's snapshot at restart, catches up under load and ends with the others' digest; a bad snapshot
// (corrupt bytes, a digest other than published) is refused with a code and the old store is kept.
// Skipped, with one line, when etcd is not installed.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { etcdAvailable } from '../../host-tools/federation/cluster';
import { restoreFrom } from '../../host-tools/federation/restore';
import { SnapshotInfo, SnapshotRefused, restorePath, snapshotToken } from '../../host-tools/federation/snapshot';
import { runLoad } from '../../host-tools/loadgen/loadgen';
import { CONVERGE_MS, converged, removeDir, request, stats, withFederation } from '../support/federation';

const tokenOf = (dir: string) => snapshotToken(new Uint8Array(Buffer.from(readFileSync(join(dir, 'consortium.key'), 'utf8').trim(), 'hex')));
/** Kills during a restore, this long after it began (the restore of the test's store takes about a second). */
const KILL_DELAYS_MS = [0, 150, 400];
const RESTORE_SEEN_MS = 30000;

/** Compacts the cluster's history at its newest revision; that revision. */
async function compactAtHead(hosts: string[]): Promise<number> {
  const etcd = new Etcd3({ hosts });
  try {
    const revision = Number((await etcd.get('/smartchain/test/consortium').exec()).header.revision);
    await etcd.kv.compact({ revision: String(revision), physical: true });
    return revision;
  } finally {
    etcd.close();
  }
}

async function waitFor(done: () => boolean, waitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${waitMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

if (!etcdAvailable()) {
  console.log('federation restore tests skipped: the etcd binary is not installed (make setup installs Debian etcd-server)');
} else {
  test('an aggregator behind a compaction restores from a peer, catches up under load and ends with the same digest', async () => {
    await withFederation('restore', async (cluster, aggregators, token) => {
      const urls = aggregators.map((aggregator) => aggregator.url);
      const first = await runLoad({ url: urls.join(','), adminToken: token, members: 4, count: 200, attack: 'none', seed: 11, inFlight: 16 });
      assert.is(first.accepted, 200, JSON.stringify(first.codes));
      await converged(urls, CONVERGE_MS);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // each publishes its applied revision every second
      await aggregators[2].kill();
      const behind = (await stats(urls[2]).catch(() => null)) === null;
      assert.ok(behind, 'the third aggregator is down');

      const during = await runLoad({ url: `${urls[0]},${urls[1]}`, adminToken: token, members: 4, count: 1500, attack: 'none', seed: 12, inFlight: 16 });
      assert.is(during.accepted, 1500, JSON.stringify(during.codes));
      const etcd = new Etcd3({ hosts: cluster.hosts });
      let savedBefore: number;
      try {
        const applied = await etcd.getAll().prefix('/smartchain/test/applied/').strings();
        savedBefore = Math.min(...Object.values(applied).map(Number));
      } finally {
        etcd.close();
      }
      // Past what the stopped aggregator applied: what the automatic compaction never does, an operator may.
      const compactedAt = await compactAtHead(cluster.hosts);
      assert.ok(savedBefore < compactedAt, `compacted at ${compactedAt}, past the stopped aggregator's ${savedBefore}`);

      // Restarted while the other two go on ingesting: it restores, then catches up through the watch.
      const [after] = await Promise.all([
        runLoad({ url: `${urls[0]},${urls[1]}`, adminToken: token, members: 4, count: 600, attack: 'none', seed: 13, inFlight: 16 }),
        aggregators[2].start(),
      ]);
      assert.is(after.accepted, 600, JSON.stringify(after.codes));
      const restored = /restored from peer (\S+): revision (\d+) \((\d+) bytes\) in (\d+) ms/.exec(aggregators[2].output);
      assert.ok(restored !== null, `restored from a peer: ${aggregators[2].output}`);
      assert.ok(Number(restored[2]) + 1 >= compactedAt, `the snapshot's revision ${restored[2]} is within the history the cluster holds (from ${compactedAt})`);
      const started = /applied revision (\d+) \((\d+) records\) in (\d+) ms/.exec(aggregators[2].output);
      assert.ok(started !== null, aggregators[2].output);

      const all = await converged(aggregators.map((aggregator) => aggregator.url), CONVERGE_MS);
      for (const entry of all) {
        assert.is(entry.federation.digest, all[0].federation.digest);
        assert.is(entry.records, all[0].records);
      }
      assert.is(all[0].records, 12 + 200 + 1500 + 600, 'members of the three loads and every record');
      const caughtUp = all[2].federation.revision - Number(restored[2]);
      // kill -9 during a restore, at several points: the store left is whole (old or new), and the next start restores.
      await aggregators[2].kill();
      const storePath = join(aggregators[2].dir, 'a.sqlite');
      const kills: string[] = [];
      for (const [index, delayMs] of KILL_DELAYS_MS.entries()) {
        // New records and a compaction past them each time: whichever store the kill left is behind.
        const more = await runLoad({ url: `${urls[0]},${urls[1]}`, adminToken: token, members: 3, count: 100, attack: 'none', seed: 14 + index, inFlight: 16 });
        assert.is(more.accepted, 100, JSON.stringify(more.codes));
        await compactAtHead(cluster.hosts);
        const starting = aggregators[2].start().then(() => 'listening', () => 'killed');
        await waitFor(() => /restoring from peer/.test(aggregators[2].output), RESTORE_SEEN_MS, `a restore begins: ${aggregators[2].output}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await aggregators[2].kill();
        await starting;
        const db = new Database(storePath, { fileMustExist: true });
        try {
          assert.is(db.pragma('integrity_check', { simple: true }), 'ok', `the store after kill -9 at ${delayMs} ms into a restore`);
          const row = db.prepare('SELECT revision FROM federation_applied').get() as { revision: number };
          kills.push(`${delayMs} ms: revision ${row.revision}${existsSync(restorePath(storePath)) ? ', download left' : ''}`);
        } finally {
          db.close();
        }
      }
      await aggregators[2].start();
      assert.is(existsSync(restorePath(storePath)), false, 'a download a kill left is removed at the next start');
      const final = await converged(aggregators.map((aggregator) => aggregator.url), CONVERGE_MS);
      for (const entry of final) {
        assert.is(entry.federation.digest, final[0].federation.digest);
        assert.is(entry.records, final[0].records);
      }
      assert.is(final[0].records, 12 + 200 + 1500 + 600 + KILL_DELAYS_MS.length * (3 + 100));
      console.log(`  kill -9 during restores, the store left whole at each: ${kills.join('; ')}`);

      console.log(`  restore: snapshot of ${restored[3]} bytes at revision ${restored[2]} from ${restored[1]} in ${restored[4]} ms; started at revision ${started[1]} with ${started[2]} records in ${started[3]} ms; then ${caughtUp} revisions applied by the watch, ${all[0].records} records everywhere`);
    });
  });

  test('a bad snapshot (corrupt bytes, a digest other than published) is refused with a code and the old store kept', async () => {
    await withFederation('bad-snapshot', async (cluster, aggregators, token) => {
      const urls = aggregators.map((aggregator) => aggregator.url);
      const load = await runLoad({ url: urls.join(','), adminToken: token, members: 3, count: 60, attack: 'none', seed: 21, inFlight: 8 });
      assert.is(load.accepted, 60, JSON.stringify(load.codes));
      await converged(urls, CONVERGE_MS);
      const snapshotToken = tokenOf(aggregators[0].dir);
      assert.is((await request(urls[0], 'GET', '/v1/snapshot', null)).status, 401, 'no token, no snapshot');
      assert.is((await request(urls[0], 'GET', '/v1/snapshot', null, { authorization: `Bearer ${'0'.repeat(64)}` })).status, 401, 'a wrong token');
      const answer = await fetch(`${urls[0]}/v1/snapshot`, { headers: { authorization: `Bearer ${snapshotToken}` } });
      assert.is(answer.status, 200);
      const good = new Uint8Array(await answer.arrayBuffer());
      const info = JSON.parse(answer.headers.get('x-snapshot') as string) as SnapshotInfo;
      assert.is(sha256(good), info.sha256);

      // The store a restore would replace: a copy of a real member's store, closed.
      const dir = mkdtempSync(join(tmpdir(), 'smartchain-bad-snapshot-'));
      const etcd = new Etcd3({ hosts: cluster.hosts });
      let serving: { bytes: Uint8Array; info: SnapshotInfo } = { bytes: good, info };
      const peer = createServer((_request, response) => {
        response.writeHead(200, { 'x-snapshot': JSON.stringify(serving.info), 'content-length': serving.bytes.length });
        response.end(Buffer.from(serving.bytes));
      });
      try {
        const dbPath = join(dir, 'a.sqlite');
        writeFileSync(dbPath, good);
        const clusterId = (() => {
          const db = new Database(dbPath, { readonly: true });
          try {
            return (db.prepare('SELECT cluster_id FROM federation_applied').get() as { cluster_id: string }).cluster_id;
          } finally {
            db.close();
          }
        })();
        const before = sha256(readFileSync(dbPath));
        await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
        const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
        const options = { hosts: cluster.hosts, zone: 'test', clusterId, token: snapshotToken, self: 'restorer' };
        const attempt = async (bytes: Uint8Array, published: SnapshotInfo, sent: SnapshotInfo = published) => {
          serving = { bytes, info: sent };
          await etcd.put('/smartchain/test/snapshot/fake').value(JSON.stringify(published));
          return restoreFrom(etcd, dbPath, 'fake', url, options).then(() => 'installed', (error: Error) => (error instanceof SnapshotRefused ? error.code : error.message));
        };

        const flipped = Uint8Array.from(good);
        for (let index = 4096; index < 8192; index++) flipped[index] ^= 0x5a; // the second page, a b-tree page
        assert.is(await attempt(flipped, info), 'SNAPSHOT_CORRUPT', 'bytes other than the published SHA-256');
        const corruptInfo = { ...info, sha256: sha256(flipped) };
        assert.is(await attempt(flipped, corruptInfo), 'SNAPSHOT_CORRUPT', 'damaged pages, even when a peer published their hash');
        const wrongDigest = { ...info, digest: 'f'.repeat(64) };
        assert.is(await attempt(good, wrongDigest), 'SNAPSHOT_DIGEST_MISMATCH', 'a state other than the published digest');
        assert.is(await attempt(good, info, { ...info, revision: info.revision + 1 }), 'SNAPSHOT_DIGEST_MISMATCH', 'headers that disagree with what the cluster holds');
        assert.is(await attempt(good, { ...info, revision: info.revision + 1 }), 'SNAPSHOT_REVISION_MISMATCH', 'a revision other than the store says');
        assert.is(sha256(readFileSync(dbPath)), before, 'the old store is kept, byte for byte');
        assert.is(existsSync(restorePath(dbPath)), false, 'no temporary file is left');
        // The same path installs a good snapshot.
        assert.is(await attempt(good, info), 'installed');
        const db = new Database(dbPath, { readonly: true });
        try {
          assert.is((db.pragma('integrity_check', { simple: true }) as string), 'ok');
        } finally {
          db.close();
        }
      } finally {
        etcd.close();
        peer.close();
        removeDir(dir);
      }
    });
  });
}

test.run();
