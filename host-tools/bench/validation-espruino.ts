// The esp32's validation bench on the real Espruino interpreter (its Linux build), next to QuickJS in
// the same run: the same bench program (validation-entry-esp32.ts), the same calls, each engine's CPU
// time for each. Every figure is taken twice, on the JS paths and with Espruino's natives (native
// SHA-512, E.convolve), and projected to ESP32 board time:
//
//   ESP32 ms = Espruino CPU ms on this host / HOST_SLOWDOWN x HOST_TO_ESP32
//
// HOST_SLOWDOWN is how much slower this host runs now than when docs/platforms.md D was measured (the host is
// shared): QuickJS's CPU time for the naive path (tweetnacl's nacl.js: sign once, verify twice) in this
// run over the 986 ms it took then (202 + 2 x 392 ms). HOST_TO_ESP32 is one named constant, below.
// The run also calibrates the emulator's esp32 cost model (written to esp32-calibration.json).
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../build/boards';
import { buildBoard } from '../build/bundle';
import { EmulatedBoard } from '../emulator/board';
import { emulatedBoardOptions } from '../emulator/profile';
import { loadQuickJS, seededRandom } from '../emulator/world';
import { EspruinoProcess, espruinoMissing } from './espruino-runner';
import { HASHES_PER_COLLECTION } from '../../boards/esp32/collect';
import { tweetnaclVerifyMultiplications } from './validation';

/**
 * ESP32 board time per CPU millisecond of the Linux Espruino interpreter on this host (at the speed of
 * docs/platforms.md D). Its basis, measured where it could be: Kaluma's own firmware in the cycle-level RP2040
 * emulator takes 552 times the host JerryScript build's time for the same tweetnacl verification
 * (docs/platforms.md D); both interpreters are portable C, so the same factor is taken for Espruino's C on
 * a 125 MHz Cortex-M0+, and the ESP32's 240 MHz clock (Espressif's ESP32 datasheet) makes it 552 x 125 /
 * 240. It assumes equal cycles per interpreted operation on the LX6 and the M0+ and inherits the RP2040
 * emulator's uncertainty (up to 2.5 times slow against a real Pico, docs/platforms.md D). A real ESP32
 * replaces it with a measurement.
 */
export const HOST_TO_ESP32 = (552 * 125) / 240;
/** QuickJS's host milliseconds for the naive path when docs/platforms.md D was measured: nacl sign + 2 verify. */
const QUICKJS_NAIVE_REFERENCE_MS = 202 + 2 * 392;
/** Repetitions per calibration call: enough CPU time per call for /proc's 10 ms ticks. */
const CALIBRATION_REPEATS = { field: 1000, hashJs: 5, hashNative: 5000, codec: 50, collections: 2000 };
const SLICE_UNITS = 6;
/** The bench program's nonce stock (validation-entry.ts): signatures per batch, refilled before each. */
const STOCK_NONCES = 4;
/** Batches of online signatures per figure: 32 signatures, so /proc's 10 ms tick is 0.3 ms of each. */
const SIGNING_BATCHES = 8;
/** Naive-path runs for the host's speed; their median is the reference (one run moves by a tenth or more). */
const NAIVE_RUNS = 3;

type Engine = { name: string; evaluate(code: string): Promise<{ value: string; cpuMs: number; interrupts: number }> };

function quickjsEngine(board: EmulatedBoard): Engine {
  return {
    name: 'quickjs',
    async evaluate(code: string) {
      const interrupts = board.work.interrupts;
      const started = process.cpuUsage();
      const value = board.evaluate(code);
      const used = process.cpuUsage(started);
      if (/Error/.test(value) && !/^\d/.test(value)) throw new Error(`quickjs: ${code}: ${value}`);
      return { value, cpuMs: (used.user + used.system) / 1000, interrupts: board.work.interrupts - interrupts };
    },
  };
}

function espruinoEngine(espruino: EspruinoProcess): Engine {
  return {
    name: 'espruino',
    async evaluate(code: string) {
      const result = await espruino.evaluate(code);
      // The REPL's JSON against the emulator's dump: a string comes back bare there.
      const parsed = result.value === 'undefined' ? '' : JSON.parse(result.value);
      return { value: typeof parsed === 'string' ? parsed : JSON.stringify(parsed), cpuMs: result.cpuMs, interrupts: 0 };
    },
  };
}

/** The workloads, as expressions the bench program evaluates, each with how many units it does. */
function workloads(mode: 'js' | 'native') {
  const hashes = mode === 'js' ? CALIBRATION_REPEATS.hashJs : CALIBRATION_REPEATS.hashNative;
  // On the JS paths a signature is hundreds of ms (tweetnacl's modL) and a nonce seconds: one a batch.
  const batches = mode === 'js' ? 1 : SIGNING_BATCHES;
  const signatures = mode === 'js' ? 1 : STOCK_NONCES;
  const refill = `(function(){bench.nonceStart();for(var g=0;g<100000&&bench.nonceStep(${SLICE_UNITS})<${signatures};g++);return 1;})()`;
  const signing = (call: string, seq: number) =>
    `(function(){var k=0;for(var i=0;i<${signatures};i++)k+=bench.${call}(${seq}+i)?1:0;return k;})()`;
  return [
    { name: 'field', code: `calibrate.field(${CALIBRATION_REPEATS.field})`, units: CALIBRATION_REPEATS.field, batches: 1, before: null },
    { name: 'sha512', code: `calibrate.hash(${hashes})`, units: hashes, batches: 1, before: null },
    // The same hashes as the node makes them, with its garbage collections (boards/esp32/collect.ts).
    { name: 'sha512_as_node', code: `calibrate.hashAsNode(${hashes})`, units: hashes, batches: 1, before: null },
    { name: 'collection', code: `calibrate.collect(${CALIBRATION_REPEATS.collections})`, units: CALIBRATION_REPEATS.collections, batches: 1, before: null },
    { name: 'codec', code: `calibrate.codec(${CALIBRATION_REPEATS.codec})`, units: CALIBRATION_REPEATS.codec, batches: 1, before: null },
    { name: 'background_verification', code: `(function(){bench.verifyStart(0);for(var n=0;n<100000&&bench.verifyStep(${SLICE_UNITS},0)!==1;n++);return n;})()`, units: 1, batches: 1, before: null },
    { name: 'signature', code: signing('signOnline', 401), units: signatures, batches: batches, before: refill },
    { name: 'trade_time_path', code: signing('tradeTime', 501), units: signatures, batches: batches, before: refill },
    { name: 'trade_time_path_node', code: signing('tradeTimeNode', 601), units: signatures, batches: batches, before: refill },
  ];
}

export type EspruinoBenchResult = Awaited<ReturnType<typeof runEspruinoValidationBench>>;

export async function runEspruinoValidationBench(options: { calibrationOut?: string } = {}) {
  const missing = espruinoMissing();
  if (missing !== null) throw new Error(missing);
  const description = loadBoard('esp32');
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-ebench-'));
  const outfile = join(directory, 'bench.js');
  await buildBoard(description, { entry: 'host-tools/bench/validation-entry-esp32.ts', outfile, keepNaclSigning: true });
  const program = readFileSync(outfile, 'utf8');
  rmSync(directory, { recursive: true, force: true });
  const board = new EmulatedBoard(await loadQuickJS(), {
    name: 'esp32-bench', profile: emulatedBoardOptions(description).profile, costs: emulatedBoardOptions(description).costs, heapBytesMax: description.heap_bytes_max,
    watchdogMs: Number.MAX_SAFE_INTEGER, random: seededRandom(1),
  });
  board.load(program);
  const espruino = EspruinoProcess.start(program);
  try {
    await espruino.evaluate('1');
    const engines = [quickjsEngine(board), espruinoEngine(espruino)];
    const run = async (code: string) => {
      const out: Record<string, { value: string; cpuMs: number; interrupts: number }> = {};
      for (const engine of engines) {
        out[engine.name] = await engine.evaluate(code);
        process.stderr.write(`${engine.name} ${code.slice(0, 60)}: ${out[engine.name].cpuMs.toFixed(0)} ms CPU\n`);
      }
      if (out.quickjs.value !== out.espruino.value) throw new Error(`${code}: quickjs ${out.quickjs.value}, espruino ${out.espruino.value}`);
      return out;
    };
    // The reference for the host's speed now: QuickJS alone (Espruino's naive path is minutes and not needed).
    const naiveMs: number[] = [];
    for (let run = 0; run < NAIVE_RUNS; run++) naiveMs.push((await engines[0].evaluate(`bench.naive(${300 + run})`)).cpuMs);
    naiveMs.sort((left, right) => left - right);
    const naive = { quickjs: { cpuMs: naiveMs[Math.floor(NAIVE_RUNS / 2)] } };
    const slowdown = naive.quickjs.cpuMs / QUICKJS_NAIVE_REFERENCE_MS;
    const toEsp32 = (cpuMs: number) => (cpuMs / slowdown) * HOST_TO_ESP32;
    await run('calibrate.natives(true)');
    await run('(bench.prepare(), 1)');
    // The second cap verified once, natively: the trade-time path finds both caps verified.
    await run(`(function(){bench.verifyStart(1);for(var n=0;n<100000&&bench.verifyStep(${SLICE_UNITS},1)!==1;n++);return n;})()`);
    const round = (value: number, digits = 2) => Number(value.toFixed(digits));
    const modes: Record<string, Record<string, unknown>> = {};
    const perUnit: Record<string, Record<string, { espruinoMs: number; quickjsMs: number; interrupts: number }>> = {};
    for (const mode of ['js', 'native'] as const) {
      const installed = await run(`calibrate.natives(${mode === 'native'})`);
      const rows: Record<string, unknown> = { natives: installed.espruino.value };
      perUnit[mode] = {};
      for (const workload of workloads(mode)) {
        // Each batch after its preparation (a full nonce stock), which is not counted.
        const total = { espruino: 0, quickjs: 0, interrupts: 0 };
        for (let batch = 0; batch < workload.batches; batch++) {
          if (workload.before !== null) await run(workload.before);
          const measured = await run(workload.code);
          // Every signature of a batch is made: a stock that ran dry would time nothing.
          if (workload.before !== null && Number(measured.espruino.value) !== workload.units) throw new Error(`${workload.name}: ${measured.espruino.value} of ${workload.units} signed`);
          total.espruino += measured.espruino.cpuMs;
          total.quickjs += measured.quickjs.cpuMs;
          total.interrupts += measured.quickjs.interrupts;
        }
        const units = workload.units * workload.batches;
        const unit = { espruinoMs: total.espruino / units, quickjsMs: total.quickjs / units, interrupts: total.interrupts / units };
        perUnit[mode][workload.name] = unit;
        rows[workload.name] = {
          espruino_host_cpu_ms: round(unit.espruinoMs, 3), quickjs_host_cpu_ms: round(unit.quickjsMs, 3),
          ratio_espruino_to_quickjs: round(unit.espruinoMs / unit.quickjsMs), projected_esp32_ms: round(toEsp32(unit.espruinoMs), 1),
        };
      }
      const memory = JSON.parse((await espruino.evaluate('process.memory()')).value) as { usage: number; total: number; blocksize: number };
      rows.heap_variables = { used: memory.usage, linux_block_bytes: memory.blocksize, esp32_bytes_if_one_to_one: memory.usage * 14, esp32_variables_upper_bound: Math.ceil((memory.usage * memory.blocksize) / 14) };
      modes[mode] = rows;
    }
    // The emulator's esp32 cost model from the same run (docs/emulator.md): for each calibrated workload,
    // its projected ESP32 milliseconds per unit and the QuickJS interrupts it counts per unit; the cost
    // model charges the difference beyond its interrupts (cost-model.ts).
    // A native SHA-512 as the node makes it, less its share of the collections (the cost model charges those apart).
    const asNode = perUnit.native.sha512_as_node;
    const hashBetweenCollections = { espruinoMs: asNode.espruinoMs - perUnit.native.collection.espruinoMs / HASHES_PER_COLLECTION, interrupts: asNode.interrupts };
    const unitOf = (unit: { espruinoMs: number; interrupts: number }) => ({ esp32_ms: round(toEsp32(unit.espruinoMs), 3), quickjs_interrupts: round(unit.interrupts, 4) });
    const calibration = {
      command: 'npx smartchain bench validation --target espruino --board esp32',
      host_to_esp32: round(HOST_TO_ESP32, 1),
      host_slowdown: round(slowdown, 3),
      ratios_espruino_to_quickjs: Object.fromEntries(
        (['field', 'sha512', 'codec'] as const).flatMap((name) => (['js', 'native'] as const).map((mode) => [`${name}_${mode}`, round(perUnit[mode][name].espruinoMs / perUnit[mode][name].quickjsMs)])),
      ),
      per_unit: {
        field_op_js: unitOf(perUnit.js.field), field_op_convolve: unitOf(perUnit.native.field),
        sha512_record_js: unitOf(perUnit.js.sha512), sha512_record_native: unitOf(hashBetweenCollections),
        collection: unitOf(perUnit.native.collection),
        codec_round_trip: unitOf(perUnit.js.codec),
      },
      tweetnacl_field_ops_per_verification: tweetnaclVerifyMultiplications(),
    };
    if (options.calibrationOut !== undefined) writeFileSync(options.calibrationOut, JSON.stringify(calibration, null, 2) + '\n');
    return {
      board: 'esp32', target: 'espruino',
      basis: `Espruino 2v29 (Linux build) CPU time / host slowdown ${round(slowdown, 3)} x ${round(HOST_TO_ESP32, 1)} (HOST_TO_ESP32)`,
      naive_quickjs_host_cpu_ms: round(naive.quickjs.cpuMs, 1),
      before: modes.js, after: modes.native, calibration,
    };
  } finally {
    espruino.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `make bench --quick` (CI) skips it: the JS-path half alone is minutes of the interpreter's CPU.
  const missing = espruinoMissing();
  if (process.argv.includes('--skip')) console.log(JSON.stringify({ skipped: 'quick run: the real-interpreter bench takes minutes (make bench runs it)' }));
  else if (missing !== null) console.log(JSON.stringify({ skipped: missing }));
  else console.log(JSON.stringify(await runEspruinoValidationBench()));
}
