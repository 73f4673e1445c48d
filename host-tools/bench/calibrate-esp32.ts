// Calibration of the QuickJS emulator's esp32 heap against Espruino's real interpreter, in one run: the
// same esp32 bundles with the same provisioning on both engines (the QuickJS board with its heap model;
// Espruino 2v29's Linux build, ../shared/upstream/espruino/, the bundle evaluated from RAM as the
// espruino-firmware test runs it), measured at the same points of the node's life: just after
// NODE_STARTED (the idle node) and just after its first record is issued (tokens_required 0, so the
// record is signed with a nonce the node precomputed itself); the LoRa variant just after NODE_STARTED.
// The real figure is Espruino's variables in use (process.memory(), which collects garbage first) times
// the ESP32 build's 14 bytes per variable, less the same for the interpreter with only the prelude (the
// runtime's own); the model's is QuickJS's bytes above the board's baseline (heap-model.ts).
// The fitted ratio is QuickJS bytes per ESP32 byte on the idle node; the error of that ratio is then
// reported on every workload, used and peak (Espruino's peak: the most of its samples, taken at each
// measurement point and once a second while it works; the model's: the emulator's own peak).
// A last row, not a workload of the node, shows the fitted ratio on plain byte data (Uint8Arrays).
// Usage: node --import tsx host-tools/bench/calibrate-esp32.ts [--idle-s S]   (prints one JSON object)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../build/boards';
import { HEAP_MODELS, quickjsMemoryUsed } from '../emulator/heap-model';
import { emulatedBoardOptions, provisionFileName } from '../emulator/profile';
import { provisionBoards } from '../emulator/provision';
import { World, seededRandom } from '../emulator/world';
import type { EmulatedBoard } from '../emulator/board';
import { EspruinoProcess, espruinoMissing } from './espruino-runner';
import { ESP32_VARIABLES_MAX } from './heap-surgery';

const BUNDLES = { default: 'dist/esp32/firmware.js', lora: 'dist/esp32/firmware-lora.js' } as const;
/** Bytes per variable on the ESP32 build (docs/platforms.md B2: 16,383 variables of 14 bytes). */
export const ESP32_BYTES_PER_VARIABLE = 14;
const ISSUE = 'smartchain.requestIssue({ kind: 2, energyWh: 100, ecash: 10 })';
const STARTED = /\[NODE_STARTED\] member \d+ on esp32/;
/** Seconds (Espruino) the first record may take: its nonce is precomputed first, seconds of host CPU. */
const ISSUE_POLLS_MAX = 600;
/** Board time the emulated node may take to start, and to issue its first record (ESP32 time). */
const START_BOARD_MS_MAX = 60_000;
const ISSUE_BOARD_MS_MAX = 4 * 3600_000;
/** A budget no workload reaches, so the model board is measured rather than stopped. */
const HEAP_LIFTED_BYTES = 1 << 30;

type Point = 'booted' | 'issued';
/** Per point (Espruino: variables in use; QuickJS: bytes above the baseline), and the most over the run. */
type Heap = { booted: number; issued: number | null; peak: number };

/** The interpreter's console between the bundle and the host: the provisioning file and a silent Serial2. */
function prelude(json: string): string {
  return `require('Storage').write('provision.json', ${JSON.stringify(json)});\nvar Serial2 = { setup: function () {}, on: function () {}, write: function () {} };\n`;
}

async function usage(espruino: EspruinoProcess): Promise<number> {
  return (JSON.parse((await espruino.evaluate('process.memory()')).value) as { usage: number }).usage;
}

/** Variables Espruino holds with the prelude alone: the runtime's own share, not the program's. */
async function espruinoRuntimeVariables(json: string): Promise<number> {
  const espruino = EspruinoProcess.start(prelude(json));
  try {
    await espruino.evaluate('1');
    return await usage(espruino);
  } finally {
    espruino.close();
  }
}

/** The bundle on Espruino: variables in use at each point, and the most seen. */
async function real(bundle: string, json: string, issue: boolean, idleS: number): Promise<{ variables: Heap; log: string }> {
  const espruino = EspruinoProcess.start(prelude(json) + readFileSync(bundle, 'utf8'));
  try {
    await espruino.evaluate('1');
    if (!STARTED.test(espruino.printed())) throw new Error(`CALIBRATION_NO_START: ${bundle} did not start on Espruino: ${espruino.printed().slice(-300)}`);
    const booted = await usage(espruino);
    let peak = booted;
    for (let second = 0; second < idleS; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      peak = Math.max(peak, await usage(espruino));
    }
    let issued: number | null = null;
    if (issue) {
      if ((await espruino.evaluate(ISSUE)).value !== 'true') throw new Error('CALIBRATION_ISSUE_REFUSED: Espruino refused the record');
      for (let poll = 0; poll < ISSUE_POLLS_MAX && issued === null; poll++) {
        const stats = JSON.parse((await espruino.evaluate('smartchain.stats()')).value) as Record<string, number>;
        const now = await usage(espruino);
        peak = Math.max(peak, now);
        if (stats.records_issued >= 1) issued = now;
        else await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      if (issued === null) throw new Error(`CALIBRATION_NO_RECORD: Espruino issued nothing in ${ISSUE_POLLS_MAX} s`);
    }
    const lines = espruino.printed().split('\n').filter((line) => line.startsWith('['));
    return { variables: { booted, issued, peak }, log: lines.join(' | ') };
  } finally {
    espruino.close();
  }
}

/** Variables one Uint8Array of 1,024 bytes takes in this build of Espruino (27-byte blocks on Linux). */
async function espruinoVariablesPerKibibyte(): Promise<number> {
  const espruino = EspruinoProcess.start('');
  try {
    return Number((await espruino.evaluate('E.getSizeOf(new Uint8Array(1024))')).value);
  } finally {
    espruino.close();
  }
}

/** Byte data alone, the kind of heap the node's bundles hold little of: Uint8Arrays of 1,024 bytes. */
const DATA_ARRAYS = 100;
const DATA_PROGRAM = `var keep = [];\nfor (var i = 0; i < ${DATA_ARRAYS}; i++) keep.push(new Uint8Array(1024));\n`;

/** The byte-data program after the same prelude: Espruino's variables, and QuickJS bytes above its baseline. */
async function dataWorkload(json: string): Promise<{ variables: number; quickjs: number }> {
  const espruino = EspruinoProcess.start(prelude(json) + DATA_PROGRAM);
  let variables: number;
  try {
    await espruino.evaluate('1');
    variables = await usage(espruino);
  } finally {
    espruino.close();
  }
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-calibrate-esp32-'));
  try {
    const file = join(directory, 'data.js');
    writeFileSync(file, DATA_PROGRAM);
    const world = await World.create(1);
    const board = world.addBoard({ name: 'esp32', ...emulatedBoardOptions(loadBoard('esp32')), heapBytesMax: HEAP_LIFTED_BYTES, watchdogMs: Number.MAX_SAFE_INTEGER }, file);
    world.run(100);
    return { variables, quickjs: quickjsProgramBytes(board) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** QuickJS bytes the program holds above the board's baseline (what the heap model divides). */
function quickjsProgramBytes(board: EmulatedBoard): number {
  return quickjsMemoryUsed(board.runtime, board.vm) - board.heap.baselineBytes;
}

/** The same bundle on the QuickJS board: QuickJS bytes above its baseline at each point, and at its peak. */
async function model(bundle: string, json: string, issue: boolean, idleS: number): Promise<Heap> {
  const world = await World.create(1);
  const options = emulatedBoardOptions(loadBoard('esp32'));
  const board = world.addBoard({ name: 'esp32', ...options, heapBytesMax: HEAP_LIFTED_BYTES, watchdogMs: Number.MAX_SAFE_INTEGER, files: { [provisionFileName(options.profile)]: new TextEncoder().encode(json) } }, bundle);
  for (let ms = 0; ms < START_BOARD_MS_MAX && !board.log.some((line) => STARTED.test(line)); ms += 100) world.run(100);
  if (!board.log.some((line) => STARTED.test(line))) throw new Error(`CALIBRATION_NO_START: ${bundle} did not start in QuickJS: ${board.log.join(' | ')}`);
  const booted = quickjsProgramBytes(board);
  world.run(idleS * 1000);
  let issued: number | null = null;
  if (issue) {
    if (board.evaluate(ISSUE) !== 'true') throw new Error('CALIBRATION_ISSUE_REFUSED: the QuickJS board refused the record');
    for (let ms = 0; ms < ISSUE_BOARD_MS_MAX && issued === null; ms += 1000) {
      world.run(1000);
      if ((board.stats().records_issued as number) >= 1) issued = quickjsProgramBytes(board);
    }
    if (issued === null) throw new Error(`CALIBRATION_NO_RECORD: the QuickJS board issued nothing in ${ISSUE_BOARD_MS_MAX} ms`);
  }
  // The emulator tracks its peak in board bytes under the current model: back to QuickJS bytes.
  const current = HEAP_MODELS.espruino;
  const peak = Math.round((board.heapPeakBytes - current.runtimeBytes) * current.quickjsPerBoardByte);
  return { booted, issued, peak: Math.max(peak, booted, issued ?? 0) };
}

export type CalibrationRow = {
  workload: string; espruino_variables: number; real_bytes: number; quickjs_bytes_above_baseline: number; quickjs_per_board_byte: number;
  /** The model with the ratio fitted in this run, and with HEAP_MODELS.espruino as it is in the tree. */
  model_bytes: number; model_error_percent: number; model_in_tree_bytes: number; model_in_tree_error_percent: number;
  /** False for the byte-data row, which is not a workload of the node. */
  node: boolean;
};

export type Calibration = {
  bundles: typeof BUNDLES; idle_s: number; variables_max: number; bytes_per_variable: number; runtime_variables: number;
  fitted: { quickjsPerBoardByte: number; runtimeBytes: number }; heap_model_in_tree: { quickjsPerBoardByte: number; runtimeBytes: number };
  rows: CalibrationRow[]; linux_variables_per_uint8array_1024: number; logs: { workload: string; espruino: string }[]; wall_s: number;
};

/** The whole calibration; needs `make build`'s esp32 bundles and the interpreter (espruinoMissing()). */
export async function calibrateEsp32(idleS: number): Promise<Calibration> {
  const json = provisionBoards(3, seededRandom(12), { tokensRequired: 0 }).boards[0].json;
  const wallStarted = Date.now();
  const runtimeVariables = await espruinoRuntimeVariables(json);
  // The conversion's known gap: byte data takes about half the variables here (27-byte blocks) that it
  // takes in the ESP32's 14-byte blocks (docs/emulator.md).
  const variablesPerKibibyte = await espruinoVariablesPerKibibyte();
  const runs = [
    { workload: 'default', bundle: BUNDLES.default, issue: true },
    { workload: 'lora', bundle: BUNDLES.lora, issue: false },
  ];
  const measured = [];
  for (const run of runs) {
    const espruino = await real(run.bundle, json, run.issue, idleS);
    const quickjs = await model(run.bundle, json, run.issue, idleS);
    measured.push({ ...run, espruino, quickjs });
  }
  // The fit: the idle node of the default bundle, as the pico's calibration (calibrate-pico.ts).
  const runtimeBytes = runtimeVariables * ESP32_BYTES_PER_VARIABLE;
  const programBytes = (variables: number) => (variables - runtimeVariables) * ESP32_BYTES_PER_VARIABLE;
  const ratio = Number((measured[0].quickjs.booted / programBytes(measured[0].espruino.variables.booted)).toFixed(2));
  const inTree = HEAP_MODELS.espruino;
  const percent = (model: number, realBytes: number) => Number((((model - realBytes) / realBytes) * 100).toFixed(1));
  const row = (workload: string, variables: number, quickjsBytes: number, node: boolean): CalibrationRow => {
    const realBytes = variables * ESP32_BYTES_PER_VARIABLE;
    const model = runtimeBytes + Math.round(quickjsBytes / ratio);
    const modelInTree = inTree.runtimeBytes + Math.round(quickjsBytes / inTree.quickjsPerBoardByte);
    return {
      workload, espruino_variables: variables, real_bytes: realBytes, quickjs_bytes_above_baseline: quickjsBytes,
      quickjs_per_board_byte: Number((quickjsBytes / programBytes(variables)).toFixed(3)), model_bytes: model, model_error_percent: percent(model, realBytes),
      model_in_tree_bytes: modelInTree, model_in_tree_error_percent: percent(modelInTree, realBytes), node,
    };
  };
  const rows: CalibrationRow[] = [];
  for (const entry of measured) {
    for (const point of ['booted', 'issued', 'peak'] as (Point | 'peak')[]) {
      const variables = entry.espruino.variables[point];
      const quickjsBytes = entry.quickjs[point];
      if (variables !== null && quickjsBytes !== null) rows.push(row(`${entry.workload} ${point}`, variables, quickjsBytes, true));
    }
  }
  // Not a workload of the node: how far the fitted ratio is off for plain byte data.
  const data = await dataWorkload(json);
  rows.push(row(`byte data: ${DATA_ARRAYS} Uint8Arrays of 1,024 B (not the node)`, data.variables, data.quickjs, false));
  return {
    bundles: BUNDLES, idle_s: idleS, variables_max: ESP32_VARIABLES_MAX, bytes_per_variable: ESP32_BYTES_PER_VARIABLE, runtime_variables: runtimeVariables,
    fitted: { quickjsPerBoardByte: ratio, runtimeBytes }, heap_model_in_tree: inTree, rows, linux_variables_per_uint8array_1024: variablesPerKibibyte,
    logs: measured.map((entry) => ({ workload: entry.workload, espruino: entry.espruino.log })), wall_s: Math.round((Date.now() - wallStarted) / 1000),
  };
}

const argument = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
if (process.argv[1]?.endsWith('calibrate-esp32.ts')) {
  const missing = espruinoMissing();
  const idleS = Number(argument('--idle-s') ?? 10);
  if (!Number.isInteger(idleS) || idleS < 0 || idleS > 600) throw new Error(`OPTION_INVALID: --idle-s must be an integer from 0 to 600, got ${argument('--idle-s')}`);
  console.log(missing !== null ? JSON.stringify({ skipped: missing }) : JSON.stringify(await calibrateEsp32(idleS), null, 1));
}
