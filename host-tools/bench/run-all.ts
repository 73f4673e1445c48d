// `make bench`: runs every benchmark as its own process (so one cannot warm or starve another), each
// printing one JSON object as its last line, then writes bench/results.json and docs/benchmarks.md with
// tables, SVG plots and the command that reproduces each figure. --quick runs the tiny versions CI uses;
// --only KEY runs one bench and keeps the others' last figures.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { lineChart } from '../sim/svg-plot';
import type { PaperPoint } from './paper';

export type BenchEntry = { key: string; script: string; args: string[]; quickArgs: string[] };

export const BENCHES: BenchEntry[] = [
  { key: 'paper', script: 'host-tools/bench/paper.ts', args: ['--max', '10000'], quickArgs: ['--max', '100'] },
  { key: 'ledger_core', script: 'host-tools/bench/ledger-core.ts', args: [], quickArgs: ['--quick'] },
  { key: 'aggregator', script: 'host-tools/bench/aggregator.ts', args: [], quickArgs: ['--quick'] },
  { key: 'federation', script: 'host-tools/bench/federation.ts', args: [], quickArgs: ['--quick'] },
  { key: 'footprint', script: 'host-tools/bench/footprint.ts', args: [], quickArgs: [] },
  { key: 'heap', script: 'host-tools/bench/heap.ts', args: [], quickArgs: [] },
  { key: 'validation', script: 'host-tools/bench/validation.ts', args: [], quickArgs: ['--quick', '--board', 'pico,pico-stock'] },
  { key: 'espruino', script: 'host-tools/bench/validation-espruino.ts', args: [], quickArgs: ['--skip'] },
  { key: 'rp2040', script: 'host-tools/bench/rp2040-firmware.ts', args: [], quickArgs: ['--skip'] },
  { key: 'city', script: 'host-tools/bench/city.ts', args: ['--evs', '100', '--duration', '10m', '--boards', 'pico,esp32'], quickArgs: ['--evs', '4', '--duration', '5m', '--boards', 'pico,esp32'] },
  { key: 'lora_medium', script: 'host-tools/bench/lora-medium.ts', args: ['--evs', '6,12,24,48', '--duration', '30m', '--boards', 'pico,esp32'], quickArgs: ['--evs', '6', '--duration', '5m', '--boards', 'pico'] },
];

const SECTION_TITLES: Record<string, string> = {
  ledger_core: 'Ledger core on the host (one light node)',
  aggregator: 'Aggregator: ingest over HTTP with full validation and durable commit, cap selection, storage',
  federation: 'Federation: ingest of 1 and 3 aggregators on a local 3-member etcd against the embedded aggregator (same load, same run); catch-up of a restarted aggregator',
  footprint: 'Footprint: bundles, record sizes, LoRa airtime per trade (EU868, BW 125 kHz, CR 4/5)',
  heap: 'Footprint: heap peak per board (each bundle provisioned: a simulated minute idle, precomputing nonces, then verifying a record meanwhile)',
  validation: 'Device: the validation bench on the emulator (projected board time from the cost model)',
  city: 'City: host time per simulated hour of the city simulation over LoRa (mixed fleet), by component',
};

/** The LoRa medium against the fleet size: one row per run (host-tools/bench/lora-medium.ts). */
function loraMediumSection(medium: { duration: string; boards: string; rows: Record<string, number>[] } | undefined, command: string): string[] {
  const title = '## LoRa medium: collisions and delivery against the number of EVs (LBT-CAD with random backoff, grants in turn)';
  if (medium === undefined) return missingSection(title, 'lora_medium', command);
  const columns = ['evs', 'frames_sent', 'receptions_delivered', 'receptions_collided', 'collision_percent', 'delivered_percent', 'lost_board_busy', 'cad_checks', 'cad_busy', 'gateway_backoffs', 'duty_cycle_max_percent', 'records', 'trades', 'wall_ms'];
  return [
    title,
    '',
    `Command: \`${command}\``,
    '',
    `The city on one SF7 125 kHz channel, ${medium.boards} boards, ${medium.duration} simulated each, seed 1. A reception is one packet at one`,
    'receiver (the gateway and every EV); collided receptions overlapped another packet there. lost_board_busy: packets written over',
    "in a radio's FIFO before its busy board read them.",
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...medium.rows.map((row) => `| ${columns.map((column) => String(row[column])).join(' | ')} |`),
    '',
  ];
}

/** A section of figures for a bench whose output is a flat object (nested objects shown as JSON). */
/** The command that reproduces a bench's figures, as run-all ran it. */
function benchCommand(key: string, quick: boolean): string {
  const entry = BENCHES.find((candidate) => candidate.key === key) as BenchEntry;
  return `node --import tsx ${entry.script} ${(quick ? entry.quickArgs : entry.args).join(' ')}`.trim();
}

function figuresSection(key: string, figures: Record<string, unknown> | undefined, command: string): string[] {
  const title = `## ${SECTION_TITLES[key] ?? key}`;
  if (figures === undefined) return missingSection(title, key, command);
  const rows = Object.entries(figures).map(([name, value]) => `| ${name} | ${typeof value === 'object' ? '`' + JSON.stringify(value) + '`' : String(value)} |`);
  return [title, '', `Command: \`${command}\``, '', '| figure | value |', '| --- | --- |', ...rows, ''];
}

function runBench(entry: BenchEntry, quick: boolean): unknown {
  const args = ['--import', 'tsx', entry.script, ...(quick ? entry.quickArgs : entry.args)];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${entry.script} failed (${result.status}): ${result.stderr.trim().split('\n').slice(-8).join(' | ')}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

type Paper = { difficulty_bits: number; block_transactions: number; smartchain: PaperPoint[]; pow_chain: PaperPoint[] };

function paperSection(paper: Paper, command: string, docsDir: string): string[] {
  const rows = paper.smartchain.map((point, index) => {
    const pow = paper.pow_chain[index];
    return `| ${point.transactions} | ${point.preparation_ms} | ${pow.preparation_ms} | ${point.validation_ms} | ${pow.validation_ms} | ${(pow.preparation_ms / point.preparation_ms).toFixed(1)} | ${(pow.validation_ms / point.validation_ms).toFixed(2)} |`;
  });
  const series = (pick: (point: PaperPoint) => number) => [
    { name: 'SmartChain', points: paper.smartchain.map((point) => [point.transactions, pick(point)] as [number, number]) },
    { name: `PoW chain (${paper.difficulty_bits}-bit, ${paper.block_transactions} tx/block)`, points: paper.pow_chain.map((point) => [point.transactions, pick(point)] as [number, number]) },
  ];
  const prepRatios = paper.smartchain.map((point, index) => paper.pow_chain[index].preparation_ms / point.preparation_ms);
  const validRatios = paper.smartchain.map((point, index) => paper.pow_chain[index].validation_ms / point.validation_ms);
  const range = (values: number[]) => `${Math.min(...values).toFixed(2)} to ${Math.max(...values).toFixed(2)}`;
  const trend = (values: number[]) =>
    values[values.length - 1] < values[0] ? 'and the gap narrows with more transactions, as the paper says' : 'but the gap does not narrow with more transactions, unlike the paper\'s figure';
  mkdirSync(join(docsDir, 'figures'), { recursive: true });
  writeFileSync(join(docsDir, 'figures', 'paper-fig7-preparation.svg'), lineChart(series((point) => point.preparation_ms), {
    title: 'Fig. 7: block preparation time', xLabel: 'transactions', yLabel: 'total ms', logX: true, logY: true,
  }));
  writeFileSync(join(docsDir, 'figures', 'paper-fig8-validation.svg'), lineChart(series((point) => point.validation_ms), {
    title: 'Fig. 8: validation time', xLabel: 'transactions', yLabel: 'total ms', logX: true, logY: true,
  }));
  return [
    '## The paper\'s evaluation (Fig. 7 and Fig. 8)',
    '',
    `Command: \`${command}\`. Same signed records (node:crypto Ed25519) on both sides, one process, one run.`,
    `SmartChain: preparation = pick two caps, build and sign the record; validation = decode, check the parents are known, verify.`,
    `PoW chain: preparation = build and sign the records, Merkle root, proof of work at ${paper.difficulty_bits} leading zero bits per block of ${paper.block_transactions}; validation = a second node checks every block in order (link, work, Merkle root, every signature) under the longest-chain rule.`,
    '',
    '| transactions | SmartChain preparation ms | PoW preparation ms | SmartChain validation ms | PoW validation ms | preparation ratio PoW/SC | validation ratio PoW/SC |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '![Fig. 7](figures/paper-fig7-preparation.svg)',
    '![Fig. 8](figures/paper-fig8-validation.svg)',
    '',
    `The paper claims SmartChain prepares blocks faster than a conventional blockchain, the gap narrowing as`,
    `transactions grow, and validates faster. Measured here: PoW preparation takes ${range(prepRatios)} times`,
    `SmartChain's, so we agree that preparation is far cheaper (no proof of work), ${trend(prepRatios)}. Validation:`,
    `PoW validation takes ${range(validRatios)} times SmartChain's: both sides are dominated by the same Ed25519`,
    `check per transaction and the PoW side adds only hashing (Merkle tree, one header per block), so a validation`,
    `advantage as large as the paper's figure does not show on this host.`,
    '',
  ];
}

/** The physical limit: native Ed25519 on comparable cores (docs/platforms.md section C, cited, not measured here). */
function limitsSection(results: Record<string, unknown>): string[] {
  const validation = results.validation as Record<string, { projected_board_ms: { validate_two_caps: { median: number }; trade_time_path?: { median: number } } } | undefined> | undefined;
  const picoTwo = validation?.['pico-stock']?.projected_board_ms.validate_two_caps.median;
  const nativeTwo = validation?.pico?.projected_board_ms.validate_two_caps.median;
  const nativeTrade = validation?.pico?.projected_board_ms.trade_time_path?.median;
  return [
    '## Where we stand against the physical limit',
    '',
    'Native Ed25519 figures from `docs/platforms.md` section C (their sources are given there; not measured here):',
    '',
    '| platform | sign | verify |',
    '| --- | --- | --- |',
    '| ESP32 240 MHz, wolfSSL 5.6.4 | 16.8 ms | 18.8 ms |',
    '| ESP32, libsodium | 24 ms | 54 ms |',
    '| Cortex-M3 84 MHz, arduinolibs | 195 ms | 306 ms |',
    '| Cortex-M0+ (SAM D20), do255e | 1,502,127 cycles | 3,255,070 cycles (about 26 ms at 125 MHz) |',
    '',
    picoTwo === undefined
      ? ''
      : `Our interpreted path (pico-stock) validates two caps cold in ${(picoTwo / 1000).toFixed(0)} s of projected pico time, against about 0.05 to 0.06 s for two native verifications on an RP2040-class core: a factor of about ${Math.round(picoTwo / 55)}, which is why the node verifies in the background, caches every verified id and signs with precomputed nonces.`,
    nativeTwo === undefined || nativeTrade === undefined
      ? ''
      : `On our image's native module (pico, board time from \`boards/pico/board.json\` native_crypto_board_ms) two caps validate cold in ${nativeTwo.toFixed(1)} ms and the trade-time path (those, a signature, its id) takes ${nativeTrade.toFixed(1)} ms (target 400 ms).`,
    '',
  ];
}

type Spread = { median: number };
type TimeBudget = {
  slice_units: number; slice_bound_ms: number; sign_online_ms: Spread; validate_two_caps_background_verified_ms: Spread; validate_two_caps_background_verified_rehashing_ids_ms: Spread; validate_two_caps_cold_ms: Spread;
  background_verification: { board_ms: number; slices: number; longest_slice_ms: number }; nonce_precomputation: { board_ms: number; longest_slice_ms: number };
  key_derivation: { board_ms: number; longest_slice_ms: number }; longest_crypto_slice_ms: number; longest_crypto_slice_without_sha512_ms: number; field_ops_per_verification: number;
  tweetnacl_field_ops_per_verification: number; field_ops_ratio: number; background_verifications_per_board_hour: number; trade_time_path_ms: Spread;
  trade_time_ratio_to_naive: number; heap_peak_bytes_with_stock_and_tables: number;
};

/** The board's time budget (issue 8), per board, from the validation bench: projected board time. */
function timeBudgetSection(results: Record<string, unknown>): string[] {
  const validation = (results.validation ?? {}) as Record<string, { time_budget?: TimeBudget; projected_board_ms?: { naive: Spread } }>;
  const boards = ['pico-stock', 'esp32'].filter((name) => validation[name]?.time_budget !== undefined);
  if (boards.length === 0) return [];
  const seconds = (ms: number) => (ms < 1000 ? ms.toFixed(1) + ' ms' : (ms / 1000).toFixed(ms < 10000 ? 2 : 0) + ' s');
  const row = (label: string, value: (budget: TimeBudget, naiveMs: number) => string) =>
    `| ${label} | ${boards.map((name) => value(validation[name].time_budget as TimeBudget, validation[name].projected_board_ms?.naive.median ?? 0)).join(' | ')} |`;
  return [
    "## The board's time budget",
    '',
    'Projected board time from the emulator\'s cost model, one call into the board per slice as the node\'s tick makes them (`host-tools/bench/validation.ts`).',
    '',
    `| figure | ${boards.join(' | ')} |`,
    `| --- | ${boards.map(() => '---').join(' | ')} |`,
    row('field operations per slice (bound)', (budget) => `${budget.slice_units} (${seconds(budget.slice_bound_ms)})`),
    row('one online signature (payload encoded and signed)', (budget) => seconds(budget.sign_online_ms.median)),
    row('validate two caps verified in the background (ids known)', (budget) => seconds(budget.validate_two_caps_background_verified_ms.median)),
    row('the same, each id computed again from the bytes', (budget) => seconds(budget.validate_two_caps_background_verified_rehashing_ids_ms.median)),
    row('validate two caps cold', (budget) => seconds(budget.validate_two_caps_cold_ms.median)),
    row('one background verification (slices)', (budget) => `${seconds(budget.background_verification.board_ms)} (${budget.background_verification.slices})`),
    row('one nonce precomputation', (budget) => seconds(budget.nonce_precomputation.board_ms)),
    row('key derivation', (budget) => seconds(budget.key_derivation.board_ms)),
    row('longest crypto slice (a SHA-512 in one tweetnacl call)', (budget) => seconds(budget.longest_crypto_slice_ms)),
    row('longest crypto slice without a SHA-512', (budget) => seconds(budget.longest_crypto_slice_without_sha512_ms)),
    row('field operations per verification (tweetnacl)', (budget) => `${budget.field_ops_per_verification} (${budget.tweetnacl_field_ops_per_verification}, ${budget.field_ops_ratio}x)`),
    row('background verifications per hour of board time', (budget) => String(budget.background_verifications_per_board_hour)),
    row('trade-time path: validate two caps, sign one record, its id', (budget) => seconds(budget.trade_time_path_ms.median)),
    row('naive path of the same run (ratio)', (budget, naiveMs) => `${seconds(naiveMs)} (${budget.trade_time_ratio_to_naive}x)`),
    row('heap peak of the bench program (stock of four nonces, base table, a verification\'s tables)', (budget) => `${budget.heap_peak_bytes_with_stock_and_tables} B`),
    '',
  ];
}

type EspruinoRow = { espruino_host_cpu_ms: number; quickjs_host_cpu_ms: number; ratio_espruino_to_quickjs: number; projected_esp32_ms: number };
type EspruinoMode = Record<string, EspruinoRow> & { natives: string; heap_variables: { used: number; linux_block_bytes: number; esp32_bytes_if_one_to_one: number; esp32_variables_upper_bound: number } };

/** The esp32 on Espruino's own interpreter, before (JS paths) and after (natives) (validation-espruino.ts). */
export function espruinoSection(result: { skipped?: string; basis?: string; before?: EspruinoMode; after?: EspruinoMode; calibration?: Record<string, unknown> } | undefined, command: string): string[] {
  const title = '## The esp32 on the real Espruino interpreter: before and after native hashing and E.convolve';
  if (result === undefined) return missingSection(title, 'espruino', command);
  if (result.skipped !== undefined || result.before === undefined || result.after === undefined) return [title, '', `Not run: ${result.skipped ?? 'no result'}.`, ''];
  const before = result.before;
  const after = result.after;
  const ms = (value: number) => (value >= 10000 ? (value / 1000).toFixed(0) + ' s' : value >= 1000 ? (value / 1000).toFixed(2) + ' s' : value.toFixed(value < 10 ? 2 : 1) + ' ms');
  const names: [string, string][] = [
    ['sha512', 'SHA-512 of a record (its signed bytes and signature)'], ['signature', 'one signature (online: a nonce ready)'],
    ['background_verification', 'one background verification (6 field operations a slice)'], ['trade_time_path', 'trade-time path (two caps verified in the background, sign, id)'],
    ['trade_time_path_node', 'trade-time path as the node runs it (firmware/node/issue.ts: encode, sign, id, two envelopes)'],
    ['field', 'one field multiplication'], ['codec', 'one record through the codec (encode, decode)'],
  ];
  return [
    title,
    '',
    'Command: `npx smartchain bench validation --target espruino --board esp32` (`node --import tsx host-tools/bench/validation-espruino.ts` here).',
    `Projected ESP32 board time: ${result.basis}. Host times are CPU times of each engine in the same run.`,
    'The firmware before and after the interpreter-shaped arithmetic and codec (commit 8f7a520 against this tree, natives on in both): docs/emulator.md, the esp32\'s calibration.',
    '',
    '| figure | before: Espruino CPU on this host | before: projected ESP32 | after: Espruino CPU on this host | after: projected ESP32 | after: ratio to QuickJS |',
    '| --- | --- | --- | --- | --- | --- |',
    ...names.map(([key, label]) => `| ${label} | ${ms(before[key].espruino_host_cpu_ms)} | ${ms(before[key].projected_esp32_ms)} | ${ms(after[key].espruino_host_cpu_ms)} | ${ms(after[key].projected_esp32_ms)} | ${after[key].ratio_espruino_to_quickjs} |`),
    `| heap in Espruino variables (bench program) | ${before.heap_variables.used} | ${before.heap_variables.esp32_bytes_if_one_to_one} to ${before.heap_variables.esp32_variables_upper_bound * 14} B | ${after.heap_variables.used} | ${after.heap_variables.esp32_bytes_if_one_to_one} to ${after.heap_variables.esp32_variables_upper_bound * 14} B | |`,
    '',
    `Calibration of the emulator's esp32 cost model from this run: \`${JSON.stringify(result.calibration)}\``,
    '',
  ];
}

type Rp2040Spread = { median: number; min: number; max: number };
type Rp2040Heap = { node_started_board_ms: number; heap_used_bytes: number; heap_peak_bytes: number; heap_total_bytes: number };
type Rp2040Result = {
  skipped?: string; basis?: string; image_bytes?: { native: number; stock: number };
  smartcrypto?: { timings: { operation: string; boardMs: number; cycles: number }[]; heapUsedAtPrompt: number };
  validation_native?: { operations: Record<string, { board_ms: Rp2040Spread; heap_peak_bytes: number }>; heap_after_load: { heapUsed: number } };
  cold_validations_per_board_hour?: number; heap?: Record<'pico' | 'pico-stock', Rp2040Heap>; wall_s?: number;
};

/** The pico on Kaluma's real firmware in rp2040js, our image beside the stock one (rp2040-firmware.ts). */
export function rp2040Section(result: Rp2040Result | undefined, command: string): string[] {
  if (result === undefined) return [];
  const title = '## The pico on the real firmware (rp2040js): our image (native smartcrypto) and the stock image';
  if (result.skipped !== undefined) return [title, '', `Command: \`${command}\``, '', `Skipped: ${result.skipped}. It needs ../shared/upstream/ (the RP2040 boot ROM, Kaluma's stock image) and \`make image\`.`, ''];
  const crypto = result.smartcrypto as NonNullable<Rp2040Result['smartcrypto']>;
  const operations = (result.validation_native as NonNullable<Rp2040Result['validation_native']>).operations;
  const heap = result.heap as NonNullable<Rp2040Result['heap']>;
  const ms = (spread: Rp2040Spread | undefined) => (spread === undefined ? '-' : `${spread.median} ms (${spread.min} to ${spread.max})`);
  const jsOnly = "not run: the stock image's JS Ed25519 takes minutes of board time per call (docs/emulator.md)";
  return [
    title,
    '',
    `Command: \`${command}\` (${result.wall_s} s of wall time). ${result.basis}; the module's rows from \`millis()\`,`,
    "the empty loop's cycles subtracted (host-tools/bench/smartcrypto-image.ts). Heap is Kaluma's `process.memoryUsage()`. Our image: `make image`;",
    'the stock image from ../shared/upstream/. The validation rows run `host-tools/bench/validation-native-entry.ts` (the firmware\'s',
    "record code with the image's smartcrypto module) as `npx smartchain bench validation --target rp2040 --board pico --image native`",
    "does; the heap rows run each build's node (`dist/pico/firmware.js` on our image, `dist/pico-stock/firmware.js` on the stock one),",
    'provisioned through the REPL, read 2 s of board time after NODE_STARTED.',
    '',
    '| figure | our image (pico) | stock image (pico-stock) |',
    '| --- | --- | --- |',
    `| image bytes (.bin) | ${result.image_bytes?.native} | ${result.image_bytes?.stock} |`,
    ...crypto.timings.map((timing) => `| smartcrypto ${timing.operation}: board ms (cycles) | ${timing.boardMs.toFixed(2)} (${timing.cycles}) | no module |`),
    `| sign a record and its id | ${ms(operations.sign?.board_ms)} | ${jsOnly} |`,
    `| validate one cap cold (decode, id, verify) | ${ms(operations.verify?.board_ms)} | ${jsOnly} |`,
    `| validate two caps cold | ${ms(operations.validate_two_caps?.board_ms)} | ${jsOnly} |`,
    `| trade-time path: validate two caps cold, sign one record, its id (target 400 ms) | ${ms(operations.issue_record?.board_ms)} | ${jsOnly} |`,
    `| cold validations per board hour | ${result.cold_validations_per_board_hour} | - |`,
    `| heap peak of the bench program (B) | ${Math.max(...Object.values(operations).map((operation) => operation.heap_peak_bytes))} | - |`,
    `| node started after power-up (board ms) | ${heap.pico.node_started_board_ms} | ${heap['pico-stock'].node_started_board_ms} |`,
    `| idle node: heap used / peak / total (B) | ${heap.pico.heap_used_bytes} / ${heap.pico.heap_peak_bytes} / ${heap.pico.heap_total_bytes} | ${heap['pico-stock'].heap_used_bytes} / ${heap['pico-stock'].heap_peak_bytes} / ${heap['pico-stock'].heap_total_bytes} |`,
    '',
  ];
}

/** When each section was last measured, once --only has mixed runs of different days. */
function measuredOn(results: Record<string, unknown>): string[] {
  const dates = (results.measured_on ?? {}) as Record<string, string>;
  const when = (key: string) => dates[key] ?? (results[key] === undefined ? 'not yet' : 'an earlier run');
  return ['', 'Measured on: ' + BENCHES.map((entry) => `${entry.key} ${when(entry.key)}`).join(', ') + '.'];
}

/** A section whose bench has no figures in bench/results.json yet says so, and how to fill it. */
function missingSection(title: string, key: string, command: string): string[] {
  return [title, '', `Command: \`${command}\``, '', `Not in bench/results.json yet: \`make bench\` runs it, or \`node --import tsx host-tools/bench/run-all.ts --only ${key}\`.`, ''];
}

export function writeReport(results: Record<string, unknown>, quick: boolean, outDir: string, only: string | null = null): void {
  const docsDir = join(outDir, 'docs');
  mkdirSync(join(outDir, 'bench'), { recursive: true });
  mkdirSync(docsDir, { recursive: true });
  writeFileSync(join(outDir, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const flag = quick ? ' --quick' : '';
  const lines = [
    '# Benchmarks',
    '',
    only === null
      ? `Written by \`make bench\` (\`node --import tsx host-tools/bench/run-all.ts${flag}\`) on ${new Date().toISOString().slice(0, 10)},`
      : `Written by \`make bench\` (\`node --import tsx host-tools/bench/run-all.ts${flag}\`) in an earlier run, except the ${only} section, re-run alone (\`--only ${only}\`) on ${new Date().toISOString().slice(0, 10)},`,
    `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}. Raw figures: \`bench/results.json\`.`,
    ...measuredOn(results),
    quick ? '\n**Quick run**: the tiny sizes CI uses to prove the benches work; not the figures to quote.\n' : '',
    ...paperSection(results.paper as Paper, benchCommand('paper', quick), docsDir),
    ...limitsSection(results),
    ...timeBudgetSection(results),
    ...espruinoSection(results.espruino as Parameters<typeof espruinoSection>[0], benchCommand('espruino', quick)),
    ...rp2040Section(results.rp2040 as Rp2040Result | undefined, benchCommand('rp2040', quick)),
    ...loraMediumSection(results.lora_medium as never, benchCommand('lora_medium', quick)),
    ...BENCHES.filter((entry) => entry.key !== 'paper' && entry.key !== 'espruino' && entry.key !== 'rp2040' && entry.key !== 'lora_medium').flatMap((entry) =>
      figuresSection(entry.key, results[entry.key] as Record<string, unknown>, `node --import tsx ${entry.script} ${(quick ? entry.quickArgs : entry.args).join(' ')}`.trim()),
    ),
  ];
  writeFileSync(join(docsDir, 'benchmarks.md'), lines.join('\n'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const outAt = process.argv.indexOf('--out');
  const outDir = outAt > 0 ? process.argv[outAt + 1] : '.';
  // --only KEY re-runs one bench and keeps the others' figures from the last bench/results.json.
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt > 0 ? process.argv[onlyAt + 1] : null;
  if (only !== null && !BENCHES.some((entry) => entry.key === only)) throw new Error(`--only must be one of ${BENCHES.map((entry) => entry.key).join(', ')}`);
  const results: Record<string, unknown> = only === null ? {} : JSON.parse(readFileSync(join(outDir, 'bench', 'results.json'), 'utf8'));
  for (const entry of BENCHES.filter((bench) => only === null || bench.key === only)) {
    process.stdout.write(`bench ${entry.key} ... `);
    const started = Date.now();
    results[entry.key] = runBench(entry, quick);
    results.measured_on = { ...(results.measured_on as Record<string, string> | undefined), [entry.key]: new Date().toISOString().slice(0, 10) };
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  writeReport(results, quick, outDir, only);
  console.log(`wrote ${join(outDir, 'bench', 'results.json')} and ${join(outDir, 'docs', 'benchmarks.md')}`);
}
