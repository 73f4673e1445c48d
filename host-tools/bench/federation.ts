// Federated ingest against the embedded aggregator, in one run on this machine: the same load generator
// (members, records, requests in flight) against one embedded aggregator, one federated aggregator and
// three federated aggregators (the load spread over them) on a local 3-member etcd cluster on loopback;
// then the catch-up rate of a federated aggregator killed with -9 while the other two ingest, restarted.
// Every process runs with --workers 0 (signatures on the main thread), so the three configurations share
// the two cores alike. Prints one JSON object as its last line.
// Run: node --import tsx host-tools/bench/federation.ts [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, etcdAvailable } from '../federation/cluster';
import { runLoad } from '../loadgen/loadgen';
import { AggregatorProcess, aggregatorDirs, adminTokenOf, stats } from '../federation/harness';
import { spawn } from 'node:child_process';

const quick = process.argv.includes('--quick');
const COUNT = quick ? 300 : 3000;
const MEMBERS = 20;
// Below the server's per-address connection cap (CONNECTIONS_PER_ADDRESS_MAX, 64), as loadgen's default.
const IN_FLIGHT = 32;

/** The embedded aggregator as a process, without --cluster. */
async function embedded(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'aggregator', '--db', join(dir, 'a.sqlite'), '--create', '--http', '127.0.0.1:0', '--auction-ms', '0', '--workers', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`the embedded aggregator exited with ${code}`)));
  });
  return { url, stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))) };
}

async function load(urls: string[], token: string, seed: number): Promise<number> {
  const result = await runLoad({ url: urls.join(','), adminToken: token, members: MEMBERS, count: COUNT, attack: 'none', seed, inFlight: IN_FLIGHT });
  if (result.accepted !== COUNT) throw new Error(`${COUNT - result.accepted} records refused: ${JSON.stringify(result.codes)}`);
  return result.records_per_s;
}

// Without etcd (make setup installs it) the figures are not measured, and say so.
if (!etcdAvailable()) {
  console.log(JSON.stringify({ skipped: 'etcd is not installed (make setup installs Debian etcd-server)' }));
  process.exit(0);
}
const root = mkdtempSync(join(tmpdir(), 'smartchain-bench-federation-'));
let cluster: LocalCluster | null = null;
const running: AggregatorProcess[] = [];
try {
  const single = await embedded(join(root, 'embedded'));
  let embeddedRate: number;
  try {
    embeddedRate = await load([single.url], adminTokenOf(join(root, 'embedded')), 1);
  } finally {
    await single.stop();
  }

  cluster = await LocalCluster.start(join(root, 'etcd'), 3);
  const [oneDir] = aggregatorDirs(join(root, 'one'), 1);
  const one = new AggregatorProcess(oneDir, cluster.url, 'bench-one');
  running.push(one);
  await one.start();
  const oneRate = await load([one.url], adminTokenOf(oneDir), 2);
  await one.kill();

  const dirs = aggregatorDirs(join(root, 'three'), 3);
  const three = dirs.map((dir) => new AggregatorProcess(dir, (cluster as LocalCluster).url, 'bench-three'));
  running.push(...three);
  await Promise.all(three.map((aggregator) => aggregator.start()));
  const threeRate = await load(three.map((aggregator) => aggregator.url), adminTokenOf(dirs[0]), 3);

  // Catch-up: one of the three is killed, the other two ingest as much again, the killed one restarts.
  const before = (await stats(three[2].url)).records;
  await three[2].kill();
  await load([three[0].url, three[1].url], adminTokenOf(dirs[0]), 4);
  const behind = (await stats(three[0].url)).records - before;
  await three[2].start();
  const resumed = /applied revision (\d+) \((\d+) records\) in (\d+) ms/.exec(three[2].output);
  if (resumed === null) throw new Error(`the restarted aggregator did not report its catch-up: ${three[2].output}`);
  const caughtUp = Number(resumed[2]) - before;
  if (caughtUp !== behind) throw new Error(`the restarted aggregator applied ${caughtUp} records, ${behind} were missing`);
  const catchUpMs = Number(resumed[3]);
  const digests = new Set((await Promise.all(three.map((aggregator) => stats(aggregator.url)))).map((entry) => entry.federation.digest));
  console.log(JSON.stringify({
    records_per_run: COUNT, members: MEMBERS, in_flight: IN_FLIGHT, etcd_members: 3,
    embedded_records_per_s: embeddedRate,
    federated_1_records_per_s: oneRate,
    federated_3_records_per_s: threeRate,
    ratio_federated_1_to_embedded: Number((oneRate / embeddedRate).toFixed(3)),
    ratio_federated_3_to_embedded: Number((threeRate / embeddedRate).toFixed(3)),
    catch_up_records: caughtUp,
    catch_up_ms: catchUpMs,
    catch_up_records_per_s: Math.round(caughtUp / (catchUpMs / 1000)),
    digests_agree_after_catch_up: digests.size === 1,
  }));
} finally {
  await Promise.all(running.map((aggregator) => aggregator.kill()));
  await (cluster as LocalCluster | null)?.stop();
  rmSync(root, { recursive: true, force: true });
}
