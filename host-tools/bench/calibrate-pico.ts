// Calibration of the QuickJS emulator's pico against the real firmware, in one run: the same `pico` bundle
// (dist/pico/firmware.js, native smartcrypto), the same provisioning and the same records on both engines
// (the QuickJS board with its heap model, cost model and native crypto costs from boards/pico/board.json;
// our Kaluma 1.2.1 image with smartcrypto in rp2040js), three boards on a UART star (pico-star.ts).
// Workloads, one after the other:
// - idle: the nodes left alone for --idle-ms of board time after NODE_STARTED (board 0's heap);
// - verifying: the consortium's membership records of the three members arrive on the UART; each node
//   validates each and verifies its signature with the native module, until its window holds all three
//   (board 0's heap);
// - trade: offer, sold, bought (pico-star.ts tradeOnStar), until every window holds the bought (the
//   highest heap of the three boards).
// The real heap is Kaluma's process.memoryUsage() (heapPeak: the peak since power-up); the model's is the
// emulator's heapUsedBytes/heapPeakBytes (the peak since the board was made).
// Usage: node --import tsx host-tools/bench/calibrate-pico.ts [--idle-ms MS]   (prints one JSON object)
import { existsSync } from 'node:fs';
import { loadBoard } from '../build/boards';
import { HEAP_MODELS } from '../emulator/heap-model';
import { membershipUartFrame } from './membership-frame';
import { provisionBoards } from '../emulator/provision';
import { NATIVE_IMAGE_PATH, upstreamMissing } from '../emulator/rp2040/upstream';
import { seededRandom } from '../emulator/world';
import { Heap, Star, quickjsStar, rp2040Star, runUntil, tradeOnStar } from './pico-star';

const BUNDLE = 'dist/pico/firmware.js';
/** Proof-of-time slots of 3 s and a hello each second (as rp2040-trade.test.ts): a trade in seconds of board time. */
const SLOT_MS = 3000;
const HELLO_INTERVAL_MS = 1000;
const TOKENS_REQUIRED = 2;
/** Each workload within this much board time. */
const WORKLOAD_BOARD_MS_MAX = 60_000;

type Workloads = { idle: Heap; verifying: Heap; trade: Heap; verifying_board_ms: number; trade_board_ms: number };

async function workloads(star: Star, frames: Uint8Array[], idleMs: number): Promise<Workloads> {
  const boards = [0, 1, 2];
  await star.run(idleMs);
  const idle = await star.heap(0);
  for (const index of boards) for (const frame of frames) star.send(index, frame);
  const verifyingMs = await runUntil(star, async () => {
    for (const index of boards) if (Number(await star.evaluate(index, 'smartchain.window.count')) < frames.length) return false;
    return true;
  }, WORKLOAD_BOARD_MS_MAX);
  const verifying = await star.heap(0);
  const tradeMs = await tradeOnStar(star, WORKLOAD_BOARD_MS_MAX);
  const heaps = [];
  for (const index of boards) heaps.push(await star.heap(index));
  const trade = heaps.reduce((high, heap) => (heap.peak_bytes > high.peak_bytes ? heap : high));
  return { idle, verifying, trade, verifying_board_ms: Math.round(verifyingMs), trade_board_ms: Math.round(tradeMs) };
}

const missing = upstreamMissing() ?? (existsSync(NATIVE_IMAGE_PATH) ? null : `${NATIVE_IMAGE_PATH} is not built (make image)`);
if (missing !== null) {
  console.log(JSON.stringify({ skipped: missing }));
} else {
  const idleMs = process.argv.includes('--idle-ms') ? Number(process.argv[process.argv.indexOf('--idle-ms') + 1]) : 5000;
  const pico = loadBoard('pico');
  const provisioned = provisionBoards(3, seededRandom(12), { tokensRequired: TOKENS_REQUIRED, slotMs: SLOT_MS, helloIntervalMs: HELLO_INTERVAL_MS });
  const jsons = provisioned.boards.map((entry) => entry.json);
  const frames = provisioned.boards.map((entry) => membershipUartFrame(entry.member, entry.publicKey));
  const wallStarted = Date.now();
  const rp2040 = await workloads(await rp2040Star(pico, BUNDLE, NATIVE_IMAGE_PATH, jsons), frames, idleMs);
  const quickjs = await workloads(await quickjsStar(pico, BUNDLE, jsons), frames, idleMs);
  const error = (modelled: number, measured: number) => `${(((modelled - measured) / measured) * 100).toFixed(1)} %`;
  const compare = (name: 'idle' | 'verifying' | 'trade') => ({
    used: { real: rp2040[name].used_bytes, model: quickjs[name].used_bytes, error: error(quickjs[name].used_bytes, rp2040[name].used_bytes) },
    peak: { real: rp2040[name].peak_bytes, model: quickjs[name].peak_bytes, error: error(quickjs[name].peak_bytes, rp2040[name].peak_bytes) },
  });
  console.log(JSON.stringify({
    bundle: BUNDLE, image: NATIVE_IMAGE_PATH, heap_model: HEAP_MODELS.kaluma,
    workloads: {
      idle: `${idleMs} ms of board time after NODE_STARTED, board 0`,
      verifying: `${frames.length} membership records arriving on every board's UART, verified natively, board 0`,
      trade: 'offer, sold, bought until every window holds the bought; the board with the highest peak',
    },
    idle: compare('idle'), verifying: compare('verifying'), trade: compare('trade'),
    board_ms: { verifying: { real: rp2040.verifying_board_ms, model: quickjs.verifying_board_ms }, trade: { real: rp2040.trade_board_ms, model: quickjs.trade_board_ms } },
    wall_s: Math.round((Date.now() - wallStarted) / 1000),
  }, null, 1));
}
