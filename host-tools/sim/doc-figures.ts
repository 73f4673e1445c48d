// The figures docs/simulation.md quotes for `make run`, written from the run's out/summary.json by
// `make run` itself (as `make bench` writes docs/benchmarks.md), so the doc quotes only what the command
// beside them gave. Usage: node --import tsx host-tools/sim/doc-figures.ts SUMMARY DOC -- COMMAND...
import { cpus, loadavg } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { byKind } from './report';

export const BEGIN = '<!-- make run figures: written by host-tools/sim/doc-figures.ts from out/summary.json, do not edit -->';
export const END = '<!-- end of make run figures -->';

type Summary = {
  evs: number; seed: number; duration_ms: number; trades_committed: number; trades_failed: Record<string, number>;
  ecash_total_start: number; ecash_total_end: number; commit_latency_ms: { p50: number | null; p95: number | null };
  board_resets: number; board_heap_peak_bytes: Record<string, number>; records_total: number; wall_ms: number;
  trades_per_ev_per_4h: number; collision_percent: number; radio_frames: { lost_board_busy: number; lost_board_busy_by_kind?: Record<string, number> };
};

export type Host = { cores: number; load: number };

const hours = (ms: number | null) => (ms === null ? 'none' : `${(ms / 3600000).toFixed(1)} h`);
const grouped = (value: number) => value.toLocaleString('en-GB');

/** The paragraph quoted between BEGIN and END: the command, then what it gave. */
export function renderFigures(summary: Summary, command: string, host: Host): string {
  const failed = Object.entries(summary.trades_failed).map(([code, count]) => `${count} ${code}`).join(', ') || 'none';
  const heap = Object.entries(summary.board_heap_peak_bytes).filter(([, bytes]) => bytes > 0).map(([board, bytes]) => `${board} heap peak ${grouped(bytes)} B`).join(', ');
  return [
    `\`make run\` runs \`${command}\`; its last run here gave: ${summary.records_total} records, ${summary.trades_committed} trades`,
    `committed (failed: ${failed}); commit latency p50 ${hours(summary.commit_latency_ms.p50)}, p95 ${hours(summary.commit_latency_ms.p95)} of board time;`,
    `${summary.trades_per_ev_per_4h} trades per EV per 4 h; ${summary.collision_percent} % of receptions collided; ${grouped(summary.radio_frames.lost_board_busy)} packet${summary.radio_frames.lost_board_busy === 1 ? '' : 's'} lost to a busy board${byKind(summary.radio_frames.lost_board_busy_by_kind)};`,
    `Ecash ${grouped(summary.ecash_total_start)} before and ${grouped(summary.ecash_total_end)} after; ${summary.board_resets} board resets; ${heap};`,
    `${Math.round(summary.wall_ms / 1000)} s of wall time on ${host.cores} cores (load average ${host.load.toFixed(1)} as it ended).`,
  ].join('\n');
}

/** Replaces the text between BEGIN and END in `doc`; a doc without exactly one such block is an error. */
export function replaceFigures(doc: string, figures: string): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin || doc.indexOf(BEGIN, begin + 1) >= 0) throw new Error('the doc needs exactly one block of make run figures');
  return `${doc.slice(0, begin + BEGIN.length)}\n${figures}\n${doc.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [summaryPath, docPath, separator, ...command] = process.argv.slice(2);
  if (summaryPath === undefined || docPath === undefined || separator !== '--' || command.length === 0) {
    console.error('usage: doc-figures.ts SUMMARY DOC -- COMMAND...');
    process.exit(2);
  }
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
  const figures = renderFigures(summary, command.join(' '), { cores: cpus().length, load: loadavg()[0] });
  writeFileSync(docPath, replaceFigures(readFileSync(docPath, 'utf8'), figures));
  console.log(`${docPath}: make run figures updated`);
}
