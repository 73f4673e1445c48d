// The validation bench on the real pico firmware: Kaluma 1.2.1's image in rp2040js (the rp2040 engine),
// running the bench program of each image's build, bundled for the pico like the other targets, stored
// where `kaluma write` puts it: on our image validation-native-entry.ts (the firmware's record code with
// the image's smartcrypto module, as the pico build signs and verifies), on the stock image
// validation-entry.ts (the JS Ed25519 of the pico-stock build). issue_record is the trade-time path:
// validate two caps cold, sign one record, its id. Each call is timed on the board by Kaluma's own micros() (the simulator's
// clock: board time, not host time), the heap read from process.memoryUsage() after it. Every image
// present runs in one go: our native image (make image) when it exists, and the stock one.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../build/boards';
import { buildBoard } from '../build/bundle';
import { readImage } from '../emulator/rp2040/image';
import { Rp2040Machine } from '../emulator/rp2040/machine';
import { ReplSession } from '../emulator/rp2040/repl-session';
import { loadBootrom, NATIVE_IMAGE_PATH, STOCK_IMAGE_PATH, upstreamMissing } from '../emulator/rp2040/upstream';
import type { Spread } from './validation';

/** The operations, as bench calls; `round` makes each record distinct. */
export const RP2040_OPERATIONS = {
  sign: (round: number) => `bench.sign(${100 + round})`,
  verify: () => 'bench.verifyCap(0)',
  validate_two_caps: () => 'bench.validateTwoCaps()',
  issue_record: (round: number) => `bench.issueRecord(${200 + round})`,
} as const;
export type Rp2040Operation = keyof typeof RP2040_OPERATIONS;
/** One JS verification on the stock image is about 258 s of board time (docs/platforms.md E); a call may take 20 minutes. */
const CALL_BOARD_MS_MAX = 1_200_000;
const BOOT_BOARD_MS_MAX = 600_000;
/** Host time a call may take: rp2040js runs at 0.4 times real time at best, far slower on a loaded host. */
const CALL_WALL_MS_MAX = 12 * 3600_000;

export class Rp2040BenchError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(3));
  return { min: round(sorted[0]), median: round(sorted[Math.floor(sorted.length / 2)]), max: round(sorted[sorted.length - 1]) };
};

type Measured = { board_ms: Spread; heap_used_bytes: number; heap_peak_bytes: number; wall_s: number };

async function benchImage(imagePath: string, program: string, operations: Rp2040Operation[], repeats: number, log: (line: string) => void) {
  const wallStarted = Date.now();
  const machine = new Rp2040Machine({ name: 'bench', image: readImage(imagePath), bootrom: loadBootrom() });
  machine.storeProgram(program);
  const session = new ReplSession(machine);
  // The program runs at power-up (GPIO22 high); the prompt answers once it has finished.
  session.type('\r');
  await session.waitFor(/> /, BOOT_BOARD_MS_MAX, CALL_WALL_MS_MAX);
  const loaded = await session.evaluate('typeof bench', BOOT_BOARD_MS_MAX, CALL_WALL_MS_MAX);
  if (loaded !== 'object') throw new Rp2040BenchError('BENCH_NOT_LOADED', `the bench program did not load on ${imagePath}: typeof bench is ${loaded}`);
  const loadBoardMs = machine.nowMs;
  const memory = await session.evaluate('JSON.stringify(process.memoryUsage())', 10_000);
  const call = async (code: string): Promise<{ ms: number; used: number; peak: number }> => {
    const reply = await session.evaluate(`(function () { var t = micros(); var r = ${code}; var d = micros() - t; var m = process.memoryUsage(); return d + ' ' + r + ' ' + m.heapUsed + ' ' + m.heapPeak; })()`, CALL_BOARD_MS_MAX, CALL_WALL_MS_MAX);
    const fields = reply.split(' ');
    if (fields.length !== 4 || !(fields[1] === 'true' || /^\d+$/.test(fields[1]))) throw new Rp2040BenchError('BENCH_CALL_FAILED', `${code}: ${reply}`);
    return { ms: Number(fields[0]) / 1000, used: Number(fields[2]), peak: Number(fields[3]) };
  };
  log(`  ${imagePath}: bench loaded at ${loadBoardMs.toFixed(0)} ms board time, heap ${memory}`);
  const prepare = await call('(bench.prepare(), 1)');
  log(`  caps prepared (two signatures) in ${prepare.ms.toFixed(0)} ms board time`);
  const results: Partial<Record<Rp2040Operation, Measured>> = {};
  for (const operation of operations) {
    const started = Date.now();
    const times: number[] = [];
    let used = 0;
    let peak = 0;
    for (let round = 0; round < repeats; round++) {
      const measured = await call(RP2040_OPERATIONS[operation](round));
      times.push(measured.ms);
      used = Math.max(used, measured.used);
      peak = Math.max(peak, measured.peak);
    }
    results[operation] = { board_ms: spread(times), heap_used_bytes: used, heap_peak_bytes: peak, wall_s: Math.round((Date.now() - started) / 1000) };
    log(`  ${operation}: ${spread(times).median} ms board time (${results[operation]?.wall_s} s wall)`);
  }
  return {
    image: imagePath,
    image_bytes: statSync(imagePath).size,
    boot_and_load_board_ms: Math.round(loadBoardMs),
    prepare_two_signatures_board_ms: Math.round(prepare.ms),
    heap_after_load: JSON.parse(memory) as { heapTotal: number; heapUsed: number; heapPeak: number },
    operations: results,
    wall_s: Math.round((Date.now() - wallStarted) / 1000),
  };
}

export type Rp2040Image = 'native' | 'stock';

export async function runRp2040ValidationBench(boardName: 'pico' | 'pico-stock' | 'esp32', repeats: number, operations: Rp2040Operation[], log: (line: string) => void = () => {}, only: Rp2040Image[] = ['native', 'stock']) {
  if (boardName !== 'pico') throw new Rp2040BenchError('RP2040_BOARD_UNSUPPORTED', 'the rp2040 target runs the pico firmware: --board pico only');
  const missing = upstreamMissing();
  if (missing !== null) throw new Rp2040BenchError('UPSTREAM_MISSING', missing);
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-vbench-rp2040-'));
  try {
    const build = async (entry: string, board: 'pico' | 'pico-stock', name: string) => {
      const outfile = join(directory, name);
      await buildBoard(loadBoard(board), { entry, outfile, keepNaclSigning: board === 'pico-stock' });
      return readFileSync(outfile, 'utf8');
    };
    const images: Record<string, Awaited<ReturnType<typeof benchImage>> & { program: string; bundle_bytes: number }> = {};
    if (only.includes('native') && existsSync(NATIVE_IMAGE_PATH)) {
      const program = await build('host-tools/bench/validation-native-entry.ts', 'pico', 'bench-native.js');
      images.native = { ...(await benchImage(NATIVE_IMAGE_PATH, program, operations, repeats, log)), program: 'host-tools/bench/validation-native-entry.ts (smartcrypto)', bundle_bytes: program.length };
    } else if (only.includes('native')) log(`  no native image (${NATIVE_IMAGE_PATH}; make image builds it): the stock image only`);
    if (only.includes('stock')) {
      const program = await build('host-tools/bench/validation-entry.ts', 'pico-stock', 'bench-stock.js');
      images.stock = { ...(await benchImage(STOCK_IMAGE_PATH, program, operations, repeats, log)), program: 'host-tools/bench/validation-entry.ts (JS Ed25519)', bundle_bytes: program.length };
    }
    return {
      board: boardName,
      target: 'rp2040',
      basis: 'Kaluma 1.2.1 firmware in rp2040js 1.4.1 at 125 MHz; board time from Kaluma micros() (the simulator clock)',
      images,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
