// Helpers for the federation tests: a real etcd cluster on loopback, real aggregator processes sharing
// one consortium key, members that sign records with real proof-of-time tokens, and an HTTP client that
// reports an unreachable aggregator as an unknown outcome instead of throwing.
import { ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { encodeToken, tokenMessage } from '../../firmware/frames';
import { LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { recordIdHost } from '../../host-tools/aggregator/aggregator';
import { macHost } from '../../host-tools/crypto/token-key';
import { call } from '../../host-tools/loadgen/loadgen';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
export const AGGREGATOR_START_MS = 30000;
export const SLOT_MS = 60000;

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
        'host-tools/cli/bin.js', 'aggregator', '--db', join(this.dir, 'a.sqlite'), '--http', '127.0.0.1:0', '--auction-ms', '0', '--workers', '0',
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

/** `slot`: the member's next proof-of-time slot; one record per member per slot (checkSlotFree). */
export type Member = { id: number; seed: Uint8Array; key: KeyObject; tokenKey: Uint8Array; seq: number; slot: number };

/** Records take consecutive slots from this many back: well within the aggregator's 24-hour age limit. */
const SLOTS_BACK = 1000;

/** Registers a member through one aggregator's API (a consortium-signed membership record). */
export async function register(url: string, adminToken: string, seedByte: number, grant: number): Promise<Member> {
  const seed = new Uint8Array(32).fill(seedByte);
  const publicKey = Buffer.from(keyPairFromSeed(seed).publicKey).toString('hex');
  const answer = await request(url, 'POST', '/v1/members', JSON.stringify({ public_key: publicKey, grant }), { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' });
  if (answer.status !== 201) throw new Error(`registering failed: ${answer.status} ${JSON.stringify(answer.json)}`);
  return {
    id: answer.json.id as number, seed, key: createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
    tokenKey: new Uint8Array(Buffer.from(answer.json.token_key as string, 'hex')), seq: 0, slot: Math.floor(Date.now() / SLOT_MS) - SLOTS_BACK,
  };
}

/** A record of `issuer` with tokens from two other members; `seq` and the time default to the issuer's next seq and slot. */
export function signedRecord(members: Member[], issuer: Member, fields: Partial<LedgerRecord>, parents: Uint8Array[]): { bytes: Uint8Array; id: string } {
  const granters = members.filter((entry) => entry !== issuer).slice(0, 2).sort((a, b) => a.id - b.id);
  const seq = fields.seq ?? ++issuer.seq;
  const timeMs = fields.timeMs ?? issuer.slot++ * SLOT_MS + 1000;
  const record: LedgerRecord = {
    kind: 2, issuer: issuer.id, seq, timeMs, parents, pot: granters.map((entry) => entry.id), energyWh: 1000, ecash: 300, ...fields,
  };
  const payload = encodePayload(record);
  const signature = new Uint8Array(sign(null, bytesToSign(payload), issuer.key));
  const slot = Math.floor(timeMs / SLOT_MS);
  const tokens = granters.map((granter) => encodeToken({ granter: granter.id, requester: issuer.id, seq, slot, mac: macHost(granter.tokenKey, tokenMessage(granter.id, issuer.id, seq, slot)) }));
  return { bytes: encodeRecord(payload, signature, tokens), id: recordIdHost(payload, signature).toString('hex') };
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

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
