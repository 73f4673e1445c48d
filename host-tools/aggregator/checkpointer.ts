// WAL checkpoints on a thread of their own. SQLite checkpoints the write-ahead log from inside a COMMIT once
// the log passes wal_autocheckpoint pages: it copies every changed page into the database file and
// fsyncs it, on the thread that committed, so the aggregator's main thread (HTTP, validation in order,
// commits) stood still for it (a third of the commit time, profiled under loadgen). Here a worker thread
// holds a second connection and runs PASSIVE checkpoints (they never block the writer or readers) every
// CHECKPOINT_INTERVAL_MS; the main connection keeps a far higher threshold as a backstop should this thread
// fall behind. Durability is unchanged: each commit's log is still fsynced before it is acknowledged
// (synchronous=FULL, or wal-sync.ts for the server's groups), and a checkpoint only moves committed pages (https://sqlite.org/wal.html#ckpt).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export const CHECKPOINT_INTERVAL_MS = 100;
/** The main connection's own threshold while a checkpointer runs (4 KiB pages: 64 MiB of log). */
export const BACKSTOP_CHECKPOINT_PAGES = 16384;
/** SQLite's default threshold, restored when the checkpointer stops. */
const DEFAULT_CHECKPOINT_PAGES = 1000;

// CommonJS, evaluated in the worker: no TypeScript loader needed for a dozen lines.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
// This thread's kernel id (Linux), for a benchmark's CPU time per thread.
let threadId = null;
try {
  threadId = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()) || null;
} catch (error) {
  threadId = null;
}
parentPort.postMessage({ threadId });
const db = new Database(workerData.path);
db.pragma('synchronous = FULL');
let failure = null;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Reported once: the main connection's backstop threshold still bounds the log.
    if (failure === null) parentPort.postMessage({ failure: (failure = String(error.message)) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class Checkpointer {
  /** The thread's kernel id once it has started (Linux), else null. */
  threadId: number | null = null;

  private constructor(private worker: Worker, private db: Database.Database) {}

  /** Starts checkpointing the store at `path`, opened by `db` (the main connection) in WAL mode. */
  static start(db: Database.Database, path: string): Checkpointer {
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, path, intervalMs: CHECKPOINT_INTERVAL_MS } });
    const checkpointer = new Checkpointer(worker, db);
    worker.on('message', (message: { failure?: string; threadId?: number | null }) => {
      if (message.failure !== undefined) console.error(`background checkpoint failed (the commits checkpoint instead): ${message.failure}`);
      else checkpointer.threadId = message.threadId ?? null;
    });
    worker.unref();
    return checkpointer;
  }

  /** Stops the thread once its connection is closed; the main connection checkpoints by itself again. */
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // Unreferenced while it runs (it never holds the process up); awaited now, so referenced again.
    this.worker.ref();
    this.worker.postMessage('stop');
    await exited;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
  }
}
