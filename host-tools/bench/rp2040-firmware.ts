// The pico's figures on the real firmware, for `make bench`: Kaluma 1.2.1 in rp2040js, our image (native
// smartcrypto) beside the stock one. The smartcrypto module's own timings and cycles (smartcrypto-image.ts),
// the validation bench with the trade-time path (validation-rp2040.ts; on the stock image only the idle
// node, since one JS verification there is minutes of board time), and each build's node heap: the bundle
// provisioned through the REPL, stored where `kaluma write` puts it, NODE_STARTED, then idle.
// Prints one JSON object as its last line; {"skipped": reason} without ../shared/upstream/ or with --skip.
// Usage: node --import tsx host-tools/bench/rp2040-firmware.ts [--skip] [--repeats N]
import { existsSync, readFileSync, statSync } from 'node:fs';
import { provisionBoards } from '../emulator/provision';
import { readImage } from '../emulator/rp2040/image';
import { Rp2040Machine } from '../emulator/rp2040/machine';
import { writeFileThroughRepl } from '../emulator/rp2040/repl-file';
import { ReplSession } from '../emulator/rp2040/repl-session';
import { loadBootrom, NATIVE_IMAGE_PATH, STOCK_IMAGE_PATH, upstreamMissing } from '../emulator/rp2040/upstream';
import { seededRandom } from '../random';
import { benchImage, DEFAULT_IMAGE } from './smartcrypto-image';
import { runRp2040ValidationBench } from './validation-rp2040';

/** Board time the node may take to start (the pico build starts in about 3 s). */
const NODE_START_BOARD_MS_MAX = 120_000;
/** The idle node's heap is read this long after NODE_STARTED (as calibrate-pico.ts does). */
const IDLE_BOARD_MS = 2000;

type NodeHeap = { bundle: string; image: string; node_started_board_ms: number; heap_used_bytes: number; heap_peak_bytes: number; heap_total_bytes: number; wall_s: number };

/** One build's node on its image: provisioned, started, idle; Kaluma's own heap figures. */
export async function idleNodeHeap(bundle: string, imagePath: string): Promise<NodeHeap> {
  const wallStarted = Date.now();
  const machine = new Rp2040Machine({ name: 'heap', image: readImage(imagePath), bootrom: loadBootrom() });
  let session = new ReplSession(machine);
  session.type('\r');
  await session.waitFor(/> /, 2000);
  await writeFileThroughRepl(session, '/provision.json', provisionBoards(3, seededRandom(12)).boards[0].json);
  machine.storeProgram(readFileSync(bundle, 'utf8'));
  machine.powerCycle();
  const poweredAtMs = machine.nowMs;
  session = new ReplSession(machine);
  await session.waitFor(/\[NODE_STARTED\] member 1 on pico/, NODE_START_BOARD_MS_MAX);
  const startedMs = machine.nowMs - poweredAtMs;
  machine.runUntil(machine.nowNanos + IDLE_BOARD_MS * 1e6);
  session.type('\r');
  const heap = JSON.parse(await session.evaluate('JSON.stringify(process.memoryUsage())', 10_000)) as { heapTotal: number; heapUsed: number; heapPeak: number };
  return {
    bundle, image: imagePath, node_started_board_ms: Math.round(startedMs), heap_used_bytes: heap.heapUsed, heap_peak_bytes: heap.heapPeak, heap_total_bytes: heap.heapTotal,
    wall_s: Math.round((Date.now() - wallStarted) / 1000),
  };
}

async function main(): Promise<void> {
  const missing = upstreamMissing();
  if (process.argv.includes('--skip')) return console.log(JSON.stringify({ skipped: '--skip (the quick run): each image takes minutes of wall time in rp2040js' }));
  if (missing !== null) return console.log(JSON.stringify({ skipped: missing }));
  if (!existsSync(NATIVE_IMAGE_PATH)) return console.log(JSON.stringify({ skipped: `${NATIVE_IMAGE_PATH} is not built (make image)` }));
  const repeatsAt = process.argv.indexOf('--repeats');
  const repeats = repeatsAt > 0 ? Number(process.argv[repeatsAt + 1]) : 3;
  const wallStarted = Date.now();
  const smartcrypto = benchImage(readFileSync(DEFAULT_IMAGE));
  const validation = await runRp2040ValidationBench('pico', repeats, ['sign', 'verify', 'validate_two_caps', 'issue_record'], () => {}, ['native']);
  const native = validation.images.native;
  const verifyMs = native.operations.verify?.board_ms.median as number;
  const heap = { pico: await idleNodeHeap('dist/pico/firmware.js', NATIVE_IMAGE_PATH), 'pico-stock': await idleNodeHeap('dist/pico-stock/firmware.js', STOCK_IMAGE_PATH) };
  console.log(JSON.stringify({
    basis: validation.basis,
    image_bytes: { native: statSync(DEFAULT_IMAGE).size, stock: statSync(STOCK_IMAGE_PATH.replace(/\.uf2$/, '.bin')).size },
    smartcrypto,
    validation_native: native,
    trade_time_path_board_ms: native.operations.issue_record?.board_ms,
    cold_validations_per_board_hour: Math.floor(3600000 / verifyMs),
    heap,
    wall_s: Math.round((Date.now() - wallStarted) / 1000),
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
