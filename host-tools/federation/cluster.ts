// A local etcd cluster on loopback for trying federation out and for tests: N members of Debian's
// etcd 3.4 (`etcd` on the PATH), each with its data directory under one folder and its client and peer
// ports picked free. Bounded: at most MEMBERS_MAX members; start-up waits at most START_MS for every
// member to answer its health endpoint.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const MEMBERS_MAX = 7;
export const START_MS = 20000;
const HOST = '127.0.0.1';

/** Whether the etcd binary is installed (`make setup` installs Debian's etcd-server). */
export function etcdAvailable(): boolean {
  return spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A free TCP port on loopback, as the kernel hands one out for port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type Member = { name: string; clientPort: number; peerPort: number; dataDir: string; logPath: string; child: ChildProcess | null };

export class LocalCluster {
  private constructor(readonly dir: string, private members: Member[], private token: string) {}

  /** Starts `count` members in `dir` (created if needed) and waits until each answers healthy. */
  static async start(dir: string, count: number): Promise<LocalCluster> {
    if (!Number.isInteger(count) || count < 1 || count > MEMBERS_MAX) throw new Error(`members must be 1..${MEMBERS_MAX}, got ${count}`);
    mkdirSync(dir, { recursive: true });
    const members: Member[] = [];
    for (let index = 0; index < count; index++) {
      const name = `m${index}`;
      members.push({ name, clientPort: await freePort(), peerPort: await freePort(), dataDir: join(dir, name), logPath: join(dir, `${name}.log`), child: null });
    }
    const cluster = new LocalCluster(dir, members, `smartchain-${randomBytes(6).toString('hex')}`);
    try {
      for (let index = 0; index < count; index++) cluster.spawnMember(index);
      await cluster.waitHealthy();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The client endpoints, as `--cluster` takes them: etcd://HOST:PORT,HOST:PORT,... */
  get url(): string {
    return 'etcd://' + this.members.map((member) => `${HOST}:${member.clientPort}`).join(',');
  }

  get hosts(): string[] {
    return this.members.map((member) => `http://${HOST}:${member.clientPort}`);
  }

  get pids(): number[] {
    return this.members.flatMap((member) => (member.child?.pid === undefined ? [] : [member.child.pid]));
  }

  private spawnMember(index: number): void {
    const member = this.members[index];
    const initial = this.members.map((entry) => `${entry.name}=http://${HOST}:${entry.peerPort}`).join(',');
    const log = openSync(member.logPath, 'a');
    // On a restart the data directory holds the membership, and etcd ignores the --initial-* flags.
    member.child = spawn('etcd', [
      '--name', member.name, '--data-dir', member.dataDir,
      '--listen-client-urls', `http://${HOST}:${member.clientPort}`, '--advertise-client-urls', `http://${HOST}:${member.clientPort}`,
      '--listen-peer-urls', `http://${HOST}:${member.peerPort}`, '--initial-advertise-peer-urls', `http://${HOST}:${member.peerPort}`,
      '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', this.token,
      '--logger', 'zap', '--log-outputs', 'stderr',
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    const child = member.child;
    child.on('exit', () => {
      if (member.child === child) member.child = null;
    });
  }

  private async waitHealthy(indexes = this.members.map((_, index) => index)): Promise<void> {
    const deadline = Date.now() + START_MS;
    for (const index of indexes) {
      const member = this.members[index];
      for (;;) {
        if (member.child === null) throw new Error(`etcd member ${member.name} exited during start-up (see ${member.logPath})`);
        try {
          const response = await fetch(`http://${HOST}:${member.clientPort}/health`, { signal: AbortSignal.timeout(1000) });
          const body = (await response.json()) as { health?: string };
          if (body.health === 'true') break;
        } catch {
          // Not listening yet.
        }
        if (Date.now() > deadline) throw new Error(`etcd member ${member.name} not healthy within ${START_MS} ms (see ${member.logPath})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** kill -9 of one member: no shutdown, as a crash or a power cut. */
  kill(index: number): void {
    this.members[index].child?.kill('SIGKILL');
  }

  /** Starts a killed member again on its data directory and ports, and waits until it is healthy. */
  async restart(index: number): Promise<void> {
    await this.waitExit(index);
    this.spawnMember(index);
    await this.waitHealthy([index]);
  }

  private waitExit(index: number): Promise<void> {
    const child = this.members[index].child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Stops every member (SIGTERM, then SIGKILL after two seconds) and waits for them to exit. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map(async (member, index) => {
      const child = member.child;
      if (child === null) return;
      const exited = this.waitExit(index);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }));
  }
}

/** Parses `etcd://HOST:PORT[,HOST:PORT...]` into client URLs; null when it is not that form. */
export function parseClusterUrl(text: string): string[] | null {
  const match = /^etcd:\/\/(.+)$/.exec(text);
  if (match === null) return null;
  const hosts = match[1].split(',');
  if (hosts.length > MEMBERS_MAX) return null;
  for (const host of hosts) if (!/^[0-9a-zA-Z.-]+:\d{1,5}$/.test(host) || Number(host.split(':')[1]) > 65535) return null;
  return hosts.map((host) => `http://${host}`);
}
