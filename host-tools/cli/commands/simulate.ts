// `smartchain simulate`: the city simulation, the product's main job (host-tools/sim/city.ts).
import { BOARDS } from '../../build/boards';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ATTACKS, BoardKind, runCity, LinkKind } from '../../sim/city';
import { etcdAvailable } from '../../federation/cluster';
import { writeReport } from '../../sim/report';
import { Command, CommandError, UsageError, parseChoice, parseIntegerOption } from '../command';

/** A duration such as 90s, 30m or 6h, in milliseconds. */
export function parseDuration(raw: unknown, fallback: string): number {
  const text = typeof raw === 'string' ? raw : fallback;
  const match = /^(\d{1,6})(s|m|h)$/.exec(text);
  if (match === null) throw new UsageError(`--duration must be a number followed by s, m or h (e.g. 30m), got ${text}`);
  const value = Number(match[1]) * { s: 1000, m: 60000, h: 3600000 }[match[2] as 's' | 'm' | 'h'];
  if (value < 60000 || value > 48 * 3600000) throw new UsageError('--duration must be from 1m to 48h');
  return value;
}

export const command: Command = {
  name: 'simulate',
  summary: 'run the city: emulated EV boards trading energy through an aggregator',
  usage: `smartchain simulate [--evs N] [--aggregators 1] [--duration 30m] [--seed S] [--link lora|uart]
                    [--attack none|double-spend|sybil|spam] [--boards pico,esp32] [--out DIR] [--quiet]

Runs the aggregator (a SQLite file in DIR) and N emulated boards (the real dist/pico and dist/esp32
bundles) in simulated board time, each the telematics unit of an EV whose battery,
driving and charging the host plays. Writes DIR/summary.json (docs/simulation.md) and DIR/report.html.
  --evs N          EVs, 2 to 100 (default 12)
  --aggregators N  aggregators, 1 to 4 (default 1, embedded). More than one share the ledger through a
                   local 3-member etcd cluster (out/etcd while it runs; Debian etcd-server, make setup),
                   the EVs' offloads spread over their gateways; summary.json lists each one's digest
  --duration D     simulated time, e.g. 90m or 6h (default 30m)
  --link KIND      lora (one SF7 channel) or uart (a star through the aggregator's gateway); default lora
  --attack KIND    none (default), double-spend, sybil or spam
  --boards LIST    the boards the EVs use in turn: pico (our image, native crypto), pico-stock (the
                   stock image, sliced JS crypto: its heap does not hold a city, docs/boards.md), esp32,
                   emulator (the generic board at the host's QuickJS speed); default esp32
  --quiet          no progress bar
Run \`make build\` first.`,
  options: {
    evs: { type: 'string' }, aggregators: { type: 'string' }, duration: { type: 'string' }, seed: { type: 'string' },
    link: { type: 'string' }, attack: { type: 'string' }, boards: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' },
  },
  async run(values) {
    const evs = parseIntegerOption(values, 'evs', 2, 100, 12);
    const aggregators = parseIntegerOption(values, 'aggregators', 1, 4, 1);
    if (aggregators > 1 && !etcdAvailable()) throw new CommandError('ETCD_MISSING', '--aggregators above 1 needs etcd: run make setup (Debian etcd-server)');
    const durationMs = parseDuration(values.duration, '30m');
    const seed = parseIntegerOption(values, 'seed', 0, 2 ** 31 - 1, 1);
    const link = parseChoice<LinkKind>(values, 'link', ['lora', 'uart'], 'lora');
    const attack = parseChoice(values, 'attack', ATTACKS, 'none');
    const outDir = typeof values.out === 'string' ? values.out : 'out';
    const boards = (typeof values.boards === 'string' ? values.boards : 'esp32').split(',');
    if (boards.some((board) => !(BOARDS as readonly string[]).includes(board))) throw new UsageError(`--boards must list ${BOARDS.join(', ')}, e.g. pico,esp32`);
    for (const board of new Set(boards)) {
      const bundle = join('dist', board, link === 'lora' ? 'firmware-lora.js' : 'firmware.js');
      if (!existsSync(bundle)) throw new CommandError('BUNDLE_MISSING', `${bundle} is missing: run make build`);
    }
    mkdirSync(outDir, { recursive: true });
    const bar = values.quiet === true || !process.stderr.isTTY ? null : process.stderr;
    let lastPrinted = -1;
    const { summary, detail } = await runCity({
      evs, durationMs, seed, link, attack, outDir, boards: boards as BoardKind[], aggregators,
      progress: ({ simMs, durationMs: total, records, trades }) => {
        const percent = Math.floor((100 * simMs) / total);
        if (percent === lastPrinted) return;
        lastPrinted = percent;
        const line = `[${'#'.repeat(Math.floor(percent / 4)).padEnd(25, '.')}] ${formatMinutes(simMs)}/${formatMinutes(total)} simulated, ${records} records, ${trades} trades`;
        if (bar) bar.write(`\r${line}`);
        else if (values.quiet !== true && percent % 10 === 0) console.error(line);
      },
    });
    if (bar) bar.write('\n');
    writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    writeReport(join(outDir, 'report.html'), summary, detail);
    console.log(JSON.stringify(summary, null, 2));
    console.log(`summary: ${join(outDir, 'summary.json')}\nreport:  ${join(outDir, 'report.html')}`);
    const missing = attackNotHappened(summary);
    if (missing !== null) {
      console.error(`ATTACK_NOT_EXERCISED: ${missing}`);
      return 1;
    }
    return 0;
  },
};

/** Why a requested attack did not happen in the run (so its being caught proves nothing), or null. */
export function attackNotHappened(summary: Record<string, unknown>): string | null {
  const attack = summary.attack;
  if (attack === 'double-spend' && summary.double_spends_attempted === 0) return 'the double spender never issued a second bought record (it never bought once): lengthen --duration';
  if (attack === 'sybil' && summary.sybil_records_rejected === 0) return 'no Sybil record reached the aggregator or a board: lengthen --duration';
  if (attack === 'spam' && summary.spam_frames_rejected === 0) return 'no spam frame was received and rejected';
  return null;
}

function formatMinutes(ms: number): string {
  const minutes = Math.floor(ms / 60000);
  return minutes >= 60 ? `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}` : `${minutes}m`;
}
