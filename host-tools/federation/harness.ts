// Processes of a local federation, for the tests, the benchmark and the simulation: aggregator
// processes sharing one consortium key (as a zone's aggregators must), started and killed with -9, and
// an HTTP client that reports an unreachable aggregator as an unknown outcome instead of throwing.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { call } from '../loadgen/loadgen';

export const AGGREGATOR_START_MS = 30000;

export const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export type Answer = { status: number; json: Record<string, unknown> } | { status: 0; json: { code: string } };

/** One request; a refused or broken connection is status 0 (the outcome is unknown to the client). */
export async function request(url: string, method: string, path: string, body: Uint8Array | string | null, headers: Record<string, string> = {}): Promise<Answer> {
  try {
    return await call(agent, url, method, path, body, headers);
  } catch (error) {
    return { status: 0, json: { code: (error as NodeJS.ErrnoException).code ?? 'NETWORK' } };
  }
}

export class AggregatorProcess {
  child: ChildProcess | null = null;
  url = '';
  output = '';

  constructor(readonly dir: string, readonly clusterUrl: string, readonly zone: string) {}

  /** Starts (or starts again) the aggregator on its database; resolves once it listens. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.output = '';
      const child = spawn(process.execPath, [
        'host-tools/cli/bin.js', 'aggregator', '--db', join(this.dir, 'a.sqlite'), '--create', '--http', '127.0.0.1:0', '--auction-ms', '0', '--workers', '0',
        '--cluster', this.clusterUrl, '--zone', this.zone,
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.child = child;
      const timer = setTimeout(() => reject(new Error(`aggregator did not start within ${AGGREGATOR_START_MS} ms: ${this.output}`)), AGGREGATOR_START_MS);
      const read = (chunk: Buffer) => {
        this.output += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(this.output);
        if (match) {
          clearTimeout(timer);
          this.url = match[1];
          resolve();
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = null;
        clearTimeout(timer);
        reject(new Error(`aggregator exited (${code ?? signal}): ${this.output}`));
      });
    });
  }

  /** kill -9: no shutdown, as a crash. Resolves once the process is gone. */
  kill(): Promise<void> {
    const child = this.child;
    if (child === null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** Aggregator directories that share one consortium key and admin token, as a zone's aggregators must. */
export function aggregatorDirs(root: string, count: number): string[] {
  const consortium = randomBytes(32).toString('hex') + '\n';
  const admin = randomBytes(32).toString('hex') + '\n';
  return Array.from({ length: count }, (_, index) => {
    const dir = join(root, `aggregator-${index}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'consortium.key'), consortium, { mode: 0o600 });
    writeFileSync(join(dir, 'admin.token'), admin, { mode: 0o600 });
    return dir;
  });
}

export function adminTokenOf(dir: string): string {
  return readFileSync(join(dir, 'admin.token'), 'utf8').trim();
}

export function post(url: string, bytes: Uint8Array): Promise<Answer> {
  return request(url, 'POST', '/v1/records', bytes, { 'content-type': 'application/cbor' });
}

export type Stats = { records: number; members: number; ecash_total: number; trades_committed: number; federation: { revision: number; digest: string } };

export async function stats(url: string): Promise<Stats> {
  const answer = await request(url, 'GET', '/v1/stats', null);
  if (answer.status !== 200) throw new Error(`stats of ${url}: ${answer.status}`);
  return answer.json as unknown as Stats;
}

/** Waits until every aggregator reports the same applied revision twice in a row; returns their stats. */
export async function converged(urls: string[], waitMs: number): Promise<Stats[]> {
  const deadline = Date.now() + waitMs;
  let previous = -1;
  for (;;) {
    const all = await Promise.all(urls.map(stats));
    const revisions = new Set(all.map((entry) => entry.federation.revision));
    const revision = all[0].federation.revision;
    if (revisions.size === 1 && revision === previous) return all;
    previous = revisions.size === 1 ? revision : -1;
    if (Date.now() > deadline) throw new Error(`aggregators did not converge within ${waitMs} ms: ${all.map((entry) => entry.federation.revision).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

