// The city simulation's own speed: N EVs over LoRa (the SX127x model), the mixed fleet by default, and
// the host's time per simulated hour, wall and CPU, with where it went (runCity's summary host_ms: the
// emulated boards, and of their time measuring their heaps; the radio medium; the aggregator with its
// gateway). Prints one JSON object as its last line (host-tools/bench/run-all.ts). The goals:
// 24 EVs for 24 simulated hours within 3 minutes (7.5 s a simulated hour), 100 EVs for 24 simulated
// hours within 10 minutes (25 s an hour).
// Usage: node --import tsx host-tools/bench/city.ts [--evs 100] [--duration 10m] [--boards pico,esp32] [--seed 1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCity, BoardKind } from '../sim/city';
import { durationMs, option } from './city-args';

const evs = Number(option('evs', '100'));
const duration = option('duration', '10m');
const boards = option('boards', 'pico,esp32').split(',') as BoardKind[];
const seed = Number(option('seed', '1'));
if (!Number.isInteger(evs) || evs < 1) throw new Error(`--evs must be a positive integer, got ${option('evs', '')}`);
const outDir = mkdtempSync(join(tmpdir(), 'smartchain-city-bench-'));
try {
  const cpuBefore = process.cpuUsage();
  const { summary } = await runCity({ evs, durationMs: durationMs(duration), seed, link: 'lora', attack: 'none', boards, outDir });
  const cpu = process.cpuUsage(cpuBefore);
  const hours = durationMs(duration) / 3600000;
  const host = summary.host_ms as { boards: number; boards_heap_measurement: number; radio_medium: number; aggregator: number };
  const wallMs = summary.wall_ms as number;
  const perHour = (ms: number) => Math.round(ms / hours / 100) / 10;
  console.log(JSON.stringify({
    evs, boards: boards.join(','), duration, seed,
    wall_s: Math.round(wallMs / 100) / 10,
    wall_s_per_simulated_hour: perHour(wallMs),
    cpu_s_per_simulated_hour: perHour((cpu.user + cpu.system) / 1000),
    boards_s_per_simulated_hour: perHour(host.boards),
    boards_heap_measurement_s_per_simulated_hour: perHour(host.boards_heap_measurement),
    radio_medium_s_per_simulated_hour: perHour(host.radio_medium),
    aggregator_s_per_simulated_hour: perHour(host.aggregator),
    other_s_per_simulated_hour: perHour(wallMs - host.boards - host.radio_medium - host.aggregator),
    projected_wall_min_for_24_simulated_hours: Math.round((wallMs / hours) * 24 / 6000) / 10,
    records: summary.records_total, trades: summary.trades_committed, collision_percent: summary.collision_percent,
  }));
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
