// The LoRa medium under load: the city simulation over the SX127x model for several fleet sizes, each a
// fresh run with the same seed, reporting what the medium did (frames sent, receptions delivered and
// collided, packets written over in a busy board's FIFO, channel checks) and what the ledger got out of
// it. Prints one JSON object as its last line (host-tools/bench/run-all.ts).
// Usage: node --import tsx host-tools/bench/lora-medium.ts [--evs 6,12,24,48] [--duration 30m] [--boards pico]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCity, BoardKind, RadioFrames } from '../sim/city';
import { durationMs, option } from './city-args';

const fleets = option('evs', '6,12,24,48').split(',').map(Number);
const duration = option('duration', '30m');
const boards = option('boards', 'pico').split(',') as BoardKind[];
const rows: Record<string, unknown>[] = [];
for (const evs of fleets) {
  const outDir = mkdtempSync(join(tmpdir(), 'smartchain-lora-medium-'));
  try {
    const { summary } = await runCity({ evs, durationMs: durationMs(duration), seed: 1, link: 'lora', attack: 'none', boards, outDir });
    const frames = summary.radio_frames as RadioFrames;
    rows.push({
      evs, frames_sent: frames.sent, receptions_delivered: frames.delivered, receptions_collided: frames.collided, collision_percent: summary.collision_percent,
      delivered_percent: frames.delivered + frames.collided > 0 ? Math.round((10000 * frames.delivered) / (frames.delivered + frames.collided)) / 100 : 0,
      lost_board_busy: frames.lost_board_busy, cad_checks: frames.cad_checks, cad_busy: frames.cad_busy, gateway_backoffs: frames.gateway_backoffs,
      duty_cycle_max_percent: summary.duty_cycle_max_percent, records: summary.records_total, trades: summary.trades_committed, wall_ms: summary.wall_ms,
    });
    console.error(JSON.stringify(rows[rows.length - 1]));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ duration, boards: boards.join(','), rows }));
