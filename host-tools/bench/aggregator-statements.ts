// Where the aggregator's main thread spends a stored record's time, statement by statement, on a store of
// members only and on one that also holds STORED records and two open orders a member (the aggregator
// bench's largest growth point): in this process, without HTTP or the verify pool (signatures and digests
// computed beforehand), groups of GROUP records committed as the server commits them (commitDeferred, the
// checkpointer thread running). Per point: the main thread's CPU and the commit's wall time per record, each
// statement's wall time and calls per record, and the process's reads and writes per record (/proc/self/io:
// SQLite's page reads that missed its cache, the log's frames). Prints one JSON object.
// Run: node --import tsx host-tools/bench/aggregator-statements.ts [--quick]
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { Aggregator, PreparedRecord } from '../aggregator/aggregator';
import { Checkpointer } from '../aggregator/checkpointer';
import { DIGEST_BYTES } from '../aggregator/verify-pool';
import { verifyHost } from '../crypto/verify-host';
import { DEFAULT_SLOT_MS } from '../../firmware/protocol';
import { FillMember, StoreFiller, presignOffers } from './prefill';

const quick = process.argv.includes('--quick');
const MEMBERS = quick ? 1000 : 50000;
const STORED = quick ? 20000 : 1000000;
const COUNT = quick ? 4096 : 40000;
const GROUP = 128;
/** Records between a record and its nearest parent, as in the aggregator bench (parents already stored). */
const PARENT_GAP = 2048;
const SLOT_MS = DEFAULT_SLOT_MS;
const consortiumSeed = new Uint8Array(32).fill(1);
const aggregatorSeed = new Uint8Array(32).fill(2);

/** User plus system CPU seconds of a process or thread so far (proc(5): utime, stime in ticks of 1/100 s). */
function cpuSeconds(statPath: string): number {
  const fields = readFileSync(statPath, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function io(): Record<string, number> {
  return Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((line) => {
    const [name, value] = line.split(': ');
    return [name, Number(value)];
  }));
}

type Timing = { ns: bigint; calls: number };

/** Replaces each prepared statement of `holder` by one that adds its wall time and calls to `timings`. */
function timeStatements(holder: Record<string, Database.Statement>, prefix: string, timings: Map<string, Timing>): void {
  for (const [name, statement] of Object.entries(holder)) {
    const timing: Timing = { ns: 0n, calls: 0 };
    timings.set(prefix + name, timing);
    const timed = (method: 'run' | 'get' | 'all') => (...parameters: unknown[]) => {
      const began = process.hrtime.bigint();
      try {
        return statement[method](...parameters);
      } finally {
        timing.ns += process.hrtime.bigint() - began;
        timing.calls++;
      }
    };
    holder[name] = { source: statement.source, run: timed('run'), get: timed('get'), all: timed('all'), iterate: statement.iterate.bind(statement) } as unknown as Database.Statement;
  }
}

async function measure(path: string, members: FillMember[]): Promise<Record<string, unknown>> {
  const newest = (() => {
    const aggregator = new Aggregator({ dbPath: path, consortiumSeed, aggregatorSeed });
    const rows = aggregator.db.prepare('SELECT id FROM records ORDER BY rowid DESC LIMIT 64').all() as { id: Buffer }[];
    aggregator.close();
    return rows.reverse().map((row) => new Uint8Array(row.id));
  })();
  const records = presignOffers(members, COUNT, PARENT_GAP, newest, Math.floor(Date.now() / SLOT_MS) - 1, SLOT_MS);
  const aggregator = new Aggregator({ dbPath: path, consortiumSeed, aggregatorSeed });
  const checkpointer = Checkpointer.start(aggregator.db, path);
  const prepared: PreparedRecord[] = records.map((bytes) => aggregator.prepare(bytes, true));
  for (const entry of prepared) {
    entry.verdicts = entry.checks.map((check) => verifyHost(check.message, check.signature, check.publicKey));
    entry.digests = entry.digestInputs.map((input) => createHash('sha512').update(input).digest().subarray(0, DIGEST_BYTES));
  }
  // The aggregator's and its store view's statements (private: a bench's look inside, not an interface).
  const timings = new Map<string, Timing>();
  const inside = aggregator as unknown as { statements: Record<string, Database.Statement>; view: { statements: Record<string, Database.Statement> } };
  timeStatements(inside.statements, '', timings);
  timeStatements(inside.view.statements, 'view.', timings);
  const ioBefore = io();
  const mainBefore = cpuSeconds('/proc/thread-self/stat');
  let commitNs = 0n;
  let durable: Promise<void> = Promise.resolve();
  for (let offset = 0; offset < COUNT; offset += GROUP) {
    const began = process.hrtime.bigint();
    const group = aggregator.commitDeferred(prepared.slice(offset, offset + GROUP));
    commitNs += process.hrtime.bigint() - began;
    for (const result of group.results) if (!result.ok) throw new Error(`bench record refused: ${result.code}`);
    // One group's sync in flight while the next commits, as in the server.
    await durable;
    durable = group.durable;
  }
  await durable;
  const mainSeconds = cpuSeconds('/proc/thread-self/stat') - mainBefore;
  const ioAfter = io();
  await checkpointer.stop();
  aggregator.close();
  const perRecord = (value: number) => Number((value / COUNT).toFixed(2));
  const statements = Object.fromEntries([...timings].filter(([, timing]) => timing.calls > 0).sort((a, b) => Number(b[1].ns - a[1].ns))
    .map(([name, timing]) => [name, { us: perRecord(Number(timing.ns) / 1000), calls: perRecord(timing.calls) }]));
  const statementsNs = [...timings.values()].reduce((sum, timing) => sum + timing.ns, 0n);
  return {
    main_thread_cpu_us_per_record: perRecord(mainSeconds * 1e6), commit_us_per_record: perRecord(Number(commitNs) / 1000),
    statements_us_per_record: perRecord(Number(statementsNs) / 1000), rest_of_commit_us_per_record: perRecord(Number(commitNs - statementsNs) / 1000),
    read_calls_per_record: perRecord(ioAfter.syscr - ioBefore.syscr), written_bytes_per_record: Math.round((ioAfter.wchar - ioBefore.wchar) / COUNT),
    statements,
  };
}

const directory = mkdtempSync(join(tmpdir(), 'smartchain-aggregator-statements-'));
try {
  const emptyPath = join(directory, 'members.sqlite');
  const filledPath = join(directory, 'filled.sqlite');
  const setup = new Aggregator({ dbPath: emptyPath, consortiumSeed, aggregatorSeed });
  const members = new StoreFiller(setup.db, consortiumSeed, SLOT_MS).addMembers(MEMBERS, 1000000, 7, Date.now());
  setup.close();
  copyFileSync(emptyPath, filledPath);
  const filled = new Aggregator({ dbPath: filledPath, consortiumSeed, aggregatorSeed });
  // Filled slots end well before the ingests' (which take the slot before the present one).
  new StoreFiller(filled.db, consortiumSeed, SLOT_MS).addOrders(members, Math.round(STORED / MEMBERS), Math.floor(Date.now() / SLOT_MS) - 100, Date.now());
  filled.close();
  const empty = await measure(emptyPath, members);
  const full = await measure(filledPath, members);
  console.log(JSON.stringify({ members: MEMBERS, stored: STORED, records: COUNT, group: GROUP, empty, [`stored_${STORED}`]: full }));
} finally {
  rmSync(directory, { recursive: true, force: true });
}
