// Calibration of the QuickJS emulator's pico against the real firmware, in one run: the same pico bundle,
// the same provisioning, on both engines (the QuickJS board with its heap model and cost model; Kaluma
// 1.2.1's stock image in rp2040js), the idle node measured at the same board time after NODE_STARTED.
// The real heap is Kaluma's process.memoryUsage(); the model's is the emulator's heapUsedBytes/heapPeakBytes.
// Usage: node --import tsx host-tools/bench/calibrate-pico.ts [--idle-ms MS]   (prints one JSON object)
import { readFileSync } from 'node:fs';
import { HEAP_MODELS } from '../emulator/heap-model';
import { PICO_COSTS } from '../emulator/cost-model';
import { provisionBoards } from '../emulator/provision';
import { readImage } from '../emulator/rp2040/image';
import { Rp2040Machine } from '../emulator/rp2040/machine';
import { writeFileThroughRepl } from '../emulator/rp2040/repl-file';
import { ReplSession } from '../emulator/rp2040/repl-session';
import { loadBootrom, STOCK_IMAGE_PATH, upstreamMissing } from '../emulator/rp2040/upstream';
import { World, seededRandom } from '../emulator/world';

const BUNDLE = 'dist/pico/firmware.js';
const HEAP_TOTAL = 184312;
const STARTED = /\[NODE_STARTED\] member (\d+) on pico/;

type Heap = { used_bytes: number; peak_bytes: number; node_started_board_ms: number };

async function real(json: string, idleMs: number): Promise<Heap> {
  const machine = new Rp2040Machine({ name: 'calibration', image: readImage(STOCK_IMAGE_PATH), bootrom: loadBootrom() });
  let session = new ReplSession(machine);
  session.type('\r');
  await session.waitFor(/> /, 2000);
  await writeFileThroughRepl(session, '/provision.json', json);
  // The same bytes at the same place as `kaluma write` (a test proves that path separately).
  machine.storeProgram(readFileSync(BUNDLE, 'utf8'));
  machine.powerCycle();
  const poweredAt = machine.nowMs;
  session = new ReplSession(machine);
  await session.waitFor(STARTED, 60_000);
  const startedMs = machine.nowMs - poweredAt;
  machine.runUntil(machine.nowNanos + idleMs * 1e6);
  session.type('\r');
  const heap = JSON.parse(await session.evaluate('JSON.stringify(process.memoryUsage())', 10_000)) as { heapUsed: number; heapPeak: number };
  return { used_bytes: heap.heapUsed, peak_bytes: heap.heapPeak, node_started_board_ms: Math.round(startedMs) };
}

async function model(json: string, idleMs: number): Promise<Heap> {
  const world = await World.create(1);
  const board = world.addBoard({ name: 'pico', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: HEAP_TOTAL, watchdogMs: Number.MAX_SAFE_INTEGER, files: { '/provision.json': new TextEncoder().encode(json) } }, BUNDLE);
  let startedMs = -1;
  for (let step = 0; step < 600 && startedMs < 0; step++) {
    world.run(100);
    if (board.log.some((line) => STARTED.test(line))) startedMs = world.nowMs;
  }
  if (startedMs < 0) throw new Error(`CALIBRATION_NO_START: the QuickJS pico did not start: ${board.log.join(' | ')}`);
  world.run(idleMs);
  return { used_bytes: board.heapUsedBytes(), peak_bytes: board.heapPeakBytes, node_started_board_ms: Math.round(startedMs) };
}

const missing = upstreamMissing();
if (missing !== null) {
  console.log(JSON.stringify({ skipped: missing }));
} else {
  const idleMs = process.argv.includes('--idle-ms') ? Number(process.argv[process.argv.indexOf('--idle-ms') + 1]) : 5000;
  const json = provisionBoards(3, seededRandom(12)).boards[0].json;
  const wallStarted = Date.now();
  const rp2040 = await real(json, idleMs);
  const quickjs = await model(json, idleMs);
  const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
  console.log(JSON.stringify({
    workload: `idle node, ${idleMs} ms of board time after NODE_STARTED`, bundle: BUNDLE, heap_model: HEAP_MODELS.kaluma, rp2040, quickjs,
    model_over_real: { used: ratio(quickjs.used_bytes, rp2040.used_bytes), peak: ratio(quickjs.peak_bytes, rp2040.peak_bytes), node_started_ms: ratio(quickjs.node_started_board_ms, rp2040.node_started_board_ms) },
    wall_s: Math.round((Date.now() - wallStarted) / 1000),
  }));
}
