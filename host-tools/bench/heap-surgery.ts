// What each of the build's heap reductions (bundle.ts SURGERY_PIECES) buys on the real runtimes: every
// board bundle built with all of them, then with each one left out in turn (then with none, when there
// are several), and each build run on its board's real firmware. The pico and pico-stock on Kaluma 1.2.1
// in rp2040js (our image and the stock one), provisioned, powered up and left idle for --idle-ms of board
// time after NODE_STARTED (the pico-stock precomputes signing nonces meanwhile, the sliced point
// arithmetic a verification also runs): Kaluma's process.memoryUsage(). The esp32 on Espruino's real
// interpreter (Linux build; the bundle evaluated from RAM, as the espruino-firmware test runs it):
// variables in use after NODE_STARTED and the most over --idle-ms of wall time after it (sampled each
// second), against the ESP32 build's 16,383. A build identical to an earlier one is not run again.
// Usage: node --import tsx host-tools/bench/heap-surgery.ts [--boards pico,pico-stock,esp32] [--idle-ms MS] [--json]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../build/boards';
import { SURGERY_PIECES, SurgeryPiece, buildBoard } from '../build/bundle';
import { provisionBoards } from '../emulator/provision';
import { readImage } from '../emulator/rp2040/image';
import { Rp2040Machine } from '../emulator/rp2040/machine';
import { writeFileThroughRepl } from '../emulator/rp2040/repl-file';
import { ReplSession } from '../emulator/rp2040/repl-session';
import { loadBootrom, NATIVE_IMAGE_PATH, STOCK_IMAGE_PATH, upstreamMissing } from '../emulator/rp2040/upstream';
import { seededRandom } from '../random';
import { EspruinoProcess, espruinoMissing } from './espruino-runner';

const BOARD_NAMES = ['pico', 'pico-stock', 'esp32'] as const;
type BoardName = (typeof BOARD_NAMES)[number];
/** Board time a bundle may take from power-up to NODE_STARTED (about 10 s measured: docs/platforms.md E). */
const START_BOARD_MS_MAX = 60_000;
/** The ESP32 build's variable count (docs/platforms.md B2). */
export const ESP32_VARIABLES_MAX = 16383;

export type Measured = { used: number; peak: number; total: number; unit: 'bytes' | 'variables' };
export type Row = { board: BoardName; off: string; bundle_bytes: number; heap: Measured | null; note: string };

/** The pico builds on Kaluma's real firmware: heap after NODE_STARTED and idleMs more of board time. */
async function measureKaluma(board: BoardName, program: string, json: string, idleMs: number): Promise<Measured> {
  const image = board === 'pico' ? NATIVE_IMAGE_PATH : STOCK_IMAGE_PATH;
  const machine = new Rp2040Machine({ name: board, image: readImage(image), bootrom: loadBootrom() });
  let session = new ReplSession(machine);
  session.type('\r');
  await session.waitFor(/> /, 2000);
  await writeFileThroughRepl(session, '/provision.json', json);
  // The same bytes at the same place as `kaluma write` (test/emulator/rp2040-engine.test.ts proves that path).
  machine.storeProgram(program);
  machine.powerCycle();
  session = new ReplSession(machine);
  await session.waitFor(new RegExp(`\\[NODE_STARTED\\] member \\d+ on ${board}\\b`), START_BOARD_MS_MAX);
  machine.runUntil(machine.nowNanos + idleMs * 1e6);
  session.type('\r');
  const heap = JSON.parse(await session.evaluate('JSON.stringify(process.memoryUsage())', 10_000)) as { heapTotal: number; heapUsed: number; heapPeak: number };
  return { used: heap.heapUsed, peak: heap.heapPeak, total: heap.heapTotal, unit: 'bytes' };
}

/**
 * The esp32 build on Espruino's interpreter: variables in use right after NODE_STARTED, and the most in
 * use over a second-by-second sampling of the next samples seconds (Espruino reports no peak itself).
 */
async function measureEspruino(program: string, json: string, samples: number): Promise<Measured> {
  const espruino = EspruinoProcess.start(`require('Storage').write('provision.json', ${JSON.stringify(json)});\nvar Serial2 = { setup: function () {}, on: function () {}, write: function () {} };\n${program}`);
  try {
    await espruino.evaluate('1');
    if (!/\[NODE_STARTED\] member \d+ on esp32/.test(espruino.printed())) throw new Error(`HEAP_SURGERY_NO_START: the esp32 bundle did not start: ${espruino.printed().slice(-300)}`);
    const usage = async () => (JSON.parse((await espruino.evaluate('process.memory()')).value) as { usage: number }).usage;
    const used = await usage();
    let peak = used;
    for (let sample = 0; sample < samples; sample++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      peak = Math.max(peak, await usage());
    }
    return { used, peak, total: ESP32_VARIABLES_MAX, unit: 'variables' };
  } finally {
    espruino.close();
  }
}

export async function runHeapSurgeryBench(boards: BoardName[], idleMs: number, log: (line: string) => void): Promise<Row[]> {
  const kalumaMissing = upstreamMissing();
  const espruinoAbsent = espruinoMissing();
  const json = provisionBoards(3, seededRandom(12)).boards[0].json;
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-heap-surgery-'));
  const rows: Row[] = [];
  try {
    for (const board of boards) {
      const seen = new Map<string, Row>();
      const variants: SurgeryPiece[][] = [[], ...SURGERY_PIECES.map((piece): SurgeryPiece[] => [piece])];
      if (SURGERY_PIECES.length > 1) variants.push([...SURGERY_PIECES]);
      for (const off of variants) {
        const outfile = join(directory, `${board}-${off.join('-') || 'none'}.js`);
        const built = await buildBoard(loadBoard(board), { outfile, surgeryOff: off });
        const program = readFileSync(outfile, 'utf8');
        const label = off.length === 0 ? 'none (every piece on)' : off.length > 1 ? 'all' : off[0];
        const same = seen.get(program);
        let row: Row;
        if (same !== undefined) row = { board, off: label, bundle_bytes: built.bytes, heap: same.heap, note: `the same bundle as "${same.off}"` };
        else if (board === 'esp32' && espruinoAbsent !== null) row = { board, off: label, bundle_bytes: built.bytes, heap: null, note: espruinoAbsent };
        else if (board !== 'esp32' && kalumaMissing !== null) row = { board, off: label, bundle_bytes: built.bytes, heap: null, note: kalumaMissing };
        else {
          const started = Date.now();
          const heap = board === 'esp32' ? await measureEspruino(program, json, Math.ceil(idleMs / 1000)) : await measureKaluma(board, program, json, idleMs);
          row = { board, off: label, bundle_bytes: built.bytes, heap, note: `${Math.round((Date.now() - started) / 1000)} s wall` };
        }
        seen.set(program, row);
        rows.push(row);
        log(formatRow(row));
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return rows;
}

function formatRow(row: Row): string {
  const heap = row.heap === null ? 'not run' : row.heap.unit === 'bytes' ? `${row.heap.used} B used, peak ${row.heap.peak} B of ${row.heap.total}` : `${row.heap.used} variables at start, most ${row.heap.peak}, of ${row.heap.total}`;
  return `| ${row.board} | ${row.off} | ${row.bundle_bytes} B | ${heap} | ${row.note} |`;
}

const argument = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
if (process.argv[1]?.endsWith('heap-surgery.ts')) {
  const boards = (argument('--boards') ?? BOARD_NAMES.join(',')).split(',') as BoardName[];
  for (const board of boards) if (!(BOARD_NAMES as readonly string[]).includes(board)) throw new Error(`OPTION_INVALID: --boards takes ${BOARD_NAMES.join(', ')}, got ${board}`);
  const idleMs = Number(argument('--idle-ms') ?? 10_000);
  if (!Number.isInteger(idleMs) || idleMs < 0 || idleMs > 600_000) throw new Error(`OPTION_INVALID: --idle-ms must be an integer from 0 to 600000, got ${argument('--idle-ms')}`);
  const json = process.argv.includes('--json');
  if (!json) console.log(`| board | surgery left out | bundle | real heap (pico: Kaluma in rp2040js, ${idleMs} ms after NODE_STARTED; esp32: Espruino variables in use, then for as long) | run |\n| --- | --- | --- | --- | --- |`);
  const rows = await runHeapSurgeryBench(boards, idleMs, json ? () => {} : (line) => console.log(line));
  if (json) console.log(JSON.stringify({ idle_ms: idleMs, rows }));
}
