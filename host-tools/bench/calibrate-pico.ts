// Calibration of the QuickJS emulator's pico against the real firmware, in one run: the same `pico` bundle
// (dist/pico/firmware.js, native smartcrypto), the same provisioning and the same records on both engines
// (the QuickJS board with its heap model, cost model and native crypto costs from boards/pico/board.json;
// our Kaluma 1.2.1 image with smartcrypto in rp2040js). Workloads, one after the other on one board:
// - idle: the node left alone for --idle-ms of board time after NODE_STARTED;
// - verifying: the consortium's membership records of the three members arrive on the UART; the node
//   validates each and verifies its signature with the native module, until its window holds all three.
// The real heap is Kaluma's process.memoryUsage() (heapPeak is the peak since power-up); the model's is
// the emulator's heapUsedBytes/heapPeakBytes (the peak since the board was made).
// Usage: node --import tsx host-tools/bench/calibrate-pico.ts [--idle-ms MS]   (prints one JSON object)
import { existsSync, readFileSync } from 'node:fs';
import { loadBoard } from '../build/boards';
import { HEAP_MODELS } from '../emulator/heap-model';
import { membershipUartFrame } from '../emulator/membership-frame';
import { emulatedBoardOptions } from '../emulator/profile';
import { provisionBoards } from '../emulator/provision';
import { setBoardClock } from '../emulator/rp2040/board-clock';
import { readImage } from '../emulator/rp2040/image';
import { Rp2040Machine } from '../emulator/rp2040/machine';
import { writeFileThroughRepl } from '../emulator/rp2040/repl-file';
import { ReplSession } from '../emulator/rp2040/repl-session';
import { UartHub } from '../emulator/rp2040/uart-hub';
import { loadBootrom, NATIVE_IMAGE_PATH, upstreamMissing } from '../emulator/rp2040/upstream';
import { World, seededRandom } from '../emulator/world';

const BUNDLE = 'dist/pico/firmware.js';
const STARTED = /\[NODE_STARTED\] member (\d+) on pico/;
/** Board time between two looks at the window while records are verified. */
const POLL_MS = 250;
/** The verifying workload must finish within this much board time (three native verifications take about 1 s). */
const VERIFY_BOARD_MS_MAX = 30_000;
const WINDOW_COUNT = 'smartchain.window.count';

type Heap = { used_bytes: number; peak_bytes: number };
type Engine = { node_started_board_ms: number; idle: Heap; verifying: Heap & { board_ms: number } };

const pico = loadBoard('pico');

async function real(json: string, frames: Uint8Array[], idleMs: number): Promise<Engine> {
  const machine = new Rp2040Machine({ name: 'calibration', image: readImage(NATIVE_IMAGE_PATH), bootrom: loadBootrom() });
  const hub = new UartHub();
  let session = new ReplSession(machine);
  session.type('\r');
  await session.waitFor(/> /, 2000);
  await writeFileThroughRepl(session, '/provision.json', json);
  // The same bytes at the same place as `kaluma write` (rp2040-engine.test.ts proves that path separately).
  machine.storeProgram(readFileSync(BUNDLE, 'utf8'));
  const cable = hub.connectHost(machine, pico.uart.port, pico.uart.baud, () => {});
  machine.powerCycle();
  const poweredAt = machine.nowMs;
  session = new ReplSession(machine, undefined, (untilNanos, wallMsMax) => hub.run(untilNanos, wallMsMax));
  await session.waitFor(STARTED, 60_000);
  const startedMs = machine.nowMs - poweredAt;
  // The node's clock as the QuickJS board's (board-clock.ts): records carry world times.
  await setBoardClock(session, machine, poweredAt);
  hub.run(hub.nowNanos + idleMs * 1e6);
  session.type('\r');
  const heap = async (): Promise<Heap> => {
    const read = JSON.parse(await session.evaluate('JSON.stringify(process.memoryUsage())', 10_000)) as { heapUsed: number; heapPeak: number };
    return { used_bytes: read.heapUsed, peak_bytes: read.heapPeak };
  };
  const idle = await heap();
  const verifyStartMs = hub.nowNanos / 1e6;
  for (const frame of frames) cable.send(frame);
  while (Number(await session.evaluate(WINDOW_COUNT, 10_000)) < frames.length) {
    if (hub.nowNanos / 1e6 - verifyStartMs > VERIFY_BOARD_MS_MAX) throw new Error(`CALIBRATION_NO_VERIFY: the real pico's window did not reach ${frames.length} within ${VERIFY_BOARD_MS_MAX} ms: ${await session.evaluate('JSON.stringify(smartchain.stats())', 10_000)}`);
    hub.run(hub.nowNanos + POLL_MS * 1e6);
  }
  const verifyMs = hub.nowNanos / 1e6 - verifyStartMs;
  return { node_started_board_ms: Math.round(startedMs), idle, verifying: { ...(await heap()), board_ms: Math.round(verifyMs) } };
}

async function model(json: string, frames: Uint8Array[], idleMs: number): Promise<Engine> {
  const world = await World.create(1);
  const board = world.addBoard({ name: 'pico', ...emulatedBoardOptions(pico), files: { '/provision.json': new TextEncoder().encode(json) } }, BUNDLE);
  let startedMs = -1;
  for (let step = 0; step < 600 && startedMs < 0; step++) {
    world.run(100);
    if (board.log.some((line) => STARTED.test(line))) startedMs = world.nowMs;
  }
  if (startedMs < 0) throw new Error(`CALIBRATION_NO_START: the QuickJS pico did not start: ${board.log.join(' | ')}`);
  world.run(idleMs);
  const heap = (): Heap => ({ used_bytes: board.heapUsedBytes(), peak_bytes: board.heapPeakBytes });
  const idle = heap();
  const verifyStartMs = world.nowMs;
  for (const frame of frames) world.inject(board, pico.uart.port, frame);
  while (Number(board.evaluate(WINDOW_COUNT)) < frames.length) {
    if (world.nowMs - verifyStartMs > VERIFY_BOARD_MS_MAX) throw new Error(`CALIBRATION_NO_VERIFY: the QuickJS pico's window did not reach ${frames.length}: ${board.log.slice(-5).join(' | ')}`);
    world.run(POLL_MS);
  }
  return { node_started_board_ms: Math.round(startedMs), idle, verifying: { ...heap(), board_ms: Math.round(world.nowMs - verifyStartMs) } };
}

const missing = upstreamMissing() ?? (existsSync(NATIVE_IMAGE_PATH) ? null : `${NATIVE_IMAGE_PATH} is not built (make image)`);
if (missing !== null) {
  console.log(JSON.stringify({ skipped: missing }));
} else {
  const idleMs = process.argv.includes('--idle-ms') ? Number(process.argv[process.argv.indexOf('--idle-ms') + 1]) : 5000;
  const provisioned = provisionBoards(3, seededRandom(12));
  const json = provisioned.boards[0].json;
  const frames = provisioned.boards.map((entry) => membershipUartFrame(entry.member, entry.publicKey));
  const wallStarted = Date.now();
  const rp2040 = await real(json, frames, idleMs);
  const quickjs = await model(json, frames, idleMs);
  const error = (modelled: number, measured: number) => `${(((modelled - measured) / measured) * 100).toFixed(1)} %`;
  const compare = (name: 'idle' | 'verifying') => ({
    used: { real: rp2040[name].used_bytes, model: quickjs[name].used_bytes, error: error(quickjs[name].used_bytes, rp2040[name].used_bytes) },
    peak: { real: rp2040[name].peak_bytes, model: quickjs[name].peak_bytes, error: error(quickjs[name].peak_bytes, rp2040[name].peak_bytes) },
  });
  console.log(JSON.stringify({
    bundle: BUNDLE, image: NATIVE_IMAGE_PATH, heap_model: HEAP_MODELS.kaluma,
    workloads: { idle: `${idleMs} ms of board time after NODE_STARTED`, verifying: `${frames.length} membership records arriving on the UART, verified natively` },
    idle: compare('idle'), verifying: compare('verifying'),
    verifying_board_ms: { real: rp2040.verifying.board_ms, model: quickjs.verifying.board_ms },
    node_started_board_ms: { real: rp2040.node_started_board_ms, model: quickjs.node_started_board_ms },
    wall_s: Math.round((Date.now() - wallStarted) / 1000),
  }, null, 1));
}
