// Aggregator figures: sustained ingest over HTTP with full validation and durable group commit (records
// signed beforehand, so the sender is not the bottleneck), with signatures verified by the worker pool and
// on the main thread (--workers 0), alternately, best of the rounds for each (other processes on the
// machine only ever slow a run down), with the CPU time each side spent per record; where one record's
// time goes, stage by stage on one thread; validation and storage in process, without HTTP, with and
// without the pool; cap selection p50/p99 with 10^4, 10^5 and 10^6 records stored, database bytes per
// record, resident memory. Prints one JSON object.
// Run: node --import tsx host-tools/bench/aggregator.ts [--quick] [--count N] [--rounds R]
// Bulk fill (stated, bench-only): records older than the recent DAG are inserted as rows copied from one
// real record with fresh ids, without validation; the newest 4,096 are real, validated records.
import { spawn } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { decodeToken, encodeToken, tokenMessage } from '../../firmware/frames';
import { macHost } from '../crypto/token-key';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { KIND_OFFER, LedgerRecord, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { Aggregator, recordIdHost } from '../aggregator/aggregator';
import { secretsFor, startServer } from '../aggregator/server';
import { verifyHost } from '../crypto/verify-host';
import { VerifyPool, defaultWorkers } from '../aggregator/verify-pool';
import { call } from '../loadgen/loadgen';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** Every store this bench makes lives in one temporary folder, removed when the process exits. */
const root = mkdtempSync(join(tmpdir(), 'smartchain-aggregator-bench-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const quick = process.argv.includes('--quick');
const countArgument = process.argv.indexOf('--count');
const ingestCount = countArgument > 0 ? Number(process.argv[countArgument + 1]) : quick ? 2000 : 40000;
if (!Number.isInteger(ingestCount) || ingestCount < 512) throw new Error('--count must be an integer of at least 512');
const roundsArgument = process.argv.indexOf('--rounds');
const rounds = roundsArgument > 0 ? Number(process.argv[roundsArgument + 1]) : quick ? 1 : 2;
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) throw new Error('--rounds must be an integer from 1 to 10');
type Member = { id: number; key: KeyObject; tokenKey: Uint8Array; seq: number };

function percentile(sorted: number[], fraction: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))].toFixed(4));
}

/** Signed records with tokens; each approves two records at least `gap` positions earlier. */
function presign(members: Member[], count: number, gap: number, start: Uint8Array[], slotMs: number): Uint8Array[] {
  const ids: Uint8Array[] = [...start];
  const out: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const issuer = members[index % members.length];
    const granters = members.filter((entry) => entry !== issuer).slice(0, 2);
    issuer.seq++;
    const back = Math.max(0, ids.length - gap);
    const parents = [ids[Math.max(0, back - 1 - (index % 7))], ids[Math.max(0, back - 1 - (index % 13))]];
    const record: LedgerRecord = { kind: KIND_OFFER, issuer: issuer.id, seq: issuer.seq, timeMs: Date.now(), parents, pot: granters.map((entry) => entry.id), energyWh: 1000 + index % 5000, ecash: 100 + index % 900 };
    const payload = encodePayload(record);
    const signature = new Uint8Array(sign(null, bytesToSign(payload), issuer.key));
    const slot = Math.floor(record.timeMs / slotMs);
    const tokens = granters.map((granter) => encodeToken({ granter: granter.id, requester: issuer.id, seq: issuer.seq, slot, mac: macHost(granter.tokenKey, tokenMessage(granter.id, issuer.id, issuer.seq, slot)) }));
    out.push(encodeRecord(payload, signature, tokens));
    ids.push(new Uint8Array(recordIdHost(payload, signature)));
  }
  return out;
}

function admitMembers(aggregator: Aggregator, count: number): Member[] {
  const members: Member[] = [];
  for (let index = 0; index < count; index++) {
    const seed = new Uint8Array(randomBytes(32));
    const result = aggregator.addMember(keyPairFromSeed(seed).publicKey, 1000000);
    if (!result.ok) throw new Error(result.message);
    members.push({ id: result.id, key: createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }), tokenKey: result.tokenKey, seq: 0 });
  }
  return members;
}

/** User plus system CPU seconds so far (proc(5): utime and stime, in ticks of 1/100 s) of a process, all threads. */
function cpuSeconds(statPath: string): number {
  const fields = readFileSync(statPath, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The CPU seconds of a process (every thread) and of its main thread, whose work is serial. */
function serverCpu(pid: number): { all: number; main: number } {
  return { all: cpuSeconds(`/proc/${pid}/stat`), main: cpuSeconds(`/proc/${pid}/task/${pid}/stat`) };
}

type IngestFigures = {
  workers: number; records: number; seconds: number; records_per_s: number;
  server_cpu_us_per_record: number; server_main_thread_cpu_us_per_record: number; client_cpu_us_per_record: number;
  db_bytes_per_record: number; rss_bytes: number;
};

async function ingest(workers: number): Promise<IngestFigures> {
  const directory = mkdtempSync(join(root, 'ingest-'));
  const dbPath = join(directory, 'a.sqlite');
  // The keys the aggregator process will find beside its store: its token keys are the members' too.
  const secrets = secretsFor(dbPath);
  const setup = new Aggregator({ dbPath, consortiumSeed: secrets.consortiumSeed, aggregatorSeed: secrets.aggregatorSeed });
  const members = admitMembers(setup, 16);
  const start = setup.selectCaps();
  setup.close();
  const count = ingestCount;
  const inFlight = 64;
  // Records go out in waves; each approves records of earlier waves, which are stored by then.
  const wave = 512;
  const records = presign(members, count, wave, start, 60000);
  const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'aggregator', '--db', dbPath, '--http', '127.0.0.1:0', '--auction-ms', '0', '--workers', String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve(match[1]);
    });
  });
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  let next = 0;
  let failed = 0;
  const codes: Record<string, number> = {};
  const serverCpuBefore = serverCpu(child.pid as number);
  const clientCpuBefore = process.cpuUsage();
  const began = performance.now();
  for (let waveStart = 0; waveStart < records.length; waveStart += wave) {
    const waveEnd = Math.min(records.length, waveStart + wave);
    next = waveStart;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < waveEnd) {
        const answer = await call(agent, url, 'POST', '/v1/records', records[next++], { 'content-type': 'application/cbor' });
        if (answer.status !== 201) {
          failed++;
          const code = String(answer.json.code ?? answer.status);
          codes[code] = (codes[code] ?? 0) + 1;
        }
      }
    }));
  }
  const seconds = (performance.now() - began) / 1000;
  const serverCpuAfter = serverCpu(child.pid as number);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rss = Number((/VmRSS:\s+(\d+) kB/.exec(status) as RegExpExecArray)[1]) * 1024;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} records were refused during the ingest bench: ${JSON.stringify(codes)}`);
  const total = statSync(dbPath).size;
  return {
    workers, records: count, seconds: Number(seconds.toFixed(2)), records_per_s: Math.round(count / seconds),
    server_cpu_us_per_record: Math.round(((serverCpuAfter.all - serverCpuBefore.all) * 1e6) / count),
    server_main_thread_cpu_us_per_record: Math.round(((serverCpuAfter.main - serverCpuBefore.main) * 1e6) / count), client_cpu_us_per_record: Math.round((clientCpu.user + clientCpu.system) / count),
    db_bytes_per_record: Math.round(total / (count + 16)), rss_bytes: rss,
  };
}

/**
 * Where one record's time goes, each stage alone on this thread over the same signed records (µs per
 * record): decoding, its signing input, the MACs of its two tokens (decoded and recomputed), its id, its Ed25519 verification,
 * validation and storage with the verdicts already known (SQLite statements and a durable commit per
 * group of 64), and an HTTP request and response with both ends in this process.
 */
async function stages(): Promise<Record<string, number>> {
  const directory = mkdtempSync(join(root, 'stages-'));
  const aggregator = new Aggregator({ dbPath: join(directory, 'a.sqlite'), consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  const members = admitMembers(aggregator, 16);
  const count = quick ? 1024 : 8192;
  const group = 64;
  const records = presign(members, count, group, aggregator.selectCaps(), 60000);
  // Each stage runs once untimed first, so the figures are of compiled code.
  const warm = records.slice(0, 256);
  for (const bytes of warm) recordIdHost(aggregator.prepare(bytes, false).bytes, aggregator.prepare(bytes, true).checks[0].signature);
  const perRecord = (run: () => void) => {
    const began = performance.now();
    run();
    return Number((((performance.now() - began) * 1000) / count).toFixed(1));
  };
  const decode = perRecord(() => records.forEach((bytes) => aggregator.prepare(bytes, false)));
  const prepared = records.map((bytes) => aggregator.prepare(bytes, true));
  const signingInputs = perRecord(() => prepared.forEach((entry) => entry.decoded.ok && bytesToSign(entry.decoded.value.payload)));
  const tokenMacs = perRecord(() => prepared.forEach((entry) => {
    if (!entry.decoded.ok) return;
    for (const bytes of entry.decoded.value.tokens) {
      const token = decodeToken(bytes);
      if (token.ok) macHost(aggregator.tokenKey(token.value.granter), tokenMessage(token.value.granter, token.value.requester, token.value.seq, token.value.slot));
    }
  }));
  const recordId = perRecord(() => prepared.forEach((entry) => entry.decoded.ok && recordIdHost(entry.decoded.value.payload, entry.decoded.value.signature)));
  for (const check of prepared[0].checks.concat(prepared[1].checks)) for (let index = 0; index < 100; index++) verifyHost(check.message, check.signature, check.publicKey);
  const verify = perRecord(() => prepared.forEach((entry) => (entry.verdicts = entry.checks.map((check) => verifyHost(check.message, check.signature, check.publicKey)))));
  if (prepared.some((entry) => entry.checks.length !== 1 || entry.verdicts?.includes(false))) throw new Error('every bench record has one valid signature');
  const store = perRecord(() => {
    for (let offset = 0; offset < count; offset += group) {
      for (const result of aggregator.commit(prepared.slice(offset, offset + group))) if (!result.ok) throw new Error(`bench record refused: ${result.code}`);
    }
  });
  const server = await startServer(aggregator, { host: '127.0.0.1', port: 0, adminToken: 'bench' });
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
  aggregator.close();
  return {
    decode_us: decode, signing_input_us: signingInputs, token_macs_2_us: tokenMacs, record_id_us: recordId, ed25519_verify_us: verify,
    validate_and_store_us: store, http_request_both_ends_us: http,
  };
}

/**
 * Validation and durable storage of the same signed records in this process, without HTTP: signatures
 * verified on this thread (submitMany), then by the pool with groups double-buffered as the server does.
 */
async function storeInProcess(): Promise<{ workers: number; group: number; main_thread_records_per_s: number; pool_records_per_s: number }> {
  const open = () => new Aggregator({ dbPath: join(mkdtempSync(join(root, 'store-')), 'a.sqlite'), consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  const count = quick ? 2048 : 16384;
  const group = 64;
  const reference = open();
  const members = admitMembers(reference, 16);
  const memberships = (reference.db.prepare('SELECT raw FROM records WHERE kind = 1 ORDER BY seq').all() as { raw: Buffer }[]).map((row) => new Uint8Array(row.raw));
  const records = presign(members, count, group, reference.selectCaps(), 60000);
  const groups: Uint8Array[][] = [];
  for (let offset = 0; offset < count; offset += group) groups.push(records.slice(offset, offset + group));
  const refused = (results: { ok: boolean }[]) => {
    if (results.some((result) => !result.ok)) throw new Error('a bench record was refused');
  };
  let began = performance.now();
  for (const list of groups) refused(reference.submitMany(list));
  const mainThread = count / ((performance.now() - began) / 1000);
  reference.close();
  const pooled = open();
  refused(pooled.submitMany(memberships));
  const pool = await VerifyPool.start(defaultWorkers());
  const dispatch = (list: Uint8Array[]) => {
    const prepared = list.map((bytes) => pooled.prepare(bytes, true));
    const verified = pool.verify(prepared.flatMap((entry) => entry.checks)).then((verdicts) => {
      let next = 0;
      for (const entry of prepared) entry.verdicts = verdicts.slice(next, (next += entry.checks.length));
    });
    return { prepared, verified };
  };
  began = performance.now();
  let next = dispatch(groups[0]);
  for (let index = 0; index < groups.length; index++) {
    const current = next;
    await current.verified;
    if (index + 1 < groups.length) next = dispatch(groups[index + 1]);
    refused(pooled.commit(current.prepared));
  }
  const withPool = count / ((performance.now() - began) / 1000);
  const workers = pool.size;
  await pool.close();
  pooled.close();
  return { workers, group, main_thread_records_per_s: Math.round(mainThread), pool_records_per_s: Math.round(withPool) };
}

function capSelection(stored: number): { stored: number; p50_ms: number; p99_ms: number } {
  const directory = mkdtempSync(join(root, 'caps-'));
  const dbPath = join(directory, 'a.sqlite');
  const aggregator = new Aggregator({ dbPath, consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) });
  const members = admitMembers(aggregator, 8);
  const real = Math.min(4096, stored);
  const template = presign(members, 1, 1, aggregator.selectCaps(), 60000)[0];
  const insert = aggregator.db.prepare('INSERT INTO records (id, issuer, seq, kind, time_ms, energy_wh, ecash, counterparty, ref, raw, received_ms) VALUES (?, ?, ?, 2, ?, 1000, 100, NULL, NULL, ?, ?)');
  const edge = aggregator.db.prepare('INSERT INTO edges (child, parent) VALUES (?, ?)');
  const filler = stored - real;
  for (let done = 0; done < filler; done += 10000) {
    aggregator.db.transaction(() => {
      for (let index = done; index < Math.min(filler, done + 10000); index++) {
        const id = randomBytes(16);
        insert.run(id, 1, 1000000 + index, Date.now(), Buffer.from(template), Date.now());
        edge.run(id, Buffer.from(GENESIS_ID));
      }
    })();
  }
  const chain = presign(members, real, 1, aggregator.selectCaps(), 60000);
  for (let offset = 0; offset < chain.length; offset += 512) {
    for (const result of aggregator.submitMany(chain.slice(offset, offset + 512))) if (!result.ok) throw new Error(`bench record refused: ${result.code}`);
  }
  const times: number[] = [];
  for (let round = 0; round < (quick ? 200 : 2000); round++) {
    const began = performance.now();
    aggregator.selectCaps();
    times.push(performance.now() - began);
  }
  aggregator.close();
  times.sort((a, b) => a - b);
  return { stored, p50_ms: percentile(times, 0.5), p99_ms: percentile(times, 0.99) };
}

// Alternate runs, the main-thread one first, so neither is favoured by a warmer cache or a quieter minute.
const mainThreadRuns: IngestFigures[] = [];
const poolRuns: IngestFigures[] = [];
for (let round = 0; round < rounds; round++) {
  mainThreadRuns.push(await ingest(0));
  poolRuns.push(await ingest(defaultWorkers()));
}
const best = (runs: IngestFigures[]) => runs.reduce((a, b) => (b.records_per_s > a.records_per_s ? b : a));
const mainThreadFigures = best(mainThreadRuns);
const ingestFigures = best(poolRuns);
const stageFigures = await stages();
const storeFigures = await storeInProcess();
const sizes = quick ? [10000] : [10000, 100000, 1000000];
const caps = sizes.map(capSelection);
const at1e6 = caps.find((entry) => entry.stored === 1000000);
console.log(JSON.stringify({
  ingest_records_per_s: ingestFigures.records_per_s,
  ingest: ingestFigures,
  ingest_main_thread_verify: mainThreadFigures,
  ingest_ratio_pool_to_main_thread: Number((ingestFigures.records_per_s / mainThreadFigures.records_per_s).toFixed(2)),
  ingest_rounds_records_per_s: { pool: poolRuns.map((run) => run.records_per_s), main_thread: mainThreadRuns.map((run) => run.records_per_s) },
  stages_us_per_record: stageFigures,
  store_in_process: storeFigures,
  cap_selection: caps,
  cap_selection_p99_ms_1e6: at1e6 ? at1e6.p99_ms : null,
  db_bytes_per_record: ingestFigures.db_bytes_per_record,
  rss_bytes: ingestFigures.rss_bytes,
}));
