// The aggregator's HTTP API (docs/api.md), JSON under /v1, on node:http. Bad input gets a 4xx with
// {"code", "message"} and stores nothing. Limits: request body bytes, requests per second per client
// address (token bucket), and open connections.
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Aggregator, PreparedRecord, SubmitResult } from './aggregator';
import { POT_GRANTERS_MAX } from '../../firmware/records';
import { CHECKS_PER_BATCH_MAX, VerifyPool } from './verify-pool';
import { ClusterUnavailable, LedgerLog, LocalLedgerLog } from '../federation/ledger-log';

export const BODY_BYTES_MAX = 4096;
export const CONNECTIONS_MAX = 256;
export const REQUESTS_PER_S_MAX = 20000;
const CLIENTS_TRACKED_MAX = 4096;

export type ServerOptions = {
  host: string; port: number; adminToken: string; requestsPerSecond?: number; verifyPool?: VerifyPool | null;
  /** Where validated groups are committed: the embedded SQLite store unless a federation's log is given. */
  ledgerLog?: LedgerLog;
};

class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
  }
}

/** Reads (or creates, mode 0600) a 32-byte secret kept as hex next to the database. */
export function loadSecret(path: string): Uint8Array {
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${path} is not 32 bytes of hex`);
    return new Uint8Array(Buffer.from(text, 'hex'));
  }
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(path, secret.toString('hex') + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return new Uint8Array(secret);
}

export function secretsFor(dbPath: string) {
  const directory = dirname(dbPath);
  return {
    consortiumSeed: loadSecret(join(directory, 'consortium.key')),
    aggregatorSeed: loadSecret(join(directory, 'aggregator.key')),
    adminToken: Buffer.from(loadSecret(join(directory, 'admin.token'))).toString('hex'),
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > BODY_BYTES_MAX) {
      reject(new ApiError(413, 'BODY_TOO_LARGE', `body of ${declared} bytes, at most ${BODY_BYTES_MAX}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_BYTES_MAX) {
        reject(new ApiError(413, 'BODY_TOO_LARGE', `body over ${BODY_BYTES_MAX} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function memberId(text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new ApiError(400, 'BAD_MEMBER_ID', 'member id must be an integer');
  return Number(text);
}

export const GROUP_COMMIT_MAX = 512;
// A group's signature checks (a record's own and one per token) must fit one message to the pool.
if (GROUP_COMMIT_MAX * (1 + POT_GRANTERS_MAX) > CHECKS_PER_BATCH_MAX) throw new Error('GROUP_COMMIT_MAX groups overflow CHECKS_PER_BATCH_MAX');

type Waiting = {
  bytes: Uint8Array; resolve: (result: SubmitResult) => void; reject: (error: unknown) => void; prepared: PreparedRecord | null; verified: boolean;
};

/**
 * Group commit: records that arrive while the main thread is busy join the next transaction, so under
 * load groups grow and one fsync serves many acknowledgements; each acknowledgement still waits for its
 * own record to be durable. With a verify pool the groups are double-buffered: while the pool verifies
 * one group's signatures, the main thread commits the group before it and the next one gathers. The
 * main thread validates every record in arrival order against the state the records before it left,
 * exactly as without a pool. Both lists hold only requests in progress, which the connection limit bounds.
 */
function groupCommitter(aggregator: Aggregator, pool: VerifyPool | null, log: LedgerLog) {
  const incoming: Waiting[] = [];
  const ordered: Waiting[] = [];
  let verifying = false;
  let scheduled = false;
  const step = () => {
    scheduled = false;
    if (incoming.length > 0 && !verifying) {
      const batch = incoming.splice(0, GROUP_COMMIT_MAX);
      for (const entry of batch) entry.prepared = aggregator.prepare(entry.bytes, pool !== null);
      ordered.push(...batch);
      if (pool === null) for (const entry of batch) entry.verified = true;
      else {
        // If the pool fails, the batch commits without verdicts: every signature is verified here.
        verifying = true;
        pool.verify(batch.flatMap((entry) => (entry.prepared as PreparedRecord).checks)).then(
          (verdicts) => {
            let next = 0;
            for (const entry of batch) {
              const prepared = entry.prepared as PreparedRecord;
              prepared.verdicts = verdicts.slice(next, (next += prepared.checks.length));
            }
          },
          () => undefined,
        ).finally(() => {
          verifying = false;
          for (const entry of batch) entry.verified = true;
          schedule();
        });
      }
    }
    let ready = 0;
    while (ready < ordered.length && ready < GROUP_COMMIT_MAX && ordered[ready].verified) ready++;
    if (ready > 0) {
      const group = ordered.splice(0, ready);
      // The federation hook (host-tools/federation/ledger-log.ts): the local log commits at once, as
      // before; a cluster's log resolves once the group is committed there and applied here.
      log.commit(group.map((entry) => entry.prepared as PreparedRecord)).then(
        (results) => group.forEach((entry, index) => entry.resolve(results[index])),
        (error) => {
          for (const entry of group) entry.reject(error);
        },
      );
    }
    if ((incoming.length > 0 && !verifying) || (ordered.length > 0 && ordered[0].verified)) schedule();
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(step);
    }
  };
  return (bytes: Uint8Array) =>
    new Promise<SubmitResult>((resolve, reject) => {
      incoming.push({ bytes, resolve, reject, prepared: null, verified: false });
      schedule();
    });
}

/** Membership attempts: in a federation another aggregator may take the next member id first. */
const ADMIT_ATTEMPTS_MAX = 4;

/** Admits a member through the same commit path as every record, so a federation's log orders it too. */
async function admit(aggregator: Aggregator, submit: (bytes: Uint8Array) => Promise<SubmitResult>, publicKey: Uint8Array, grant: number) {
  for (let attempt = 1; ; attempt++) {
    const membership = aggregator.membershipRecord(publicKey, grant);
    if (!membership.ok) return membership;
    const result = await submit(membership.bytes);
    if (result.ok) return { ok: true as const, id: membership.id, record: result.id };
    if (attempt >= ADMIT_ATTEMPTS_MAX || (result.code !== 'EQUIVOCATION' && result.code !== 'MEMBER_EXISTS')) return result;
  }
}

export function startServer(aggregator: Aggregator, options: ServerOptions): Promise<Server> {
  const log = options.ledgerLog ?? new LocalLedgerLog(aggregator);
  const submit = groupCommitter(aggregator, options.verifyPool ?? null, log);
  const rate = options.requestsPerSecond ?? REQUESTS_PER_S_MAX;
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const allow = (client: string): boolean => {
    const nowMs = Date.now();
    let bucket = buckets.get(client);
    if (bucket === undefined) {
      if (buckets.size >= CLIENTS_TRACKED_MAX) buckets.delete(buckets.keys().next().value as string);
      bucket = { tokens: rate, atMs: nowMs };
      buckets.set(client, bucket);
    }
    bucket.tokens = Math.min(rate, bucket.tokens + ((nowMs - bucket.atMs) * rate) / 1000);
    bucket.atMs = nowMs;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://aggregator');
    const parts = url.pathname.split('/').filter((part) => part.length > 0);
    if (parts[0] !== 'v1') throw new ApiError(404, 'NOT_FOUND', `no route ${url.pathname}`);
    const method = request.method ?? 'GET';
    const path = parts.slice(1);
    if (method === 'GET' && path[0] === 'health' && path.length === 1) return send(response, 200, { ok: true });
    if (method === 'GET' && path[0] === 'stats' && path.length === 1) return send(response, 200, { ...aggregator.stats(), dag_recent: aggregator.dag.size, federation: log.status() });
    if (method === 'POST' && path[0] === 'records' && path.length === 1) {
      if (request.headers['content-type'] !== 'application/cbor') throw new ApiError(415, 'CONTENT_TYPE', 'send the COSE_Sign1 bytes as application/cbor');
      const body = await readBody(request);
      const result = await submit(new Uint8Array(body));
      if (!result.ok) throw new ApiError(422, result.code, result.message);
      return send(response, result.duplicate ? 200 : 201, { id: result.id, duplicate: result.duplicate, committed: result.committed });
    }
    if (method === 'GET' && path[0] === 'records' && path.length === 2) {
      const record = aggregator.record(path[1]);
      if (!record) throw new ApiError(404, 'RECORD_UNKNOWN', `no record ${path[1]}`);
      return send(response, 200, {
        id: path[1], issuer: record.issuer, seq: record.seq, kind: record.kind, time_ms: record.time_ms, energy_wh: record.energy_wh,
        ecash: record.ecash, counterparty: record.counterparty, ref: record.ref ? record.ref.toString('hex') : null,
        cose: record.raw.toString('hex'), weight: aggregator.dag.weight(path[1]), validation_count: aggregator.dag.validationCount(path[1]),
      });
    }
    if (method === 'GET' && path[0] === 'caps' && path.length === 1) {
      return send(response, 200, { caps: aggregator.selectCaps().map((cap) => Buffer.from(cap).toString('hex')) });
    }
    if (method === 'GET' && path[0] === 'members' && path.length === 1) {
      return send(response, 200, { members: aggregator.members().map((row) => ({ id: row.id, public_key: row.public_key.toString('hex'), balance: row.balance })) });
    }
    if (method === 'GET' && path[0] === 'members' && path.length === 2) {
      const id = memberId(path[1]);
      const row = aggregator.member(id);
      if (!row) throw new ApiError(404, 'MEMBER_UNKNOWN', `no member ${id}`);
      return send(response, 200, { id, public_key: row.public_key.toString('hex'), balance: row.balance, history: aggregator.history(id), matches: aggregator.matchesFor(id) });
    }
    if (method === 'POST' && path[0] === 'members' && path.length === 1) {
      if (request.headers.authorization !== `Bearer ${options.adminToken}`) throw new ApiError(401, 'UNAUTHORIZED', 'the consortium admin token is required');
      const body = await readBody(request);
      let input: { public_key?: unknown; grant?: unknown };
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ApiError(400, 'BAD_JSON', 'body is not JSON');
      }
      if (typeof input.public_key !== 'string' || !/^[0-9a-f]{64}$/.test(input.public_key)) throw new ApiError(400, 'BAD_PUBLIC_KEY', 'public_key must be 64 hex digits');
      const grant = input.grant ?? 0;
      if (typeof grant !== 'number' || !Number.isInteger(grant) || grant < 0 || grant > 1e12) throw new ApiError(400, 'BAD_GRANT', 'grant must be an integer 0..10^12');
      const result = await admit(aggregator, submit, new Uint8Array(Buffer.from(input.public_key, 'hex')), grant);
      if (!result.ok) throw new ApiError(409, result.code, result.message);
      return send(response, 201, { id: result.id, record: result.record, token_key: Buffer.from(aggregator.tokenKey(result.id)).toString('hex') });
    }
    if (method === 'GET' && path[0] === 'trades' && path.length === 1) return send(response, 200, { trades: aggregator.trades(100) });
    if (method === 'POST' && path[0] === 'auction' && path.length === 1) {
      if (request.headers.authorization !== `Bearer ${options.adminToken}`) throw new ApiError(401, 'UNAUTHORIZED', 'the consortium admin token is required');
      if (!log.runsAuction()) throw new ApiError(409, 'NOT_AUCTIONEER', 'another aggregator of the zone runs the auction rounds');
      return send(response, 200, { matches: aggregator.runAuction() });
    }
    if (method === 'POST' && path[0] === 'offload' && path.length === 1) {
      const body = await readBody(request);
      const result = await submit(new Uint8Array(body));
      if (!result.ok) throw new ApiError(422, result.code, result.message);
      return send(response, 200, { id: result.id, ack: Buffer.from(aggregator.acknowledge(result.id)).toString('hex') });
    }
    if (method === 'GET' && path[0] === 'checkpoints' && path.length === 2) {
      const frame = aggregator.checkpoint(memberId(path[1]));
      if (frame === null) throw new ApiError(404, 'MEMBER_UNKNOWN', `no member ${path[1]}`);
      return send(response, 200, { checkpoint: Buffer.from(frame).toString('hex') });
    }
    throw new ApiError(404, 'NOT_FOUND', `no route ${method} ${url.pathname}`);
  }

  const server = createServer((request, response) => {
    if (!allow(request.socket.remoteAddress ?? '?')) {
      send(response, 429, { code: 'RATE_LIMITED', message: `more than ${rate} requests per second` });
      return;
    }
    route(request, response).catch((error: unknown) => {
      if (error instanceof ApiError) send(response, error.status, { code: error.code, message: error.message });
      else if (error instanceof ClusterUnavailable) send(response, 503, { code: error.code, message: error.message });
      else send(response, 500, { code: 'INTERNAL', message: String((error as Error).message ?? error) });
    });
  });
  server.maxConnections = CONNECTIONS_MAX;
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
