// A small pool of worker threads that verifies Ed25519 signatures (a record's own and its proof-of-time
// tokens) off the main thread, through verifyHost: node:crypto behind the shared policy of
// firmware/crypto/policy.ts, so a verdict here is the verdict the main thread would reach. Verification is
// pure (message, signature, key in; true or false out): the main thread keeps every check that depends on
// the ledger's state, in order. Each batch travels as one transferred buffer each way.
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { verifyHost } from '../crypto/verify-host';

export type SignatureCheck = { message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array };

export const POOL_WORKERS_MAX = 16;
/** Checks in one message to a worker; server.ts asserts that its largest group fits. */
export const CHECKS_PER_BATCH_MAX = 8192;
const FIELD_BYTES_MAX = 0xffff;

/**
 * The default pool size: one worker per core the process may use, less one for the main thread, which
 * parses HTTP, validates in order and commits (on two cores a second worker only competes with it).
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(POOL_WORKERS_MAX, availableParallelism() - 1));
}

/** Packs checks as [u16 length, bytes] for message, signature and key in turn. */
function pack(checks: SignatureCheck[]): ArrayBuffer {
  let size = 0;
  for (const check of checks) size += 6 + check.message.length + check.signature.length + check.publicKey.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const check of checks) {
    for (const field of [check.message, check.signature, check.publicKey]) {
      if (field.length > FIELD_BYTES_MAX) throw new Error(`a signature check field of ${field.length} bytes is over ${FIELD_BYTES_MAX}`);
      view.setUint16(offset, field.length);
      bytes.set(field, offset + 2);
      offset += 2 + field.length;
    }
  }
  return bytes.buffer;
}

/** The worker's side: verifies every packed check, answers one byte per check (1 valid, 0 not). */
function verifyPacked(buffer: ArrayBuffer, count: number): Uint8Array {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const verdicts = new Uint8Array(count);
  let offset = 0;
  const field = () => {
    const length = view.getUint16(offset);
    const value = bytes.subarray(offset + 2, offset + 2 + length);
    offset += 2 + length;
    return value;
  };
  for (let index = 0; index < count; index++) {
    const message = field();
    const signature = field();
    const publicKey = field();
    verdicts[index] = verifyHost(message, signature, publicKey) ? 1 : 0;
  }
  return verdicts;
}

if (!isMainThread && (workerData as { verifyPool?: boolean } | null)?.verifyPool) {
  const port = parentPort as NonNullable<typeof parentPort>;
  port.on('message', (job: { buffer: ArrayBuffer; count: number }) => {
    const verdicts = verifyPacked(job.buffer, job.count);
    port.postMessage(verdicts, [verdicts.buffer as ArrayBuffer]);
  });
  port.postMessage('ready');
}

type Pending = { resolve: (verdicts: Uint8Array) => void; reject: (error: unknown) => void };
type PoolWorker = { worker: Worker; pending: Pending[]; failure: Error | null };

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
      const entry: PoolWorker = { worker, pending: [], failure: null };
      // A worker keeps the process alive only while it has work, so an idle pool never holds up an exit.
      worker.on('message', (verdicts: Uint8Array | 'ready') => {
        if (verdicts === 'ready') resolve(entry);
        else (entry.pending.shift() as Pending).resolve(verdicts);
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

  /** Verdicts in the order of `checks`, the work split evenly over the workers. */
  async verify(checks: SignatureCheck[]): Promise<boolean[]> {
    if (checks.length > CHECKS_PER_BATCH_MAX) throw new Error(`${checks.length} signature checks in one batch, at most ${CHECKS_PER_BATCH_MAX}`);
    const share = Math.ceil(checks.length / this.workers.length);
    const parts: Promise<Uint8Array>[] = [];
    for (let start = 0, index = 0; start < checks.length; start += share, index++) {
      const slice = checks.slice(start, start + share);
      const entry = this.workers[index];
      parts.push(new Promise((resolve, reject) => {
        if (entry.failure !== null) return reject(entry.failure);
        entry.pending.push({ resolve, reject });
        entry.worker.ref();
        const buffer = pack(slice);
        entry.worker.postMessage({ buffer, count: slice.length }, [buffer]);
      }));
    }
    const verdicts: boolean[] = [];
    for (const part of await Promise.all(parts)) for (const verdict of part) verdicts.push(verdict === 1);
    return verdicts;
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((entry) => entry.worker.terminate()));
  }
}
