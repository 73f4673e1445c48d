// The aggregator's HTTP API (docs/api.md), JSON under /v1, on node:http. Bad input gets a 4xx with
// {"code", "message"} and stores nothing. Limits: request body bytes, requests per second per client
// address (token bucket), open connections in all and per address, and time: a client must send its
// headers, its whole request, and its next request on an idle connection within fixed times, so a slow
// client holds only its own connections, and only for a bounded time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { chmodSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { Aggregator, PreparedRecord, SubmitResult, runOnPool } from './aggregator';
import { POT_GRANTERS_MAX } from '../../firmware/records';
import { CHECKS_PER_BATCH_MAX, DIGESTS_PER_BATCH_MAX, VerifyPool } from './verify-pool';
import { splitCborSequence } from './cbor-seq';
import { ClusterUnavailable, LedgerLog, LocalLedgerLog } from './ledger-log';

export const BODY_BYTES_MAX = 4096;
/** A batch (application/cbor-seq): records back to back, as a gateway forwards many boards' offloads. */
export const BATCH_RECORDS_MAX = 256;
export const BATCH_BYTES_MAX = 256 * 1024;
export const CONNECTIONS_MAX = 1024;
/** One address holds at most this many connections; more are closed on arrival. */
export const CONNECTIONS_PER_ADDRESS_MAX = 64;
export const REQUESTS_PER_S_MAX = 20000;
/** The whole header must arrive within this time, the whole request (body too) within the next. */
export const HEADERS_TIMEOUT_MS = 5000;
export const REQUEST_TIMEOUT_MS = 10000;
/** An idle keep-alive connection, or one where nothing moves, is closed after this. */
export const IDLE_TIMEOUT_MS = 5000;
/** How often node:http looks for connections over the header and request times (its default is 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 500;
const CLIENTS_TRACKED_MAX = 4096;
/** Methods each route shape answers; any other method on a known path is 405. */
const ROUTE_METHODS: { pattern: RegExp; methods: string[] }[] = [
  { pattern: /^\/v1\/(health|stats|caps|trades|snapshot)$/, methods: ['GET'] },
  { pattern: /^\/v1\/records$/, methods: ['POST'] },
  { pattern: /^\/v1\/records\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/v1\/members$/, methods: ['GET', 'POST'] },
  { pattern: /^\/v1\/(members|checkpoints)\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/v1\/(auction|offload)$/, methods: ['POST'] },
];

export type ServerOptions = {
  host: string; port: number; adminToken: string; requestsPerSecond?: number; verifyPool?: VerifyPool | null;
  /** Where validated groups are committed: the embedded SQLite store unless a federation's log is given. */
  ledgerLog?: LedgerLog;
  /** A federated aggregator serves snapshots of its store to its zone's peers (host-tools/federation/snapshot.ts). */
  snapshots?: { log: { snapshot(): Promise<{ path: string; info: unknown } | null> }; token: string };
  /** The kernel ids of the server's own threads by role (verify pool, checkpointer), shown in /v1/stats for CPU accounting. */
  threads?: () => Record<string, number[]>;
};

class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public headers: Record<string, string> = {}, public extra: Record<string, unknown> = {}) {
    super(message);
  }
}

/**
 * Reads a 32-byte secret kept as hex next to the database; creates it (mode 0600) only when `create`.
 * A file that anyone but its owner may read or write is refused: the consortium key derives every
 * member's token key and the admin token admits members. Neither the secret nor any part of it appears
 * in a message.
 */
export function loadSecret(path: string, create = true): Uint8Array {
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(`${path} has mode ${mode.toString(8).padStart(4, '0')}: a secret must be readable by its owner only (chmod 600 ${path})`);
    }
    const text = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${path} is not 32 bytes of hex`);
    return new Uint8Array(Buffer.from(text, 'hex'));
  }
  if (!create) throw new Error(`${path} is missing`);
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(path, secret.toString('hex') + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return new Uint8Array(secret);
}

/** The paths of the secrets kept beside a store. */
export function secretPaths(dbPath: string) {
  const directory = dirname(dbPath);
  return { consortium: join(directory, 'consortium.key'), aggregator: join(directory, 'aggregator.key'), adminToken: join(directory, 'admin.token') };
}

/** The store's secrets; missing ones are created only when `create` (a new store). */
export function secretsFor(dbPath: string, create = true) {
  const paths = secretPaths(dbPath);
  return {
    consortiumSeed: loadSecret(paths.consortium, create),
    aggregatorSeed: loadSecret(paths.aggregator, create),
    adminToken: Buffer.from(loadSecret(paths.adminToken, create)).toString('hex'),
  };
}

/**
 * Whether the request carries `authorization: Bearer <admin token>`, compared in constant time
 * (secretMatches: both sides hashed to equal lengths first).
 */
export function isAdmin(request: IncomingMessage, adminToken: string): boolean {
  return secretMatches(request.headers.authorization ?? '', `Bearer ${adminToken}`);
}

/**
 * The body, at most `bytesMax`. Over it (declared or, chunked, as it arrives) the answer is 413 on a
 * connection then closed; the rest of the body is read and dropped meanwhile, so the client sees the
 * answer rather than a reset, and the request time limit still bounds it.
 */
function readBody(request: IncomingMessage, bytesMax = BODY_BYTES_MAX): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (message: string) => {
      request.removeAllListeners('data');
      request.resume();
      reject(new ApiError(413, 'BODY_TOO_LARGE', message));
    };
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > bytesMax) return tooLarge(`body of ${declared} bytes, at most ${bytesMax}`);
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > bytesMax) return tooLarge(`body over ${bytesMax} bytes`);
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Compares a presented secret with the expected one in time independent of where they differ (and of length). */
export function secretMatches(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Streams a file that exists only to be sent (a snapshot), and removes it once sent or abandoned. */
function sendFile(response: ServerResponse, path: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const remove = () => {
      rmSync(path, { force: true });
      resolve();
    };
    response.writeHead(200, { ...headers, 'content-type': 'application/vnd.sqlite3', 'content-length': statSync(path).size });
    const stream = createReadStream(path);
    stream.on('error', () => response.destroy());
    response.once('close', remove);
    stream.pipe(response);
  });
}

function memberId(text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new ApiError(400, 'BAD_MEMBER_ID', 'member id must be an integer');
  return Number(text);
}

export const GROUP_COMMIT_MAX = 512;
// A group's signature checks (a record's own and one per token) must fit one message to the pool.
if (GROUP_COMMIT_MAX * (1 + POT_GRANTERS_MAX) > CHECKS_PER_BATCH_MAX) throw new Error('GROUP_COMMIT_MAX groups overflow CHECKS_PER_BATCH_MAX');
// And its digests: a record's id and one MAC per token.
if (GROUP_COMMIT_MAX * (1 + POT_GRANTERS_MAX) > DIGESTS_PER_BATCH_MAX) throw new Error('GROUP_COMMIT_MAX groups overflow DIGESTS_PER_BATCH_MAX');

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
  const counters = { groups: 0, records: 0 };
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
        // If the pool fails, the batch commits without its work: every signature, id and MAC is computed here.
        verifying = true;
        runOnPool(pool, batch.map((entry) => entry.prepared as PreparedRecord)).catch(() => undefined).finally(() => {
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
      counters.groups++;
      counters.records += group.length;
      // The federation hook (host-tools/aggregator/ledger-log.ts): the local log commits at once, as
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
  const submitOne = (bytes: Uint8Array) =>
    new Promise<SubmitResult>((resolve, reject) => {
      incoming.push({ bytes, resolve, reject, prepared: null, verified: false });
      schedule();
    });
  return { submitOne, submitAll: (list: Uint8Array[]) => Promise.all(list.map(submitOne)), counters };
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

function isType(request: IncomingMessage, type: string): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === type;
}

export function startServer(aggregator: Aggregator, options: ServerOptions): Promise<Server> {
  const log = options.ledgerLog ?? new LocalLedgerLog(aggregator);
  const { submitOne: submit, submitAll, counters } = groupCommitter(aggregator, options.verifyPool ?? null, log);
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

  const authorised = (request: IncomingMessage) => isAdmin(request, options.adminToken);
  const requireType = (request: IncomingMessage, type: string) => {
    if (!isType(request, type)) throw new ApiError(415, 'CONTENT_TYPE', `send the body as ${type}`);
  };

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = request.url ?? '';
    // An origin-form target (RFC 9112 §3.2.1): a path from the root, no fragment, nothing a URL parser must guess at.
    if (!/^\/[\x21-\x7e]*$/.test(target) || target.startsWith('//') || target.includes('#')) throw new ApiError(400, 'BAD_TARGET', 'the request target must be a path');
    let url: URL;
    try {
      url = new URL(target, 'http://aggregator');
    } catch {
      throw new ApiError(400, 'BAD_TARGET', 'the request target is not a valid path');
    }
    const parts = url.pathname.split('/').filter((part) => part.length > 0);
    if (parts[0] !== 'v1') throw new ApiError(404, 'NOT_FOUND', `no route ${url.pathname}`);
    const method = request.method ?? 'GET';
    const route = ROUTE_METHODS.find((entry) => entry.pattern.test(url.pathname));
    if (route !== undefined && !route.methods.includes(method)) {
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${url.pathname} answers ${route.methods.join(', ')}`, { allow: route.methods.join(', ') });
    }
    const path = parts.slice(1);
    if (method === 'GET' && path[0] === 'health' && path.length === 1) return send(response, 200, { ok: true });
    if (method === 'GET' && path[0] === 'stats' && path.length === 1) return send(response, 200, { ...aggregator.stats(), dag_recent: aggregator.dag.size, commit_groups: counters.groups, records_committed_in_groups: counters.records, federation: log.status(), threads: { main: [process.pid], ...(options.threads?.() ?? {}) } });
    if (method === 'POST' && path[0] === 'records' && path.length === 1 && isType(request, 'application/cbor-seq')) {
      // A batch: each record validated and stored in order, exactly as if posted one by one, in one request.
      const body = await readBody(request, BATCH_BYTES_MAX);
      const split = splitCborSequence(new Uint8Array(body), BATCH_RECORDS_MAX);
      if (!split.ok) throw new ApiError(400, split.code, split.message);
      const results = await submitAll(split.items);
      const committed = new Set<string>();
      for (const result of results) if (result.ok) for (const id of result.committed) committed.add(id);
      return send(response, 200, {
        results: results.map((result) => (result.ok ? { id: result.id, duplicate: result.duplicate } : { code: result.code, message: result.message })),
        committed: [...committed],
      });
    }
    if (method === 'POST' && path[0] === 'records' && path.length === 1) {
      requireType(request, 'application/cbor');
      const body = await readBody(request);
      const result = await submit(new Uint8Array(body));
      if (!result.ok) throw new ApiError(422, result.code, result.message);
      return send(response, result.duplicate ? 200 : 201, { id: result.id, duplicate: result.duplicate, committed: result.committed });
    }
    if (method === 'GET' && path[0] === 'records' && path.length === 2) {
      const record = aggregator.record(path[1]);
      if (!record) throw new ApiError(404, 'RECORD_UNKNOWN', `no record ${path[1]}`);
      const id = record.id.toString('hex');
      return send(response, 200, {
        id, issuer: record.issuer, seq: record.seq, kind: record.kind, time_ms: record.time_ms, energy_wh: record.energy_wh,
        ecash: record.ecash, counterparty: record.counterparty, ref: record.ref ? record.ref.toString('hex') : null,
        cose: record.raw.toString('hex'), weight: aggregator.dag.weight(id), validation_count: aggregator.dag.validationCount(id),
      });
    }
    if (method === 'GET' && path[0] === 'snapshot' && path.length === 1) {
      const snapshots = options.snapshots;
      if (snapshots === undefined) throw new ApiError(404, 'NOT_FEDERATED', 'only a federated aggregator serves snapshots');
      if (!secretMatches(request.headers.authorization ?? '', `Bearer ${snapshots.token}`)) throw new ApiError(401, 'UNAUTHORIZED', "the zone's snapshot token is required");
      const taken = await snapshots.log.snapshot();
      if (taken === null) throw new ApiError(503, 'SNAPSHOT_BUSY', 'a snapshot is in progress: ask again later');
      return sendFile(response, taken.path, { 'x-snapshot': JSON.stringify(taken.info) });
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
      if (!authorised(request)) throw new ApiError(401, 'UNAUTHORIZED', 'the consortium admin token is required');
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
      if (!result.ok) {
        // The admin registering a key again learns its member id and token key, as on the first
        // registration: a lost provisioning sheet (or a load generator run again) can be recovered.
        const member = 'member' in result ? result.member : undefined;
        const existing = member === undefined ? {} : { id: member, token_key: Buffer.from(aggregator.tokenKey(member)).toString('hex') };
        throw new ApiError(409, result.code, result.message, {}, existing);
      }
      return send(response, 201, { id: result.id, record: result.record, token_key: Buffer.from(aggregator.tokenKey(result.id)).toString('hex') });
    }
    if (method === 'GET' && path[0] === 'trades' && path.length === 1) return send(response, 200, { trades: aggregator.trades(100) });
    if (method === 'POST' && path[0] === 'auction' && path.length === 1) {
      if (!authorised(request)) throw new ApiError(401, 'UNAUTHORIZED', 'the consortium admin token is required');
      if (!log.runsAuction()) throw new ApiError(409, 'NOT_AUCTIONEER', 'another aggregator of the zone runs the auction rounds');
      return send(response, 200, { matches: aggregator.runAuction() });
    }
    if (method === 'POST' && path[0] === 'offload' && path.length === 1) {
      requireType(request, 'application/cbor');
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

  const server = createServer({
    headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: HEADERS_TIMEOUT_MS + REQUEST_TIMEOUT_MS, keepAliveTimeout: IDLE_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  }, (request, response) => {
    // The whole request must be in within the request time; the aggregator's own time to answer is not
    // the client's to pay. After the answer, node:http closes an idle connection after IDLE_TIMEOUT_MS
    // (gracefully); the deadline behind it also closes one whose next header drips.
    arm(request.socket, REQUEST_TIMEOUT_MS);
    request.once('end', () => clearTimeout(deadlines.get(request.socket)));
    response.once('finish', () => arm(request.socket, IDLE_TIMEOUT_MS + HEADERS_TIMEOUT_MS));
    if (!allow(request.socket.remoteAddress ?? '?')) {
      send(response, 429, { code: 'RATE_LIMITED', message: `more than ${rate} requests per second` });
      return;
    }
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) return;
      if (error instanceof ApiError) {
        // After a refused body the rest of it is not worth reading: the connection closes once answered.
        const headers = error.status === 413 ? { ...error.headers, connection: 'close' } : error.headers;
        send(response, error.status, { code: error.code, message: error.message, ...error.extra }, headers);
      } else if (error instanceof ClusterUnavailable) send(response, 503, { code: error.code, message: error.message });
      else send(response, 500, { code: 'INTERNAL', message: String((error as Error).message ?? error) });
    });
  });
  server.maxConnections = CONNECTIONS_MAX;
  // node:http's own header and request times are checked on a timer that a client dripping bytes can
  // outlast (seen here: sockets held past them); each connection also gets its own deadline, re-armed
  // at each stage (header due, request due, next header due), which closes it however it drips.
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  function arm(socket: Socket, ms: number): void {
    clearTimeout(deadlines.get(socket));
    deadlines.set(socket, setTimeout(() => socket.destroy(), ms).unref());
  }
  // An idle socket (no bytes either way) is closed: a slow client cannot park a connection.
  server.timeout = IDLE_TIMEOUT_MS;
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const open = perAddress.get(address) ?? 0;
    if (open >= CONNECTIONS_PER_ADDRESS_MAX) {
      socket.destroy();
      return;
    }
    perAddress.set(address, open + 1);
    arm(socket, HEADERS_TIMEOUT_MS);
    socket.once('close', () => {
      clearTimeout(deadlines.get(socket));
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
  // A malformed request line or header never reaches route(): answer 400 rather than dropping it silently.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (error as { code?: string }).code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const text = JSON.stringify({ code: status === 408 ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST', message: 'malformed or too slow request' });
    socket.end(`HTTP/1.1 ${status} ${status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${text.length}\r\nconnection: close\r\n\r\n${text}`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
