// A small pool of worker threads that does a group's pure per-record work off the main thread: Ed25519
// verifications, through verifyHost (node:crypto behind the shared policy of firmware/crypto/policy.ts,
// so a verdict here is the verdict the main thread would reach), and SHA-512 digests (a record's id and
// its tokens' MACs are each one SHA-512 of an input the main thread builds). Pure: bytes in, verdicts and
// digests out; the main thread keeps every check that depends on the ledger's state, in order. Each
// batch travels as one transferred buffer each way.
import { hash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { verifyHost } from '../crypto/verify-host';

export type SignatureCheck = { message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array };

export const POOL_WORKERS_MAX = 16;
/** Checks in one message to a worker; server.ts asserts that its largest group fits. */
export const CHECKS_PER_BATCH_MAX = 8192;
const FIELD_BYTES_MAX = 0xffff;
/** Bytes of each digest returned: a record id (16) and a token MAC (32) are prefixes of SHA-512. */
export const DIGEST_BYTES = 32;
/** Digests in one message to a worker; server.ts asserts that its largest group fits. */
export const DIGESTS_PER_BATCH_MAX = 8192;

/** A group's work: signatures to verify and inputs to hash. */
export type PoolWork = { verdicts: boolean[]; digests: Uint8Array[] };

/**
 * The default pool size: one worker per core the process may use, less one for the main thread, which
 * parses HTTP, validates in order and commits (on two cores a second worker only competes with it).
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(POOL_WORKERS_MAX, availableParallelism() - 1));
}

/** Packs checks as [u16 length, bytes] for message, signature and key in turn, then each digest input as [u16 length, bytes]. */
function pack(checks: SignatureCheck[], inputs: Uint8Array[]): ArrayBuffer {
  let size = 0;
  for (const check of checks) size += 6 + check.message.length + check.signature.length + check.publicKey.length;
  for (const input of inputs) size += 2 + input.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  const put = (field: Uint8Array) => {
    if (field.length > FIELD_BYTES_MAX) throw new Error(`a pool work field of ${field.length} bytes is over ${FIELD_BYTES_MAX}`);
    view.setUint16(offset, field.length);
    bytes.set(field, offset + 2);
    offset += 2 + field.length;
  };
  for (const check of checks) {
    put(check.message);
    put(check.signature);
    put(check.publicKey);
  }
  for (const input of inputs) put(input);
  return bytes.buffer;
}

/** The worker's side: one byte per check (1 valid, 0 not), then DIGEST_BYTES of SHA-512 per input. */
function workPacked(buffer: ArrayBuffer, checkCount: number, inputCount: number): Uint8Array {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const out = new Uint8Array(checkCount + inputCount * DIGEST_BYTES);
  let offset = 0;
  const field = () => {
    const length = view.getUint16(offset);
    const value = bytes.subarray(offset + 2, offset + 2 + length);
    offset += 2 + length;
    return value;
  };
  for (let index = 0; index < checkCount; index++) {
    const message = field();
    const signature = field();
    const publicKey = field();
    out[index] = verifyHost(message, signature, publicKey) ? 1 : 0;
  }
  for (let index = 0; index < inputCount; index++) {
    // One-shot hashing: no Hash object (a native handle the collector must finalize) per digest.
    out.set(hash('sha512', field(), 'buffer').subarray(0, DIGEST_BYTES), checkCount + index * DIGEST_BYTES);
  }
  return out;
}

/**
 * The calling thread's id in the kernel (Linux: /proc/thread-self links to PID/task/TID), so a benchmark
 * can read each thread's CPU time from /proc; null where there is no such link.
 */
export function kernelThreadId(): number | null {
  try {
    const match = /\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

if (!isMainThread && (workerData as { verifyPool?: boolean } | null)?.verifyPool) {
  const port = parentPort as NonNullable<typeof parentPort>;
  port.on('message', (job: { buffer: ArrayBuffer; checks: number; inputs: number }) => {
    const out = workPacked(job.buffer, job.checks, job.inputs);
    port.postMessage(out, [out.buffer as ArrayBuffer]);
  });
  port.postMessage({ ready: true, threadId: kernelThreadId() });
}

type Pending = { resolve: (verdicts: Uint8Array) => void; reject: (error: unknown) => void };
type PoolWorker = { worker: Worker; pending: Pending[]; failure: Error | null; threadId: number | null };

export class VerifyPool {
  private constructor(private workers: PoolWorker[]) {}

  /** Starts `size` workers and resolves once each has loaded (about a second: each compiles its TypeScript). */
  static async start(size: number): Promise<VerifyPool> {
    if (!Number.isInteger(size) || size < 1 || size > POOL_WORKERS_MAX) throw new Error(`verify pool size must be 1..${POOL_WORKERS_MAX}, got ${size}`);
    // A worker starts without the TypeScript loader, so it registers it before importing this file.
    const loader = import.meta.resolve('tsx/esm/api');
    const source = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    const workers = await Promise.all(Array.from({ length: size }, () => new Promise<PoolWorker>((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: { verifyPool: true } });
      const entry: PoolWorker = { worker, pending: [], failure: null, threadId: null };
      // A worker keeps the process alive only while it has work, so an idle pool never holds up an exit.
      worker.on('message', (verdicts: Uint8Array | { ready: true; threadId: number | null }) => {
        if (!(verdicts instanceof Uint8Array)) {
          entry.threadId = verdicts.threadId;
          resolve(entry);
        } else (entry.pending.shift() as Pending).resolve(verdicts);
        if (entry.pending.length === 0) worker.unref();
      });
      // A worker that fails or exits fails its pending batches and every later one (the caller then
      // verifies on the main thread); it is not restarted.
      const fail = (error: Error) => {
        entry.failure ??= error;
        for (const pending of entry.pending.splice(0)) pending.reject(entry.failure);
        reject(entry.failure);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`signature worker exited with code ${code}`)));
    })));
    return new VerifyPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** The workers' kernel thread ids (kernelThreadId), where known. */
  threadIds(): number[] {
    return this.workers.flatMap((entry) => (entry.threadId === null ? [] : [entry.threadId]));
  }

  /** Verdicts in the order of `checks`, the work split evenly over the workers. */
  async verify(checks: SignatureCheck[]): Promise<boolean[]> {
    return (await this.work(checks, [])).verdicts;
  }

  /**
   * Verdicts in the order of `checks` and the first DIGEST_BYTES of SHA-512 of each input, in order; both
   * lists split evenly over the workers.
   */
  async work(checks: SignatureCheck[], inputs: Uint8Array[]): Promise<PoolWork> {
    if (checks.length > CHECKS_PER_BATCH_MAX) throw new Error(`${checks.length} signature checks in one batch, at most ${CHECKS_PER_BATCH_MAX}`);
    if (inputs.length > DIGESTS_PER_BATCH_MAX) throw new Error(`${inputs.length} digests in one batch, at most ${DIGESTS_PER_BATCH_MAX}`);
    const checkShare = Math.ceil(checks.length / this.workers.length);
    const inputShare = Math.ceil(inputs.length / this.workers.length);
    const parts: Promise<{ out: Uint8Array; checks: number; inputs: number }>[] = [];
    for (let index = 0; index < this.workers.length; index++) {
      const checkSlice = checks.slice(index * checkShare, (index + 1) * checkShare);
      const inputSlice = inputs.slice(index * inputShare, (index + 1) * inputShare);
      if (checkSlice.length === 0 && inputSlice.length === 0) continue;
      const entry = this.workers[index];
      parts.push(new Promise((resolve, reject) => {
        if (entry.failure !== null) return reject(entry.failure);
        entry.pending.push({ resolve: (out) => resolve({ out, checks: checkSlice.length, inputs: inputSlice.length }), reject });
        entry.worker.ref();
        const buffer = pack(checkSlice, inputSlice);
        entry.worker.postMessage({ buffer, checks: checkSlice.length, inputs: inputSlice.length }, [buffer]);
      }));
    }
    const result: PoolWork = { verdicts: [], digests: [] };
    const answers = await Promise.all(parts);
    for (const part of answers) for (let index = 0; index < part.checks; index++) result.verdicts.push(part.out[index] === 1);
    for (const part of answers) {
      for (let index = 0; index < part.inputs; index++) result.digests.push(part.out.subarray(part.checks + index * DIGEST_BYTES, part.checks + (index + 1) * DIGEST_BYTES));
    }
    return result;
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((entry) => entry.worker.terminate()));
  }
}
