// Restore from a peer: an aggregator whose saved revision the cluster compacted away replaces its store
// with a live peer's snapshot and resumes watching from the snapshot's revision (docs/federation.md).
// Peers are found in etcd (peer/<name> holds each aggregator's API URL); the snapshot comes from the
// peer's authenticated GET /v1/snapshot, and what the peer published about it in etcd (snapshot/<name>:
// revision, state digest, SHA-256, size) must match the bytes and the headers before it is installed.
// Bounds: PEERS_TRIED_MAX peers, FETCH_MS per download, SNAPSHOT_BYTES_MAX bytes.
import { createWriteStream, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { Etcd3 } from 'etcd3';
import type { Aggregator } from '../aggregator/aggregator';
import { EtcdLedgerLog, EtcdLogOptions, HistoryCompacted } from './etcd-log';
import { SNAPSHOT_BYTES_MAX, SnapshotInfo, SnapshotRefused, installSnapshot, restorePath } from './snapshot';

export const PEERS_TRIED_MAX = 16;
export const FETCH_MS = 120000;
export const RESTORES_MAX = 2;

export type RestoreOptions = {
  hosts: string[]; zone: string; clusterId: string; token: string; self: string;
  /** Told before each peer is asked (the command line prints it). */
  onPeer?: (peer: string, url: string) => void;
};
export type Restored = { peer: string; revision: number; bytes: number; ms: number };

const base = (zone: string) => `/smartchain/${zone}/`;

function parseInfo(text: string | null | undefined): SnapshotInfo | null {
  if (typeof text !== 'string') return null;
  try {
    const value = JSON.parse(text) as SnapshotInfo;
    const ok = Number.isSafeInteger(value.revision) && value.revision > 0 && /^[0-9a-f]{64}$/.test(value.digest)
      && /^[0-9a-f]{64}$/.test(value.sha256) && Number.isSafeInteger(value.bytes) && value.bytes > 0;
    return ok ? { revision: value.revision, digest: value.digest, sha256: value.sha256, bytes: value.bytes } : null;
  } catch {
    return null;
  }
}

/**
 * Downloads `peer`'s snapshot to restorePath(dbPath), checks it against what the peer published in etcd
 * and installs it over the (closed) store at `dbPath`. SnapshotRefused when anything disagrees; the
 * store is then as it was.
 */
export async function restoreFrom(client: Etcd3, dbPath: string, peer: string, url: string, options: RestoreOptions): Promise<Restored> {
  const started = Date.now();
  const temp = restorePath(dbPath);
  let response: Response;
  try {
    response = await fetch(`${url}/v1/snapshot`, { headers: { authorization: `Bearer ${options.token}` }, signal: AbortSignal.timeout(FETCH_MS) });
  } catch (error) {
    throw new SnapshotRefused('PEER_UNREACHABLE', `peer ${peer} at ${url}: ${(error as Error).message}`);
  }
  if (response.status !== 200 || response.body === null) {
    await response.body?.cancel();
    throw new SnapshotRefused('PEER_REFUSED', `peer ${peer} answered ${response.status} to GET /v1/snapshot`);
  }
  const declared = parseInfo(response.headers.get('x-snapshot'));
  if (declared === null || declared.bytes > SNAPSHOT_BYTES_MAX) {
    await response.body.cancel();
    throw new SnapshotRefused('PEER_REFUSED', `peer ${peer} sent no valid x-snapshot header, or a snapshot over ${SNAPSHOT_BYTES_MAX} bytes`);
  }
  let received = 0;
  const bounded = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(received > declared.bytes ? new SnapshotRefused('SNAPSHOT_CORRUPT', `peer ${peer} sent more than the ${declared.bytes} bytes it declared`) : null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), bounded, createWriteStream(temp, { mode: 0o600 }));
  } catch (error) {
    rmSync(temp, { force: true });
    if (error instanceof SnapshotRefused) throw error;
    throw new SnapshotRefused('PEER_UNREACHABLE', `download from peer ${peer} broke: ${(error as Error).message}`);
  }
  // What the peer published through the cluster, not only what came over HTTP.
  const published = parseInfo(await client.get(`${base(options.zone)}snapshot/${peer}`).string());
  if (published === null || JSON.stringify(published) !== JSON.stringify(declared)) {
    rmSync(temp, { force: true });
    throw new SnapshotRefused('SNAPSHOT_DIGEST_MISMATCH', `peer ${peer} published ${JSON.stringify(published)} in the cluster but sent ${JSON.stringify(declared)}`);
  }
  // The cluster must still hold the history after the snapshot's revision, or the watch could not resume.
  const current = Number((await client.get(`${base(options.zone)}consortium`).exec()).header.revision);
  if (published.revision < current) {
    const held = await client.get(`${base(options.zone)}consortium`).revision(String(published.revision + 1)).exec().then(() => true, () => false);
    if (!held) {
      rmSync(temp, { force: true });
      throw new SnapshotRefused('SNAPSHOT_STALE', `peer ${peer}'s snapshot at revision ${published.revision} is below the cluster's compacted history`);
    }
  }
  installSnapshot(dbPath, published, options.zone, options.clusterId);
  return { peer, revision: published.revision, bytes: published.bytes, ms: Date.now() - started };
}

/**
 * Restores the store at `dbPath` from the first peer of the zone whose snapshot passes every check and
 * whose revision the cluster still holds the history after; the reasons of every refusal otherwise.
 */
export async function restoreFromPeers(dbPath: string, options: RestoreOptions): Promise<Restored> {
  const client = new Etcd3({ hosts: options.hosts, dialTimeout: 3000 });
  const refusals: string[] = [];
  try {
    const peers = await client.getAll().prefix(`${base(options.zone)}peer/`).limit(PEERS_TRIED_MAX + 1).strings();
    for (const [key, url] of Object.entries(peers)) {
      const peer = key.slice(`${base(options.zone)}peer/`.length);
      if (peer === options.self) continue;
      try {
        options.onPeer?.(peer, url);
        const restored = await restoreFrom(client, dbPath, peer, url, options);
        return restored;
      } catch (error) {
        refusals.push(`${peer}: ${error instanceof SnapshotRefused ? `${error.code} ` : ''}${(error as Error).message}`);
      }
    }
  } finally {
    client.close();
  }
  throw new SnapshotRefused('NO_PEER_SNAPSHOT', `no peer of zone ${options.zone} gave a snapshot that passes: ${refusals.join('; ') || 'no peer registered'}`);
}

/** Files a kill -9 may have left beside the store: a download never installed, snapshots never served. */
function removeLeftovers(dbPath: string): void {
  const prefix = `${basename(dbPath)}.snapshot-`;
  for (const name of readdirSync(dirname(dbPath))) if (name.startsWith(prefix)) rmSync(join(dirname(dbPath), name), { force: true });
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${restorePath(dbPath)}${suffix}`, { force: true });
}

/**
 * Opens the etcd log for the store at `dbPath`; when the cluster compacted away the history the store
 * needs next, closes the store, restores it from a peer and opens again, at most RESTORES_MAX times
 * (a peer may compact further meanwhile). `open` opens the store afresh each time.
 */
export async function openFederated(
  dbPath: string, open: () => Aggregator, options: EtcdLogOptions, token: string, onPeer?: (peer: string, url: string) => void,
): Promise<{ aggregator: Aggregator; log: EtcdLedgerLog; restored: Restored | null }> {
  removeLeftovers(dbPath);
  let restored: Restored | null = null;
  for (let attempt = 0; ; attempt++) {
    const aggregator = open();
    try {
      return { aggregator, log: await EtcdLedgerLog.open(aggregator, options), restored };
    } catch (error) {
      const name = options.name ?? Buffer.from(aggregator.aggregatorPublicKey).toString('hex').slice(0, 16);
      aggregator.close();
      if (!(error instanceof HistoryCompacted) || attempt >= RESTORES_MAX) throw error;
      restored = await restoreFromPeers(dbPath, { hosts: options.hosts, zone: options.zone, clusterId: error.clusterId, token, self: name, onPeer });
    }
  }
}
