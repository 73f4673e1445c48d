// Helpers for the federation tests: members registered through an aggregator's API that sign records
// with real proof-of-time tokens, one record per member per slot. The processes are host-tools/federation/harness.ts.
import { KeyObject } from 'node:crypto';
import { signHost, signingKey } from '../../host-tools/crypto/host-signing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from '../../host-tools/federation/cluster';
import { AggregatorProcess, adminTokenOf, aggregatorDirs } from '../../host-tools/federation/harness';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { encodeToken, tokenMessage } from '../../firmware/frames';
import { LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { recordIdHost } from '../../host-tools/aggregator/aggregator';
import { macHost } from '../../host-tools/crypto/token-key';
import { post, request } from '../../host-tools/federation/harness';

export { AggregatorProcess, adminTokenOf, aggregatorDirs, converged, post, request, stats } from '../../host-tools/federation/harness';

export const SLOT_MS = 60000;

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
    id: answer.json.id as number, seed, key: signingKey(seed),
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
  const signature = signHost(bytesToSign(payload), issuer.key);
  const slot = Math.floor(timeMs / SLOT_MS);
  const tokens = granters.map((granter) => encodeToken({ granter: granter.id, requester: issuer.id, seq, slot, mac: macHost(granter.tokenKey, tokenMessage(granter.id, issuer.id, seq, slot)) }));
  return { bytes: encodeRecord(payload, signature, tokens), id: recordIdHost(payload, signature).toString('hex') };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const TEST_MS = 150000;
export const CONVERGE_MS = 30000;

/** Resolves with `work`, or rejects once TEST_MS passed (the caller's finally still cleans up). */
export async function bounded(name: string, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} took over ${TEST_MS} ms`)), TEST_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `body` with a cluster and three aggregators, and stops and removes them all afterwards. */
export async function withFederation(name: string, body: (cluster: LocalCluster, aggregators: AggregatorProcess[], token: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), `smartchain-federation-${name}-`));
  let cluster: LocalCluster | null = null;
  const aggregators: AggregatorProcess[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = async () => {
      cluster = await LocalCluster.start(join(root, 'etcd'), 3);
      const dirs = aggregatorDirs(root, 3);
      for (const dir of dirs) aggregators.push(new AggregatorProcess(dir, cluster.url, 'test'));
      await Promise.all(aggregators.map((aggregator) => aggregator.start()));
      await body(cluster, aggregators, adminTokenOf(dirs[0]));
    };
    await Promise.race([run(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} took over ${TEST_MS} ms`)), TEST_MS)))]);
  } finally {
    clearTimeout(timer);
    await Promise.all(aggregators.map((aggregator) => aggregator.kill()));
    await (cluster as LocalCluster | null)?.stop();
    removeDir(root);
  }
}
