// Aggregator figures, all in one run so that ratios compare like with like: the machine's ceilings
// (node:crypto Ed25519 verifications per second on one thread; SQLite inserts per second in WAL mode with
// synchronous=FULL, one row per transaction and a hundred), sustained ingest over HTTP with full
// validation and durable commit (records signed beforehand and sent in batches, application/cbor-seq, by
// this process on the same cores) as a rate and as ratios to those ceilings, the CPU time per record of
// the server's main thread and of all its threads, where one record's time goes stage by stage, and the
// growth curve: the same ingest with 0, 100,000 and 1,000,000 records stored (100,000 open orders at the
// last two), and with one member's 10,000 unanswered sold records stored (measured alternately with the
// empty store, three pairs, each ratio the median over the pairs). The stores are filled by
// prefill.ts (valid, signed records, without HTTP). Prints one JSON object.
// Run: node --import tsx host-tools/bench/aggregator.ts [--quick] [--count N] [--server-cpu-prof DIR]
import { spawn, ChildProcess } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { signHost, signingKey } from '../crypto/host-signing';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { decodeToken, tokenMessage } from '../../firmware/frames';
import { macHost } from '../crypto/token-key';
import { bytesToSign } from '../../firmware/records';
import { Aggregator, PreparedRecord, recordIdHost } from '../aggregator/aggregator';
import { RecentDag } from '../aggregator/dag';
import { secretsFor, startServer } from '../aggregator/server';
import { verifyHost } from '../crypto/verify-host';
import { DIGEST_BYTES, defaultWorkers } from '../aggregator/verify-pool';
import { call } from '../loadgen/loadgen';
import { StoreFiller, presignOffers } from './prefill';
import { DEFAULT_SLOT_MS } from '../../firmware/protocol';

const SLOT_MS = DEFAULT_SLOT_MS;
const quick = process.argv.includes('--quick');
const countArgument = process.argv.indexOf('--count');
const ingestCount = countArgument > 0 ? Number(process.argv[countArgument + 1]) : quick ? 2048 : 40000;
if (!Number.isInteger(ingestCount) || ingestCount < 1024) throw new Error('--count must be an integer of at least 1024');
/** Members of the growth stores: two open orders each make the 100,000 open orders. */
const MEMBERS = quick ? 1000 : 50000;
const STORED_POINTS = quick ? [0, 5000, 20000] : [0, 100000, 1000000];
const FLOOD_SOLD = quick ? 500 : 10000;
/** Empty and flood points measured alternately this many times (odd: the median is one pair's). */
const FLOOD_PAIRS = 3;
const CEILING_SECONDS = quick ? 0.5 : 2;
const BATCH = 128;
/** `--server-cpu-prof DIR`: the aggregator processes write V8 CPU profiles there (node --cpu-prof). */
const profileArgument = process.argv.indexOf('--server-cpu-prof');
const serverNodeArgs = profileArgument > 0 ? ['--cpu-prof', '--cpu-prof-dir', process.argv[profileArgument + 1]] : [];
const IN_FLIGHT = 8;

function percentile(sorted: number[], fraction: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))].toFixed(4));
}

/** Calls per second of `run` over about `seconds`. */
function ratePerS(run: () => void, seconds: number): number {
  let calls = 0;
  const began = performance.now();
  while (performance.now() - began < seconds * 1000) {
    for (let index = 0; index < 16; index++) run();
    calls += 16;
  }
  return Math.round(calls / ((performance.now() - began) / 1000));
}

/** node:crypto Ed25519 verifications per second on this thread, over about `seconds`. */
function verifyRate(seconds: number): number {
  const key = signingKey(randomBytes(32));
  const publicKey = createPublicKey(key);
  const message = randomBytes(120);
  const signature = signHost(message, key);
  return ratePerS(() => {
    if (!verify(null, message, publicKey, signature)) throw new Error('the ceiling\'s signature does not verify');
  }, seconds);
}

/** The machine's ceilings, measured now: one thread each. */
function ceilings(directory: string): { verify_per_s: number; sqlite_inserts_per_s_1_per_txn: number; sqlite_inserts_per_s_100_per_txn: number } {
  const verifyPerS = verifyRate(CEILING_SECONDS);
  const db = new Database(join(directory, 'ceiling.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE rows (id BLOB PRIMARY KEY, raw BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO rows (id, raw) VALUES (?, ?)');
  const raw = randomBytes(300);
  const one = db.transaction(() => insert.run(randomBytes(16), raw));
  const hundred = db.transaction(() => {
    for (let index = 0; index < 100; index++) insert.run(randomBytes(16), raw);
  });
  const onePerS = ratePerS(one, CEILING_SECONDS);
  const hundredPerS = ratePerS(hundred, CEILING_SECONDS) * 100;
  db.close();
  return { verify_per_s: verifyPerS, sqlite_inserts_per_s_1_per_txn: onePerS, sqlite_inserts_per_s_100_per_txn: hundredPerS };
}

/** User plus system CPU seconds so far (proc(5): utime and stime, in ticks of 1/100 s) of a process, all threads. */
function cpuSeconds(statPath: string): number {
  const fields = readFileSync(statPath, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds so far of the whole process and of each of its threads, by kernel thread id. */
function serverCpu(pid: number): { all: number; threads: Map<number, number> } {
  const threads = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    // A thread may end between the listing and the read.
    try {
      threads.set(Number(tid), cpuSeconds(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      continue;
    }
  }
  return { all: cpuSeconds(`/proc/${pid}/stat`), threads };
}

/**
 * A point's server CPU µs per record by thread role: the main thread, the verify pool and the checkpointer
 * (their kernel ids from /v1/stats), and the rest (V8's garbage-collection and compiler threads, libuv's
 * pool with the log's fdatasync, the module loader's thread).
 */
function cpuByRole(before: Map<number, number>, after: Map<number, number>, roles: Record<string, number[]>, records: number): Record<string, number> {
  const out: Record<string, number> = { main: 0, verify_pool: 0, checkpointer: 0, other: 0 };
  const roleOf = new Map<number, string>();
  for (const [role, ids] of Object.entries(roles)) for (const id of ids) roleOf.set(id, role);
  for (const [tid, seconds] of after) {
    const role = roleOf.get(tid) ?? 'other';
    out[role] = (out[role] ?? 0) + seconds - (before.get(tid) ?? 0);
  }
  for (const role of Object.keys(out)) out[role] = Math.round((out[role] * 1e6) / records);
  return out;
}

function startAggregator(dbPath: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...serverNodeArgs, 'host-tools/cli/bin.js', 'aggregator', '--db', dbPath, '--http', '127.0.0.1:0', '--auction-ms', '0', '--workers', String(defaultWorkers())], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.on('exit', (code) => reject(new Error(`the aggregator exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve({ child, url: match[1] });
    });
  });
}

type IngestFigures = {
  stored_before: number; records: number; seconds: number; records_per_s: number; server_cpu_us_per_record: number; server_main_thread_cpu_us_per_record: number;
  /** The server's CPU µs per record by thread: main, verify_pool, checkpointer, other (cpuByRole). */
  server_cpu_us_per_record_by_thread: Record<string, number>;
  records_per_commit_group: number; batches_resent: number;
  /** This process's CPU (the load generator: HTTP requests and answers; records signed beforehand). */
  client_cpu_us_per_record: number;
  /** The verify ceiling measured just before and just after this point's ingest (their mean), and the ingest rate as a ratio to it. */
  verify_per_s_around: number; ratio_to_verify_around: number;
  /** The machine's one-minute load average at the end of the point (2 cores; others' work included). */
  load_average_1m: number;
};

/**
 * Records between a record and its nearest parent (presignOffers): twice what is in flight, so a batch's parents
 * are committed before it is sent and the senders never wait on one another in the steady state.
 */
const PARENT_GAP = 2 * BATCH * IN_FLIGHT;

/**
 * Sends the records in batches, IN_FLIGHT requests at a time, as a stream: a batch goes out once every
 * record PARENT_GAP before its last one is acknowledged (its parents are stored), never in lock-step waves.
 */
async function ingest(dbPath: string, records: Uint8Array[], storedBefore: number): Promise<IngestFigures> {
  const { child, url } = await startAggregator(dbPath);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const codes: Record<string, number> = {};
  let refused = 0;
  let resent = 0;
  // Batches answered, by index; `answeredUpTo` records from the first are all answered.
  const batches = Math.ceil(records.length / BATCH);
  const answered = new Uint8Array(batches);
  let answeredBatches = 0;
  let waiting: (() => void)[] = [];
  const answeredUpTo = () => Math.min(records.length, answeredBatches * BATCH);
  // The machine is shared: the verify ceiling is taken again around each point, so points compare as ratios.
  const verifyBefore = verifyRate(CEILING_SECONDS);
  const before = serverCpu(child.pid as number);
  const clientBefore = process.cpuUsage();
  const began = performance.now();
  let nextBatch = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (nextBatch < batches) {
      const index = nextBatch++;
      const end = Math.min(records.length, (index + 1) * BATCH);
      while (answeredUpTo() < end - PARENT_GAP) await new Promise<void>((resolve) => waiting.push(resolve));
      const body = Buffer.concat(records.slice(index * BATCH, end));
      // A keep-alive socket the server closed as idle just as it was reused resets: send again (a
      // record stored the first time is answered as a duplicate, with its id).
      const answer = await call(agent, url, 'POST', '/v1/records', body, { 'content-type': 'application/cbor-seq' }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET') throw error;
        resent++;
        return call(agent, url, 'POST', '/v1/records', body, { 'content-type': 'application/cbor-seq' });
      });
      if (answer.status !== 200) throw new Error(`a batch was refused: ${answer.status} ${JSON.stringify(answer.json)}`);
      for (const result of answer.json.results as { id?: string; code?: string }[]) {
        if (result.id === undefined) {
          refused++;
          codes[String(result.code)] = (codes[String(result.code)] ?? 0) + 1;
        }
      }
      answered[index] = 1;
      while (answeredBatches < batches && answered[answeredBatches] === 1) answeredBatches++;
      const woken = waiting;
      waiting = [];
      for (const wake of woken) wake();
    }
  }));
  const seconds = (performance.now() - began) / 1000;
  const after = serverCpu(child.pid as number);
  const client = process.cpuUsage(clientBefore);
  const verifyAround = Math.round((verifyBefore + verifyRate(CEILING_SECONDS)) / 2);
  const stats = (await call(agent, url, 'GET', '/v1/stats', null, {})).json as { commit_groups: number; records_committed_in_groups: number; threads: Record<string, number[]> };
  const byThread = cpuByRole(before.threads, after.threads, stats.threads, records.length);
  agent.destroy();
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  if (refused > 0) throw new Error(`${refused} records were refused during the ingest bench: ${JSON.stringify(codes)}`);
  return {
    stored_before: storedBefore, records: records.length, seconds: Number(seconds.toFixed(2)), records_per_s: Math.round(records.length / seconds),
    server_cpu_us_per_record: Math.round(((after.all - before.all) * 1e6) / records.length),
    server_main_thread_cpu_us_per_record: byThread.main,
    server_cpu_us_per_record_by_thread: byThread,
    records_per_commit_group: Number((stats.records_committed_in_groups / Math.max(1, stats.commit_groups)).toFixed(1)),
    batches_resent: resent,
    client_cpu_us_per_record: Math.round((client.user + client.system) / records.length),
    verify_per_s_around: verifyAround, ratio_to_verify_around: Number((records.length / seconds / verifyAround).toFixed(3)),
    load_average_1m: Number(loadavg()[0].toFixed(2)),
  };
}

/**
 * The recent DAG's cost per record when records approve recent ones (parents among the last 16, as
 * boards' records do), in µs: each addition walks its past cone within RECENT_RECORDS_MAX. The ingest
 * figures do not include it: their records approve records PARENT_GAP back, outside the recent DAG.
 */
function dagAdd(count: number): number {
  const dag = new RecentDag();
  const keys: string[] = [];
  for (let index = 0; index < count; index++) keys.push(index.toString(16).padStart(32, '0'));
  const began = performance.now();
  for (let index = 0; index < count; index++) {
    const parents = index < 2 ? [] : [keys[index - 1 - (index % 16)], keys[Math.max(0, index - 2 - (index % 7))]];
    dag.add(keys[index], 1 + (index % 50), parents);
  }
  return Number((((performance.now() - began) * 1000) / count).toFixed(1));
}

/** Cap selection p50/p99 on the store as it stands (in this process, the server stopped). */
function capSelection(dbPath: string, secrets: ReturnType<typeof secretsFor>): { p50_ms: number; p99_ms: number } {
  const aggregator = new Aggregator({ dbPath, consortiumSeed: secrets.consortiumSeed, aggregatorSeed: secrets.aggregatorSeed });
  const times: number[] = [];
  for (let round = 0; round < (quick ? 200 : 2000); round++) {
    const began = performance.now();
    aggregator.selectCaps();
    times.push(performance.now() - began);
  }
  aggregator.close();
  times.sort((a, b) => a - b);
  return { p50_ms: percentile(times, 0.5), p99_ms: percentile(times, 0.99) };
}

/** The newest stored record ids, for the first batches' parents. */
function newestIds(dbPath: string): Uint8Array[] {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare('SELECT id FROM records ORDER BY rowid DESC LIMIT 64').all() as { id: Buffer }[];
  db.close();
  return rows.reverse().map((row) => new Uint8Array(row.id));
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

type Point = IngestFigures & { cap_p50_ms: number; cap_p99_ms: number; open_orders: number; label: string };

/**
 * The growth curve and the flood. Two stores hold the same members: on one, the empty point is measured,
 * then orders are filled up to each stored count and measured; the other (a copy) also holds one member's
 * unanswered sold records. The empty and flood points are measured FLOOD_PAIRS times, alternately, so
 * each flood point has an empty point minutes or less from it: the flood's ratios are the medians of
 * the pairs' ratios (a shared machine's load changes between points, rarely within a pair). At each point
 * the same number of fresh records is ingested over HTTP (each point in its own recent slots, so proof of
 * time allows them), and cap selection is timed.
 */
async function growth(directory: string) {
  const dbPath = join(directory, 'growth.sqlite');
  const floodPath = join(directory, 'flood.sqlite');
  const secrets = secretsFor(dbPath);
  const nowSlot = Math.floor(Date.now() / SLOT_MS);
  const setup = new Aggregator({ dbPath, consortiumSeed: secrets.consortiumSeed, aggregatorSeed: secrets.aggregatorSeed });
  const filler = new StoreFiller(setup.db, secrets.consortiumSeed, SLOT_MS);
  let began = performance.now();
  const members = filler.addMembers(MEMBERS, 1000000, 7, Date.now());
  const extra = filler.addMembers(1, 1000000, 8, Date.now())[0];
  const membersSeconds = (performance.now() - began) / 1000;
  // Closing the last connection checkpoints the log into the file, so the copy is the whole store (the
  // secrets beside it are the same files).
  setup.close();
  copyFileSync(dbPath, floodPath);
  const rounds = Math.ceil(ingestCount / members.length);
  const count = (path: string, sql: string) => {
    const db = new Database(path, { readonly: true });
    const value = (db.prepare(sql).get() as { n: number }).n;
    db.close();
    return value;
  };
  const pointsTotal = 2 * FLOOD_PAIRS + STORED_POINTS.length - 1;
  let pointIndex = 0;
  const measure = async (path: string, label: string, stored: number): Promise<Point> => {
    // Each point's records take their own recent slots, before the present one.
    const lastSlot = nowSlot - 1 - pointIndex++ * (rounds + 1);
    const records = presignOffers(members, ingestCount, PARENT_GAP, newestIds(path), lastSlot, SLOT_MS);
    const figures = await ingest(path, records, stored);
    const caps = capSelection(path, secrets);
    const point = { label, ...figures, open_orders: count(path, 'SELECT COUNT(*) AS n FROM orders'), cap_p50_ms: caps.p50_ms, cap_p99_ms: caps.p99_ms };
    // Progress on stderr (the figures go to stdout at the end): the full run takes minutes.
    process.stderr.write(`aggregator bench: ${JSON.stringify(point)}\n`);
    return point;
  };
  // Filled records take slots well before any ingest's; the flood's slots before those.
  const fillLastSlot = nowSlot - 100 - pointsTotal * (rounds + 1);
  let fillSeconds = 0;
  {
    const db = new Aggregator({ dbPath: floodPath, consortiumSeed: secrets.consortiumSeed, aggregatorSeed: secrets.aggregatorSeed });
    began = performance.now();
    new StoreFiller(db.db, secrets.consortiumSeed, SLOT_MS).addUnansweredSold(extra, members[1], [members[2], members[3]], FLOOD_SOLD, fillLastSlot - 1000, Date.now());
    fillSeconds += (performance.now() - began) / 1000;
    db.close();
  }
  const pairs: { empty: Point; flood: Point }[] = [];
  for (let pair = 0; pair < FLOOD_PAIRS; pair++) {
    const empty = await measure(dbPath, `0 stored (pair ${pair + 1})`, 0);
    const flood = await measure(floodPath, `${FLOOD_SOLD} unanswered sold records of one member stored (pair ${pair + 1})`, FLOOD_SOLD);
    pairs.push({ empty, flood });
  }
  rmSync(floodPath, { force: true });
  rmSync(`${floodPath}-wal`, { force: true });
  rmSync(`${floodPath}-shm`, { force: true });
  // The empty point of the curve: the pair whose empty rate is the median one (an odd number of pairs).
  const emptyPoint = [...pairs].sort((a, b) => a.empty.records_per_s - b.empty.records_per_s)[Math.floor(pairs.length / 2)].empty;
  const points: Point[] = [emptyPoint];
  // Stored records other than memberships and the ingests' own.
  let stored = 0;
  let roundsFilled = 0;
  for (const target of STORED_POINTS.slice(1)) {
    const perMember = Math.round(target / members.length);
    if (perMember > roundsFilled) {
      const db = new Aggregator({ dbPath, consortiumSeed: secrets.consortiumSeed, aggregatorSeed: secrets.aggregatorSeed });
      const fill = new StoreFiller(db.db, secrets.consortiumSeed, SLOT_MS);
      began = performance.now();
      // The new rounds end where the earlier ones began, so each member's slots never repeat.
      stored += fill.addOrders(members, perMember - roundsFilled, fillLastSlot - roundsFilled, Date.now());
      fillSeconds += (performance.now() - began) / 1000;
      process.stderr.write(`aggregator bench: filled to ${stored} records in ${fillSeconds.toFixed(0)} s\n`);
      roundsFilled = perMember;
      db.close();
    }
    points.push(await measure(dbPath, `${stored} stored`, stored));
  }
  const dbBytes = statSync(dbPath).size;
  const total = count(dbPath, 'SELECT COUNT(*) AS n FROM records');
  const ratio = (value: number, to: number) => Number((value / to).toFixed(3));
  const flood = {
    pairs: pairs.map(({ empty, flood }) => ({
      empty_records_per_s: empty.records_per_s, flood_records_per_s: flood.records_per_s,
      empty_server_cpu_us_per_record: empty.server_cpu_us_per_record, flood_server_cpu_us_per_record: flood.server_cpu_us_per_record,
      empty_verify_per_s_around: empty.verify_per_s_around, flood_verify_per_s_around: flood.verify_per_s_around,
    })),
    ratio_to_empty: median(pairs.map(({ empty, flood }) => ratio(flood.records_per_s, empty.records_per_s))),
    ratio_to_empty_vs_ceiling: median(pairs.map(({ empty, flood }) => ratio(flood.ratio_to_verify_around, empty.ratio_to_verify_around))),
    cpu_ratio_empty_to_flood: median(pairs.map(({ empty, flood }) => ratio(empty.server_cpu_us_per_record, flood.server_cpu_us_per_record))),
  };
  return { points, flood, members: MEMBERS, members_fill_seconds: Number(membersSeconds.toFixed(1)), records_fill_seconds: Number(fillSeconds.toFixed(1)), db_bytes_per_record: Math.round(dbBytes / total) };
}

/**
 * Where one record's time goes, each stage alone on this thread over the same signed records (µs per
 * record). On the served aggregator's main thread: decoding (decode_us), decoding with the pool's inputs
 * built (prepare_for_pool_us), validation and storage with the pool's verdicts and digests in hand (a
 * durable commit per group of 128; the preparation again once every member's keys are known), an HTTP request and answer (both ends in this process; a batch
 * shares one among its records), the recent DAG with recent parents. On the verify pool's thread: the
 * Ed25519 verification, and the three digests (the id, two token MACs: pool_digests_3_us, and apart,
 * as the main thread would compute them, record_id_us and token_macs_2_us).
 */
async function stages(directory: string): Promise<Record<string, number>> {
  const dbPath = join(directory, 'stages.sqlite');
  const aggregator = new Aggregator({ dbPath, consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  const count = quick ? 1024 : 8192;
  const group = BATCH;
  const members = new StoreFiller(aggregator.db, new Uint8Array(32).fill(1), SLOT_MS).addMembers(count, 1000000, 9, Date.now());
  const records = presignOffers(members, count, group, aggregator.selectCaps(), Math.floor(Date.now() / SLOT_MS) - 1, SLOT_MS);
  aggregator.close();
  const reopened = new Aggregator({ dbPath, consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  for (const bytes of records.slice(0, 256)) reopened.prepare(bytes, true);
  const perRecord = (run: () => void) => {
    const began = performance.now();
    run();
    return Number((((performance.now() - began) * 1000) / count).toFixed(1));
  };
  const decode = perRecord(() => records.forEach((bytes) => reopened.prepare(bytes, false)));
  let prepared: PreparedRecord[] = [];
  // What the served aggregator's main thread does before a group goes to the pool: decode, and build the
  // signing input and the id and MAC inputs.
  const prepare = perRecord(() => (prepared = records.map((bytes) => reopened.prepare(bytes, true))));
  // The same again, every member's key and token key now known: what the first sight of a member costs.
  const prepareWarm = perRecord(() => (prepared = records.map((bytes) => reopened.prepare(bytes, true))));
  const signingInputs = perRecord(() => prepared.forEach((entry) => entry.decoded.ok && bytesToSign(entry.decoded.value.payload)));
  const tokenMacs = perRecord(() => prepared.forEach((entry) => {
    if (!entry.decoded.ok) return;
    for (const bytes of entry.decoded.value.tokens) {
      const token = decodeToken(bytes);
      if (token.ok) macHost(reopened.tokenKey(token.value.granter), tokenMessage(token.value.granter, token.value.requester, token.value.seq, token.value.slot));
    }
  }));
  const recordId = perRecord(() => prepared.forEach((entry) => entry.decoded.ok && recordIdHost(entry.decoded.value.payload, entry.decoded.value.signature)));
  const verifyUs = perRecord(() => prepared.forEach((entry) => (entry.verdicts = entry.checks.map((check) => verifyHost(check.message, check.signature, check.publicKey)))));
  if (prepared.some((entry) => entry.checks.length !== 1 || entry.verdicts?.includes(false))) throw new Error('every bench record has one valid signature');
  // The pool's digests (id, MACs), as it would hand them over: validation then does on the main thread
  // what it does in the served aggregator.
  const digests = perRecord(() => prepared.forEach((entry) => (entry.digests = entry.digestInputs.map((input) => createHash('sha512').update(input).digest().subarray(0, DIGEST_BYTES)))));
  const store = perRecord(() => {
    for (let offset = 0; offset < count; offset += group) {
      for (const result of reopened.commit(prepared.slice(offset, offset + group))) if (!result.ok) throw new Error(`bench record refused: ${result.code}`);
    }
  });
  const server = await startServer(reopened, { host: '127.0.0.1', port: 0, adminToken: 'bench' });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  for (let index = 0; index < 256; index++) await call(agent, url, 'GET', '/v1/health', null, {});
  let sent = 0;
  const began = performance.now();
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (sent < count) {
      sent++;
      if ((await call(agent, url, 'GET', '/v1/health', null, {})).status !== 200) throw new Error('health check failed');
    }
  }));
  const http = Number((((performance.now() - began) * 1000) / count).toFixed(1));
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  reopened.close();
  return {
    decode_us: decode, prepare_for_pool_us: prepare, prepare_for_pool_keys_known_us: prepareWarm, signing_input_us: signingInputs, token_macs_2_us: tokenMacs, record_id_us: recordId,
    ed25519_verify_us: verifyUs, pool_digests_3_us: digests, validate_and_store_us: store, http_request_both_ends_us: http,
    dag_add_recent_parents_us: dagAdd(count),
  };
}

const directory = mkdtempSync(join(tmpdir(), 'smartchain-aggregator-bench-'));
try {
  const loadAtStart = Number(loadavg()[0].toFixed(2));
  const machine = ceilings(directory);
  const curve = await growth(directory);
  const stageFigures = await stages(directory);
  const empty = curve.points[0];
  const largest = curve.points[curve.points.length - 1];
  const ratio = (value: number, to: number) => Number((value / to).toFixed(3));
  console.log(JSON.stringify({
    ingest_records_per_s: empty.records_per_s,
    ceilings: machine,
    load_average_1m: { at_start: loadAtStart, at_end: Number(loadavg()[0].toFixed(2)) },
    ingest_ratio_to_verify_per_s: ratio(empty.records_per_s, machine.verify_per_s),
    ingest_ratio_to_sqlite_1_per_txn: ratio(empty.records_per_s, machine.sqlite_inserts_per_s_1_per_txn),
    ingest_ratio_to_sqlite_100_per_txn: ratio(empty.records_per_s, machine.sqlite_inserts_per_s_100_per_txn),
    ingest_batch_records: BATCH, ingest_requests_in_flight: IN_FLIGHT, verify_workers: defaultWorkers(),
    server_cpu_us_per_record: empty.server_cpu_us_per_record, server_main_thread_cpu_us_per_record: empty.server_main_thread_cpu_us_per_record,
    server_cpu_us_per_record_by_thread: empty.server_cpu_us_per_record_by_thread,
    client_cpu_us_per_record: empty.client_cpu_us_per_record,
    records_per_commit_group: empty.records_per_commit_group,
    growth_records_per_s: curve.points.map((point) => ({
      stored: point.stored_before, label: point.label, records_per_s: point.records_per_s, open_orders: point.open_orders,
      verify_per_s_around: point.verify_per_s_around, ratio_to_verify_around: point.ratio_to_verify_around, server_cpu_us_per_record: point.server_cpu_us_per_record,
    })),
    growth_ratio_largest_to_empty: ratio(largest.records_per_s, empty.records_per_s),
    // The flood's three ratios are medians over the alternated pairs (growth()).
    flood_ratio_to_empty: curve.flood.ratio_to_empty,
    // The same ratios with each point's rate taken relative to the verify ceiling measured around it: on a
    // shared machine the load of others changes between points taken minutes apart.
    growth_ratio_largest_to_empty_vs_ceiling: ratio(largest.ratio_to_verify_around, empty.ratio_to_verify_around),
    flood_ratio_to_empty_vs_ceiling: curve.flood.ratio_to_empty_vs_ceiling,
    // And by the aggregator's CPU time per record, which others' load changes far less than rates (empty / point).
    growth_cpu_ratio_empty_to_largest: ratio(empty.server_cpu_us_per_record, largest.server_cpu_us_per_record),
    flood_cpu_ratio_empty_to_flood: curve.flood.cpu_ratio_empty_to_flood,
    flood_pairs: curve.flood.pairs,
    growth_points: curve.points,
    fill: { members: curve.members, members_seconds: curve.members_fill_seconds, records_seconds: curve.records_fill_seconds },
    stages_us_per_record: stageFigures,
    cap_selection: curve.points.map((point) => ({ stored: point.stored_before, p50_ms: point.cap_p50_ms, p99_ms: point.cap_p99_ms })),
    db_bytes_per_record: curve.db_bytes_per_record,
  }));
} finally {
  rmSync(directory, { recursive: true, force: true });
}
