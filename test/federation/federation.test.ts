// Federation on a real 3-member etcd cluster on loopback with real aggregator processes: parallel sends
// (the same record to two aggregators at once, conflicting double spends and equivocations to different
// ones) leave every aggregator with the same records, balances and digest; kill -9 of an aggregator and
// of an etcd member under load loses no acknowledged record. Each test is bounded in time and removes
// its processes and folders whatever happens. Skipped, with one line, when etcd is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { KIND_BOUGHT, KIND_OFFER, KIND_SOLD } from '../../firmware/records';
import { Etcd3 } from 'etcd3';
import { Aggregator } from '../../host-tools/aggregator/aggregator';
import { keyPairFromSeed } from '../../firmware/crypto/ed25519';
import { LocalCluster, etcdAvailable, parseClusterUrl } from '../../host-tools/federation/cluster';
import { EtcdLedgerLog } from '../../host-tools/federation/etcd-log';
import { InProcessFederation } from '../../host-tools/federation/in-process';
import { runLoad } from '../../host-tools/loadgen/loadgen';
import { CONVERGE_MS, Member, bounded, converged, post, register, removeDir, request, signedRecord, stats, withFederation } from '../support/federation';

const idBytes = (id: string) => new Uint8Array(Buffer.from(id, 'hex'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('--cluster and --zone are checked before anything starts; cluster URLs parse or are refused', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['host-tools/cli/bin.js', ...args], { encoding: 'utf8' });
  const bad = run('aggregator', '--db', join(tmpdir(), 'never-created', 'a.sqlite'), '--cluster', 'http://127.0.0.1:2379');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--cluster must be etcd:\/\/HOST:PORT/);
  const zone = run('aggregator', '--db', join(tmpdir(), 'never-created', 'a.sqlite'), '--cluster', 'etcd://127.0.0.1:2379', '--zone', 'Bad Zone');
  assert.is(zone.status, 2);
  assert.match(zone.stderr, /--zone must match/);
  assert.is(run('aggregator', '--zone', 'city').status, 2, '--zone needs --cluster');
  assert.is(existsSync(join(tmpdir(), 'never-created')), false, 'nothing was created');
  assert.equal(parseClusterUrl('etcd://127.0.0.1:2379,localhost:2380'), ['http://127.0.0.1:2379', 'http://localhost:2380']);
  for (const text of ['etcd://', 'etcd://host', 'etcd://h:99999', 'etcd://a:1,,b:2', 'https://a:1', 'etcd://a:1/x']) assert.is(parseClusterUrl(text), null, text);
  assert.is(run('cluster', 'sideways', '--dir', 'x').status, 2);
});

if (!etcdAvailable()) {
  console.log('federation tests skipped: the etcd binary is not installed (make setup installs Debian etcd-server)');
} else {
  test('cluster up prints its URL and serves; cluster down stops it and removes cluster.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smartchain-cluster-'));
    const up = spawn(process.execPath, ['host-tools/cli/bin.js', 'cluster', 'up', '--members', '3', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`no cluster URL within 30 s: ${output}`)), 30000);
        up.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /cluster (etcd:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      const hosts = parseClusterUrl(url) as string[];
      assert.is(hosts.length, 3);
      for (const host of hosts) assert.is(((await (await fetch(`${host}/health`)).json()) as { health: string }).health, 'true');
      const exited = new Promise((resolve) => up.once('exit', resolve));
      // Not spawnSync: this process must go on reaping its child 'cluster up' meanwhile.
      const down = spawn(process.execPath, ['host-tools/cli/bin.js', 'cluster', 'down', '--dir', dir], { stdio: 'ignore' });
      assert.is(await new Promise((resolve) => down.once('exit', resolve)), 0);
      assert.is(await exited, 0);
      assert.is(existsSync(join(dir, 'cluster.json')), false);
      for (const host of hosts) assert.ok(await fetch(`${host}/health`).then(() => false, () => true), `${host} stopped`);
    } finally {
      // SIGTERM lets 'cluster up' stop its members; a SIGKILL would leave them running.
      if (up.exitCode === null && up.signalCode === null) {
        const exited = new Promise((resolve) => up.once('exit', resolve));
        up.kill('SIGTERM');
        await Promise.race([exited, sleep(10000)]);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('compaction stays below what every aggregator applied; a store behind the compacted history is refused', async () => {
    const root = mkdtempSync(join(tmpdir(), 'smartchain-federation-compaction-'));
    const seeds = { consortiumSeed: new Uint8Array(32).fill(1), aggregatorSeed: new Uint8Array(32).fill(2) };
    let federation: InProcessFederation | null = null;
    const late = new Aggregator({ dbPath: join(root, 'late.sqlite'), ...seeds });
    const client: { etcd: Etcd3 | null } = { etcd: null };
    try {
      await bounded('compaction', (async () => {
        federation = await InProcessFederation.start(2, root, (index) => new Aggregator({ dbPath: join(root, `a${index}.sqlite`), ...seeds }));
        for (let index = 0; index < 5; index++) assert.is(await federation.admit(keyPairFromSeed(new Uint8Array(32).fill(90 + index)).publicKey, 100), index + 1);
        await federation.converge();
        await sleep(2500); // each aggregator publishes its applied revision every second
        const applied = Math.min(...federation.logs.map((log) => log.revision));
        const compactedAt = await federation.logs[0].compact();
        assert.is(compactedAt, applied, 'compacted exactly at the lowest applied revision');
        client.etcd = new Etcd3({ hosts: federation.hosts });
        const etcd = client.etcd;
        const below = await etcd.get('/smartchain/city/consortium').revision(String(applied - 1)).exec().then(() => 'read', (error: Error) => error.message);
        assert.match(below, /compacted/, 'history below it is gone');
        const opened = await EtcdLedgerLog.open(late, { hosts: federation.hosts, zone: 'city', name: 'late', onFatal: () => undefined }).then(() => 'opened', (error: Error) => error.message);
        assert.match(opened, /history from revision 1 is gone: .*compacted/, 'an empty store cannot catch up from a compacted history');
        assert.is(late.stats().records, 0);
      })());
    } finally {
      client.etcd?.close();
      late.close();
      await (federation as InProcessFederation | null)?.close();
      removeDir(root);
    }
  });

  test('parallel sends to three aggregators: same records, balances and digest; one of each conflicting pair; Ecash conserved', async () => {
    await withFederation('consistency', async (_cluster, aggregators, token) => {
      const urls = aggregators.map((aggregator) => aggregator.url);
      // Members admitted through different aggregators: membership goes through the shared log too.
      const members: Member[] = [];
      for (let index = 0; index < 6; index++) members.push(await register(urls[index % 3], token, 60 + index, 1000));
      assert.equal(members.map((member) => member.id), [1, 2, 3, 4, 5, 6]);
      const [seller, buyer, , spender, equivocator] = members;
      const genesis = [GENESIS_ID, GENESIS_ID];

      // A trade whose records go through different aggregators, approved by four other members.
      const soldAt = Date.now();
      const sold = signedRecord(members, seller, { kind: KIND_SOLD, energyWh: 2000, ecash: 400, counterparty: buyer.id, ref: new Uint8Array(16).fill(9), timeMs: soldAt }, genesis);
      assert.is((await post(urls[0], sold.bytes)).status, 201);
      const bought = signedRecord(members, buyer, { kind: KIND_BOUGHT, energyWh: 2000, ecash: 400, counterparty: seller.id, ref: idBytes(sold.id), timeMs: soldAt + 1 }, [idBytes(sold.id), GENESIS_ID]);
      assert.is((await post(urls[1], bought.bytes)).status, 201, 'a record whose parent another aggregator committed');
      for (let index = 2; index < 6; index++) {
        const approval = signedRecord(members, members[index], { kind: KIND_OFFER }, [idBytes(sold.id), idBytes(bought.id)]);
        assert.is((await post(urls[index % 3], approval.bytes)).status, 201);
      }

      // Conflicts to different aggregators at once, with honest load over all three.
      const spendA = signedRecord(members, spender, { kind: KIND_BOUGHT, ecash: 700, counterparty: seller.id, ref: new Uint8Array(16).fill(1) }, genesis);
      const spendB = signedRecord(members, spender, { kind: KIND_BOUGHT, ecash: 700, counterparty: seller.id, ref: new Uint8Array(16).fill(2) }, genesis);
      const seq = equivocator.seq + 1;
      const twinA = signedRecord(members, equivocator, { kind: KIND_OFFER, seq, energyWh: 1111 }, genesis);
      const twinB = signedRecord(members, equivocator, { kind: KIND_OFFER, seq, energyWh: 2222 }, genesis);
      const same = signedRecord(members, members[2], { kind: KIND_OFFER }, genesis);
      const [load, answerA, answerB, twinAnswerA, twinAnswerB, sameA, sameC] = await Promise.all([
        runLoad({ url: urls.join(','), adminToken: token, members: 4, count: 300, attack: 'none', seed: 5, inFlight: 16 }),
        post(urls[0], spendA.bytes), post(urls[1], spendB.bytes),
        post(urls[1], twinA.bytes), post(urls[2], twinB.bytes),
        post(urls[0], same.bytes), post(urls[2], same.bytes),
      ]);
      assert.is(load.accepted, 300, JSON.stringify(load.codes));
      const spendCodes = [answerA, answerB].map((answer) => (answer.status === 201 ? 'OK' : String(answer.json.code))).sort();
      assert.equal(spendCodes, ['CONFLICT_DOUBLE_SPEND', 'OK'], 'exactly one of the double spends');
      const twinCodes = [twinAnswerA, twinAnswerB].map((answer) => (answer.status === 201 ? 'OK' : String(answer.json.code))).sort();
      assert.equal(twinCodes, ['EQUIVOCATION', 'OK'], 'exactly one of the equivocating pair');
      assert.ok(sameA.status === 200 || sameA.status === 201);
      assert.ok(sameC.status === 200 || sameC.status === 201);
      assert.equal([sameA.json.duplicate, sameC.json.duplicate].sort(), [false, true], 'the same record is stored once');

      const all = await converged(urls, CONVERGE_MS);
      const grants = 6 * 1000 + 4 * 1000000;
      for (const entry of all) {
        assert.is(entry.federation.digest, all[0].federation.digest);
        assert.is(entry.records, all[0].records);
        assert.is(entry.ecash_total, grants, 'Ecash conserved');
        assert.is(entry.trades_committed, 1);
      }
      assert.is(all[0].records, 10 + 6 + 300 + 2 + 1, 'members, the trade and its approvals, the load, one of each pair, the shared record');
      const balances = await Promise.all(urls.map(async (url) => ((await request(url, 'GET', '/v1/members', null)).json as { members: unknown }).members));
      for (const entry of balances) assert.equal(entry, balances[0]);
      const byId = new Map((balances[0] as { id: number; balance: number }[]).map((row) => [row.id, row.balance]));
      assert.is(byId.get(seller.id), 1400);
      assert.is(byId.get(buyer.id), 600);
      const accepted = answerA.status === 201 ? spendA.id : spendB.id;
      const refused = answerA.status === 201 ? spendB.id : spendA.id;
      for (const url of urls) {
        assert.is((await request(url, 'GET', `/v1/records/${accepted}`, null)).status, 200);
        assert.is((await request(url, 'GET', `/v1/records/${refused}`, null)).status, 404);
      }
    });
  });

  test('kill -9 of an aggregator and of an etcd member under load: every acknowledged record everywhere, digests agree', async () => {
    await withFederation('faults', async (cluster, aggregators, token) => {
      const members: Member[] = [];
      for (let index = 0; index < 6; index++) members.push(await register(aggregators[0].url, token, 80 + index, 1000000));
      const acked = new Set<string>();
      let unknown = 0;
      let sent = 0;
      let recent: string[] = [];
      let running = true;
      // Each record goes to the next aggregator; an unknown outcome (no answer, 503) is sent again as it
      // is, to the next one, as a client would: the log keeps each record once.
      const worker = async (offset: number) => {
        for (let index = offset; running; index += 8) {
          const parents = recent.length >= 2 ? [idBytes(recent[0]), idBytes(recent[1])] : [GENESIS_ID, GENESIS_ID];
          const record = signedRecord(members, members[index % members.length], { kind: KIND_OFFER }, parents);
          sent++;
          for (let attempt = 0; attempt < 6; attempt++) {
            const target = aggregators[(index + attempt) % aggregators.length];
            const answer = target.url === '' || target.child === null ? { status: 0, json: {} } : await post(target.url, record.bytes);
            if (answer.status === 200 || answer.status === 201) {
              acked.add(record.id);
              recent = [record.id, ...recent].slice(0, 4);
              break;
            }
            assert.ok(answer.status === 0 || answer.status === 503, `${answer.status} ${JSON.stringify(answer.json)}`);
            unknown++;
            await sleep(100);
          }
        }
      };
      const load = Promise.all(Array.from({ length: 8 }, (_, offset) => worker(offset)));
      await sleep(2000);
      await aggregators[2].kill();
      aggregators[2].url = '';
      await sleep(2000);
      await aggregators[2].start();
      const resumed = /applied revision (\d+)/.exec(aggregators[2].output);
      assert.ok(resumed !== null && Number(resumed[1]) > 0, `the restarted aggregator resumed from its saved revision: ${aggregators[2].output}`);
      await sleep(1500);
      cluster.kill(1);
      await sleep(2000);
      await cluster.restart(1);
      await sleep(1500);
      running = false;
      await load;
      assert.ok(acked.size > 50, `${acked.size} records acknowledged of ${sent}, ${unknown} unknown outcomes`);
      const urls = aggregators.map((aggregator) => aggregator.url);
      const all = await converged(urls, CONVERGE_MS);
      for (const entry of all) {
        assert.is(entry.federation.digest, all[0].federation.digest);
        assert.is(entry.records, all[0].records);
        assert.is(entry.ecash_total, 6 * 1000000);
      }
      for (const id of acked) {
        for (const url of urls) assert.is((await request(url, 'GET', `/v1/records/${id}`, null)).status, 200, `acknowledged record ${id} on ${url}`);
      }
      console.log(`  faults: ${acked.size} of ${sent} records acknowledged, ${unknown} unknown outcomes sent again, ${(await stats(urls[0])).records} records everywhere`);
    });
  });
}

test.run();
