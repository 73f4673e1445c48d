// A federated aggregator's snapshot: its whole SQLite store at one applied revision, so an aggregator
// whose history the cluster compacted away can restart from a peer's state (docs/federation.md,
// "Restore from a peer"). Taking: `VACUUM INTO` a new file (SQLite's consistent copy, made in one
// synchronous statement, so nothing is applied meanwhile and the copy reflects exactly one revision).
// Installing: the bytes are verified (SHA-256 as published, PRAGMA integrity_check, the zone and cluster,
// the revision and the state digest as published) before anything is replaced; then fsync and rename
// over the store (rename(2) is atomic: after a kill -9 the path holds the old store or the new one).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { stateDigest } from './digest';

/** A snapshot larger than this is refused: etcd's backend quota (2 GB) bounds the ledger alike. */
export const SNAPSHOT_BYTES_MAX = 2 * 1024 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

/** What a peer publishes about the snapshot it serves (in etcd, under snapshot/<name>, and as headers). */
export type SnapshotInfo = { revision: number; digest: string; sha256: string; bytes: number };

/** A snapshot that is not installed; the store was left as it was. */
export class SnapshotRefused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * The bearer token a zone's aggregators present to each other's snapshot endpoint: derived from the
 * consortium key every aggregator of the zone must share, so no new secret has to be distributed.
 */
export function snapshotToken(consortiumSeed: Uint8Array): string {
  return createHmac('sha256', Buffer.from(consortiumSeed)).update('smartchain federation snapshot v1').digest('hex');
}

/** SHA-256 of a file, read in chunks. */
export function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(READ_CHUNK_BYTES);
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      hash.update(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The applied revision recorded in a store for a zone, or null when it has none. */
function appliedIn(db: Database.Database, zone: string): { cluster_id: string; revision: number } | null {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'federation_applied'").get();
  if (table === undefined) return null;
  return (db.prepare('SELECT cluster_id, revision FROM federation_applied WHERE zone = ?').get(zone) as { cluster_id: string; revision: number } | undefined) ?? null;
}

/** Copies the open store `db` to a new file beside it; the caller removes the file once served. */
export function takeSnapshot(db: Database.Database, zone: string): { path: string; info: SnapshotInfo } {
  const path = `${db.name}.snapshot-${randomBytes(6).toString('hex')}`;
  db.prepare('VACUUM INTO ?').run(path);
  try {
    const copy = new Database(path, { readonly: true });
    let revision: number;
    let digest: string;
    try {
      const applied = appliedIn(copy, zone);
      if (applied === null) throw new Error(`the store was never applied from zone ${zone}'s log`);
      revision = applied.revision;
      digest = stateDigest(copy);
    } finally {
      copy.close();
    }
    return { path, info: { revision, digest, sha256: fileSha256(path), bytes: statSync(path).size } };
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
}

/** The temporary file a snapshot is written to before it replaces the store at `dbPath`. */
export function restorePath(dbPath: string): string {
  return `${dbPath}.restore`;
}

function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Verifies the snapshot at restorePath(dbPath) against what its peer published and, if every check
 * passes, replaces the (closed) store at `dbPath` with it. Refused (SnapshotRefused, the temporary file
 * removed, the store untouched): bytes other than published (SNAPSHOT_CORRUPT), a file SQLite finds
 * damaged (SNAPSHOT_CORRUPT), another cluster's or zone's store (SNAPSHOT_FOREIGN), another revision
 * (SNAPSHOT_REVISION_MISMATCH) or another state (SNAPSHOT_DIGEST_MISMATCH) than published.
 */
export function installSnapshot(dbPath: string, published: SnapshotInfo, zone: string, clusterId: string): void {
  const temp = restorePath(dbPath);
  try {
    const bytes = statSync(temp).size;
    if (bytes !== published.bytes || fileSha256(temp) !== published.sha256) {
      throw new SnapshotRefused('SNAPSHOT_CORRUPT', `the snapshot's ${bytes} bytes are not the ${published.bytes} bytes with SHA-256 ${published.sha256} its peer published`);
    }
    let copy: Database.Database;
    try {
      copy = new Database(temp, { fileMustExist: true });
    } catch (error) {
      throw new SnapshotRefused('SNAPSHOT_CORRUPT', `the snapshot does not open as SQLite: ${(error as Error).message}`);
    }
    try {
      let check: string;
      try {
        check = (copy.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((row) => row.integrity_check).join('; ');
      } catch (error) {
        check = (error as Error).message;
      }
      if (check !== 'ok') throw new SnapshotRefused('SNAPSHOT_CORRUPT', `the snapshot fails SQLite's integrity check: ${check.slice(0, 200)}`);
      const applied = appliedIn(copy, zone);
      if (applied === null || applied.cluster_id !== clusterId) {
        throw new SnapshotRefused('SNAPSHOT_FOREIGN', `the snapshot was not applied from zone ${zone} of etcd cluster ${clusterId}`);
      }
      if (applied.revision !== published.revision) {
        throw new SnapshotRefused('SNAPSHOT_REVISION_MISMATCH', `the snapshot is at revision ${applied.revision}, its peer published ${published.revision}`);
      }
      const digest = stateDigest(copy);
      if (digest !== published.digest) {
        throw new SnapshotRefused('SNAPSHOT_DIGEST_MISMATCH', `the snapshot's state digest ${digest} is not ${published.digest}, published by its peer at revision ${published.revision}`);
      }
    } finally {
      // Closing the last connection checkpoints the copy and removes its -wal: one self-contained file.
      copy.close();
    }
    if (existsSync(`${temp}-wal`)) throw new SnapshotRefused('SNAPSHOT_CORRUPT', `${temp}-wal remained after closing the snapshot`);
    fsyncPath(temp, 'r+');
    // The old store's write-ahead log must be folded in and gone before the rename: SQLite would
    // otherwise apply the old store's log to the new file.
    if (existsSync(dbPath)) {
      const old = new Database(dbPath);
      try {
        old.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        old.close();
      }
      for (const suffix of ['-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
    }
    renameSync(temp, dbPath);
    fsyncPath(dirname(dbPath), 'r');
  } finally {
    rmSync(temp, { force: true });
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${temp}${suffix}`, { force: true });
  }
}
