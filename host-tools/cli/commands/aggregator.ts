// `smartchain aggregator`: the full node with its SQLite store and HTTP API; prints
// `listening on http://HOST:PORT` once it accepts requests, and runs until stopped.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { POOL_WORKERS_MAX, VerifyPool, defaultWorkers } from '../../aggregator/verify-pool';
import { Checkpointer } from '../../aggregator/checkpointer';
import { Command, CommandError, UsageError, parseIntegerOption } from '../command';
import { SerialLink, openSerialLink } from '../../aggregator/serial-link';
import { DEFAULT_TOKENS_REQUIRED } from '../../../firmware/protocol';
import { parseClusterUrl } from '../../federation/cluster';
import { EtcdLedgerLog, HistoryCompacted, ZONE_PATTERN } from '../../federation/etcd-log';
import { openFederated } from '../../federation/restore';
import { SnapshotRefused, snapshotToken } from '../../federation/snapshot';
import { secretsFor, startServer } from '../../aggregator/server';
import { STORE_PATH_DEFAULT, openStore } from '../store';

export function parseHostPort(text: string): { host: string; port: number } {
  const match = /^([0-9a-zA-Z.:-]+):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535) throw new UsageError(`--http must be HOST:PORT, got ${text}`);
  return { host: match[1], port: Number(match[2]) };
}

export const command: Command = {
  name: 'aggregator',
  summary: 'run the aggregator (full node, SQLite store, HTTP API)',
  usage: `smartchain aggregator [--db FILE] [--create] [--http HOST:PORT] [--auction-ms N] [--workers N]
                      [--link serial:PORT[@BAUD]] [--cluster etcd://HOST:PORT[,HOST:PORT...] --zone NAME]

Opens the SQLite store, with the consortium and aggregator keys and the admin token kept beside it
(mode 0600), and serves the API of docs/api.md until SIGINT or SIGTERM, which close the store and exit 0.
  --db FILE         default data/aggregator.sqlite; a FILE that does not exist is an error
  --create          make a new store (and its keys) when FILE does not exist
  --http HOST:PORT  default 127.0.0.1:7700 (port 0 picks a free one)
  --auction-ms N    run a double-auction round every N ms (default 10000; 0 turns rounds off)
  --workers N       threads verifying signatures off the main thread (default: one per core less
                    one, at least one; 0 verifies on the main thread)
  --link serial:PORT[@BAUD]
                    also serve light nodes on a serial port (a LoRa gateway or a board on USB; UART
                    framing of docs/wire-format.md, 115200 baud by default): offloads are validated,
                    stored and acknowledged, and auction matches and commits are sent there. An
                    emulated board is reached the same way, through a pseudo-terminal.
  --cluster etcd://HOST:PORT[,...]
                    federate: share one ledger with the zone's other aggregators through this etcd
                    cluster (docs/federation.md). Every aggregator of a zone needs the same
                    consortium.key beside its database. Not with --link yet. A store behind the
                    cluster's compacted history is restored from a peer's snapshot by itself.
  --zone NAME       the ledger's name in the cluster (a-z, 0-9, '-'; default city)
  --compact-ms N    compact the cluster's history every N ms below what every aggregator of the zone
                    applied (default 60000; 0 never)`,
  options: { db: { type: 'string' }, create: { type: 'boolean' }, http: { type: 'string' }, 'auction-ms': { type: 'string' }, workers: { type: 'string' }, link: { type: 'string' }, cluster: { type: 'string' }, zone: { type: 'string' }, 'compact-ms': { type: 'string' } },
  async run(values) {
    const link = typeof values.link === 'string' ? /^serial:([^@]+)(?:@(\d{3,7}))?$/.exec(values.link) : null;
    if (values.link !== undefined && link === null) throw new UsageError(`--link must be serial:PORT or serial:PORT@BAUD, got ${String(values.link)}`);
    const dbPath = typeof values.db === 'string' ? values.db : STORE_PATH_DEFAULT;
    const { host, port } = parseHostPort(typeof values.http === 'string' ? values.http : '127.0.0.1:7700');
    const auctionMs = parseIntegerOption(values, 'auction-ms', 0, 3600000, 10000);
    const workers = parseIntegerOption(values, 'workers', 0, POOL_WORKERS_MAX, defaultWorkers());
    const hosts = typeof values.cluster === 'string' ? parseClusterUrl(values.cluster) : null;
    if (values.cluster !== undefined && hosts === null) throw new UsageError(`--cluster must be etcd://HOST:PORT[,HOST:PORT...], got ${String(values.cluster)}`);
    const zone = typeof values.zone === 'string' ? values.zone : 'city';
    if (!ZONE_PATTERN.test(zone)) throw new UsageError(`--zone must match ${ZONE_PATTERN}, got ${zone}`);
    if (values.zone !== undefined && hosts === null) throw new UsageError('--zone needs --cluster');
    if (hosts !== null && link !== null) throw new UsageError('--link is not federated yet: run a serial link on an aggregator without --cluster');
    const compactMs = parseIntegerOption(values, 'compact-ms', 0, 86400000, 60000);
    // A federated aggregator whose history the cluster compacted away while it ran restores from a
    // peer's snapshot: it closes everything and opens again (openFederated restores), on the same port.
    let listen = { host, port };
    for (;;) {
      const outcome = await serve(dbPath, values.create === true, listen, { auctionMs, workers, link, hosts, zone, compactMs });
      if (outcome.stop === 'signal') break;
      listen = { host, port: outcome.port };
      console.error(`restoring: ${outcome.reason}`);
    }
    console.log('stopped');
    return 0;
  },
};

type ServeOptions = { auctionMs: number; workers: number; link: RegExpExecArray | null; hosts: string[] | null; zone: string; compactMs: number };
type Outcome = { stop: 'signal' } | { stop: 'restore'; port: number; reason: string };

/** Opens the store (federated: restored from a peer when needed) and serves until a signal, or until a compacted history asks for a restore. */
async function serve(dbPath: string, create: boolean, listen: { host: string; port: number }, options: ServeOptions): Promise<Outcome> {
  const { auctionMs, workers, link, hosts, zone, compactMs } = options;
  const { host, port } = listen;
  const opened = openStore(dbPath, create);
  let aggregator = opened.aggregator;
  const { adminToken, created } = opened;
  let ledgerLog: EtcdLedgerLog | undefined;
  let compacted: (reason: string) => void = () => undefined;
  const restoreWanted = new Promise<string>((resolve) => (compacted = resolve));
  if (hosts !== null) {
    const started = Date.now();
    aggregator.close();
    try {
      const federated = await openFederated(dbPath, () => openStore(dbPath, false).aggregator, {
        hosts, zone, compactEveryMs: compactMs,
        onFatal: (error) => {
          if (error instanceof HistoryCompacted) return compacted(error.message);
          console.error(`aggregator stopped: ${error.message}`);
          process.exit(1);
        },
      }, snapshotToken(secretsFor(dbPath, false).consortiumSeed), (peer, url) => console.log(`restoring from peer ${peer} (${url})`));
      aggregator = federated.aggregator;
      ledgerLog = federated.log;
      const restored = federated.restored;
      if (restored !== null) console.log(`restored from peer ${restored.peer}: revision ${restored.revision} (${restored.bytes} bytes) in ${restored.ms} ms`);
    } catch (error) {
      const code = error instanceof SnapshotRefused ? error.code : 'CLUSTER_UNAVAILABLE';
      throw new CommandError(code, (error as Error).message);
    }
    const status = ledgerLog.status() as { revision: number; name: string };
    console.log(`federated in zone ${zone} as ${status.name}: applied revision ${status.revision} (${aggregator.stats().records} records) in ${Date.now() - started} ms`);
  }
  const snapshots = ledgerLog === undefined ? undefined : { log: ledgerLog, token: snapshotToken(secretsFor(dbPath, false).consortiumSeed) };
  const verifyPool = workers > 0 ? await VerifyPool.start(workers) : null;
  const checkpointer = Checkpointer.start(aggregator.db, dbPath);
  let server: Server;
  try {
    const threads = () => ({ verify_pool: verifyPool?.threadIds() ?? [], checkpointer: checkpointer.threadId === null ? [] : [checkpointer.threadId] });
    server = await startServer(aggregator, { host, port, adminToken, verifyPool, ledgerLog, snapshots, threads });
  } catch (error) {
    await ledgerLog?.close();
    await checkpointer.stop();
    aggregator.close();
    verifyPool?.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandError(code === 'EADDRINUSE' ? 'ADDRESS_IN_USE' : 'LISTEN_FAILED', `cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  if (created) console.log(`created a new store at ${dbPath}`);
  let serial: SerialLink | null = null;
  if (link !== null) {
    try {
      serial = openSerialLink(aggregator, link[1], link[2] ? Number(link[2]) : 115200, DEFAULT_TOKENS_REQUIRED);
    } catch (error) {
      await new Promise((resolve) => server.close(resolve));
      await checkpointer.stop();
      aggregator.close();
      verifyPool?.close();
      throw new CommandError('LINK_UNAVAILABLE', (error as Error).message);
    }
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  if (ledgerLog !== undefined) {
    try {
      await ledgerLog.advertise(url);
    } catch (error) {
      // Serving goes on; only peers restoring from this one would miss it until the next start.
      console.error(`could not publish ${url} in the cluster: ${(error as Error).message}`);
    }
  }
  console.log(`listening on ${url}`);
  if (serial !== null) console.log(`link on ${link?.[1]}`);
  const auction = () => {
    if (ledgerLog !== undefined && !ledgerLog.runsAuction()) return;
    if (serial !== null) serial.gateway.auction();
    else aggregator.runAuction();
  };
  const timer = auctionMs > 0 ? setInterval(auction, auctionMs) : null;
  // SIGINT and SIGTERM stop the server: no new connections, idle keep-alive ones closed, the store
  // closed once the requests in progress are answered; then the command returns 0.
  return new Promise<Outcome>((resolve) => {
    const stop = (outcome: Outcome) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (timer) clearInterval(timer);
      serial?.close();
      server.close(() => {
        void (ledgerLog?.close() ?? Promise.resolve()).finally(() => checkpointer.stop()).finally(() => {
          aggregator.close();
          verifyPool?.close();
          resolve(outcome);
        });
      });
      server.closeIdleConnections();
    };
    const onSignal = () => stop({ stop: 'signal' });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void restoreWanted.then((reason) => stop({ stop: 'restore', port: address.port, reason }));
  });
}
