// `smartchain cluster up|down`: a local etcd cluster on loopback for trying federation out
// (docs/federation.md). `up` starts the members, prints the --cluster URL, writes DIR/cluster.json and
// runs until SIGINT or SIGTERM, then stops the members; `down` signals the `up` process named there.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommandError, UsageError, parseIntegerOption, requireString } from '../command';
import { LocalCluster, MEMBERS_MAX, etcdAvailable } from '../../federation/cluster';

const DOWN_WAIT_MS = 10000;

/** Whether a process runs (a zombie, exited but not yet reaped by its parent, does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export const command: Command = {
  name: 'cluster',
  summary: 'start or stop a local etcd cluster on loopback for federated aggregators',
  usage: `smartchain cluster up|down --dir DIR [--members N]

  up     starts N etcd members (default 3, at most ${MEMBERS_MAX}) on 127.0.0.1 with free ports, data and
         logs under DIR; prints "cluster etcd://..." (the aggregators' --cluster) and writes
         DIR/cluster.json; stops the members on SIGINT or SIGTERM. Needs Debian's etcd-server (make setup).
  down   stops the cluster that 'up' runs for DIR and waits until it has stopped.`,
  options: { dir: { type: 'string' }, members: { type: 'string' } },
  positionals: true,
  async run(values, positionals) {
    const action = positionals[0];
    if (positionals.length !== 1 || (action !== 'up' && action !== 'down')) throw new UsageError('say up or down');
    const dir = requireString(values, 'dir');
    const file = join(dir, 'cluster.json');
    if (action === 'down') {
      if (!existsSync(file)) throw new CommandError('CLUSTER_UNKNOWN', `no ${file}: no cluster runs for ${dir}`);
      const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
      if (alive(pid)) process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + DOWN_WAIT_MS;
      while (alive(pid)) {
        if (Date.now() > deadline) throw new CommandError('CLUSTER_STUCK', `process ${pid} still runs after ${DOWN_WAIT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log('cluster stopped');
      return 0;
    }
    const members = parseIntegerOption(values, 'members', 1, MEMBERS_MAX, 3);
    if (!etcdAvailable()) throw new CommandError('ETCD_MISSING', 'etcd is not installed: run make setup (Debian etcd-server)');
    if (existsSync(file)) {
      const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
      if (alive(pid)) throw new CommandError('CLUSTER_RUNNING', `a cluster already runs for ${dir} (process ${pid})`);
    }
    const started = Date.now();
    const cluster = await LocalCluster.start(dir, members);
    writeFileSync(file, JSON.stringify({ pid: process.pid, url: cluster.url, members: cluster.pids }) + '\n');
    console.log(`cluster ${cluster.url}`);
    console.log(`${members} members healthy in ${Date.now() - started} ms; data and logs in ${dir}`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        void cluster.stop().then(() => {
          rmSync(file, { force: true });
          resolve();
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
