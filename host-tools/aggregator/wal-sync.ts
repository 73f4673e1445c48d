// The write-ahead log's fsync off the main thread. With synchronous=FULL, SQLite fsyncs the log inside
// COMMIT, on the thread that commits: the aggregator's main thread stood still for every fsync, when it
// could validate the next group meanwhile. A group committed with synchronous=NORMAL has its log frames
// written but not yet synced (https://sqlite.org/pragma.html#pragma_synchronous); this syncs the log
// file with fdatasync on libuv's thread pool, and a group is acknowledged only once a sync that began
// after its COMMIT has finished. Frames are appended in commit order and recovery stops at the first
// frame whose checksum chain breaks (https://sqlite.org/fileformat2.html#walformat), so a record can never
// be durable while a record it was validated against is not. kill -9 loses nothing written either way
// (the frames are in the kernel's page cache); the sync is for a power cut or a kernel crash.
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

type Waiter = { resolve: () => void; reject: (error: unknown) => void };

export class WalSync {
  private fd: number | null = null;
  /** Waiters of the sync in progress (they committed before it began); null when none runs. */
  private running: Waiter[] | null = null;
  /** Waiters that committed after the sync in progress began: they need the next one. */
  private next: Waiter[] = [];

  constructor(private walPath: string) {}

  private file(): number {
    // Opened on first use: the log exists once a write transaction has committed.
    this.fd ??= openSync(this.walPath, 'r');
    return this.fd;
  }

  /** Resolves once every log frame written before this call is on stable storage. */
  durable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.next.push({ resolve, reject });
      if (this.running === null) this.start();
    });
  }

  /** Syncs at once on this thread (for a caller that must be durable when it returns). */
  durableNow(): void {
    fdatasyncSync(this.file());
  }

  private start(): void {
    this.running = this.next.splice(0);
    let fd: number;
    try {
      fd = this.file();
    } catch (error) {
      return this.finish(error);
    }
    fdatasync(fd, (error) => this.finish(error));
  }

  private finish(error: unknown): void {
    const waiters = this.running ?? [];
    this.running = null;
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
    // Groups committed during that sync start the next one: at most one sync runs at a time.
    if (this.next.length > 0) this.start();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
