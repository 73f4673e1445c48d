// The registry of subcommands: each is loaded only when it is run, so `smartchain --help` stays fast.
import type { Command } from './command';

type Entry = { name: string; summary: string; load(): Promise<Command> };

function entry(name: string, summary: string, load: () => Promise<{ command: Command }>): Entry {
  return { name, summary, load: async () => (await load()).command };
}

export const commands: Record<string, Entry> = Object.fromEntries(
  [
    entry('aggregator', 'run the aggregator (full node, SQLite store, HTTP API)', () => import('./commands/aggregator')),
    entry('cluster', 'start or stop a local etcd cluster on loopback for federated aggregators', () => import('./commands/cluster')),
    entry('bench', 'measure validation latency on a board (emulator)', () => import('./commands/bench')),
    entry('build', 'bundle the firmware for a board (pico, esp32, emulator)', () => import('./commands/build')),
    entry('simulate', 'run the city: emulated EV boards trading energy through an aggregator', () => import('./commands/simulate')),
    entry('demo', 'run light nodes in one process, trading energy in simulated time', () => import('./commands/demo')),
    entry('emulate', 'run an emulated board on a pseudo-terminal (Kaluma REPL)', () => import('./commands/emulate')),
    entry('flash', 'write a board bundle to a board (kaluma write, or the espruino tool)', () => import('./commands/flash')),
    entry('loadgen', 'send signed records (or attack traffic) to an aggregator', () => import('./commands/loadgen')),
    entry('member', 'add or list members of the permissioned ledger', () => import('./commands/member')),
    entry('keygen', 'make an Ed25519 key pair for provisioning a board', () => import('./commands/keygen')),
    entry('provision', "write a board's provision.json over its REPL, read it back, reset it", () => import('./commands/provision')),
  ].map((item) => [item.name, item]),
);
