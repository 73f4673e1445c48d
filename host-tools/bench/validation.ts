// The validation bench: signing one record, validating two caps, the whole issue-a-record path, and in
// the same run the naive path (plain tweetnacl: verify twice, sign once), on one emulated board running
// the firmware's own code bundled for that board. Board milliseconds come from the emulator's cost
// model (deterministic; its basis is printed); host milliseconds are the QuickJS wall time. A board on
// native crypto (board.json native_modules: the pico on our image) runs validation-native-entry.ts
// instead: the same record paths with the image's smartcrypto module, no sliced jobs to measure.
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadBoard } from '../build/boards';
import { buildBoard } from '../build/bundle';
import { EmulatedBoard } from '../emulator/board';
import { emulatedBoardOptions } from '../emulator/profile';
import { loadQuickJS, seededRandom } from '../emulator/world';

export type Spread = { min: number; median: number; max: number };
const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(1));
  return { min: round(sorted[0]), median: round(sorted[Math.floor(sorted.length / 2)]), max: round(sorted[sorted.length - 1]) };
};

/**
 * Field operations per crypto slice on each board: one on the pico (a slice is then at most one point
 * addition, 9 operations, under its 1 s bound), six on the esp32 (boards/esp32/main.ts). The bound is
 * the board's slice_board_ms_max (boards/<board>/board.json).
 */
export const SLICE_UNITS = { 'pico-stock': 1, esp32: 6 };
/** The trade-time path's target on a board with native crypto (issue 12), board milliseconds. */
export const NATIVE_TRADE_TIME_TARGET_MS = 400;

export type ValidationBoard = 'pico' | 'pico-stock' | 'esp32';

function measurer(board: EmulatedBoard, repeats: number) {
  return (code: (round: number) => string, before?: () => void) => {
    const host: number[] = [];
    const boardMs: number[] = [];
    for (let round = 0; round < repeats; round++) {
      if (before) before();
      const started = performance.now();
      const result = board.evaluate(code(round));
      host.push(performance.now() - started);
      boardMs.push(board.lastCallBoardMs());
      if (result !== 'true' && !/^\d+$/.test(result)) throw new Error(`bench call failed: ${result}`);
    }
    return { host_ms: spread(host), board_ms: spread(boardMs) };
  };
}

/**
 * The bench on a board whose image has native crypto: one record signed (and its id), one bare
 * verification, two caps validated cold, and the trade-time path (those, a record signed, its id).
 */
export async function runNativeValidationBench(boardName: ValidationBoard, repeats: number) {
  const description = loadBoard(boardName);
  const native = description.native_crypto_board_ms;
  if (native === undefined) throw new Error(`${boardName} has no native crypto (board.json native_modules)`);
  const folder = mkdtempSync(join(tmpdir(), 'smartchain-vbench-'));
  const outfile = join(folder, 'bench.js');
  await buildBoard(description, { entry: 'host-tools/bench/validation-native-entry.ts', outfile });
  const options = emulatedBoardOptions(description);
  const board = new EmulatedBoard(await loadQuickJS(), { name: `${boardName}-bench`, ...options, watchdogMs: Number.MAX_SAFE_INTEGER, random: seededRandom(1) });
  board.load(readFileSync(outfile, 'utf8'));
  rmSync(folder, { recursive: true, force: true });
  board.evaluate('bench.prepare()');
  const measure = measurer(board, repeats);
  const sign = measure((round) => `bench.sign(${100 + round})`);
  const verify = measure(() => 'bench.verify()');
  const validate = measure(() => 'bench.validateTwoCaps()');
  const trade = measure((round) => `bench.tradeTime(${500 + round})`);
  const perHour = (ms: number) => Math.floor(3600000 / ms);
  return {
    board: boardName,
    target: 'emulator',
    native_crypto: true,
    sign_ms: sign.host_ms,
    validate_two_caps_ms: validate.host_ms,
    issue_record_ms: trade.host_ms,
    heap_peak_bytes: board.heapPeakBytes,
    projected_board_ms: {
      sign: sign.board_ms, verify: verify.board_ms, validate_two_caps: validate.board_ms, trade_time_path: trade.board_ms,
      basis: `${options.costs.basis}; smartcrypto: ${native.basis}`,
    },
    verifications_per_board_hour: perHour(verify.board_ms.median),
    cold_validations_per_board_hour: perHour(validate.board_ms.median / 2),
    trade_time_target_ms: NATIVE_TRADE_TIME_TARGET_MS,
    trade_time_within_target: trade.board_ms.median <= NATIVE_TRADE_TIME_TARGET_MS,
  };
}

/** tweetnacl's field multiplications (squarings are multiplications there) in one verify, counted by instrumenting its M. */
export function tweetnaclVerifyMultiplications(): number {
  const source = readFileSync('node_modules/tweetnacl/nacl.js', 'utf8').replace('function M(o, a, b) {', 'function M(o, a, b) { counter.n++;');
  const counter = { n: 0 };
  const exports: Record<string, unknown> = {};
  new Function('module', 'counter', 'self', 'require', source)({ exports }, counter, {}, undefined);
  const nacl = exports as unknown as { sign: { detached: ((m: Uint8Array, k: Uint8Array) => Uint8Array) & { verify(m: Uint8Array, s: Uint8Array, k: Uint8Array): boolean } }; keyPair?: unknown };
  const pair = (exports as unknown as { sign: { keyPair: { fromSeed(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } } } }).sign.keyPair.fromSeed(new Uint8Array(32).fill(1));
  const message = new Uint8Array(150).fill(7);
  const signature = nacl.sign.detached(message, pair.secretKey);
  counter.n = 0;
  if (!nacl.sign.detached.verify(message, signature, pair.publicKey)) throw new Error('instrumented tweetnacl failed to verify');
  return counter.n;
}

export async function runValidationBench(boardName: ValidationBoard, repeats: number) {
  const description = loadBoard(boardName);
  const folder = mkdtempSync(join(tmpdir(), 'smartchain-vbench-'));
  let program: string;
  try {
    const outfile = join(folder, 'bench.js');
    await buildBoard(description, { entry: 'host-tools/bench/validation-entry.ts', outfile, keepNaclSigning: true });
    program = readFileSync(outfile, 'utf8');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  const board = new EmulatedBoard(await loadQuickJS(), {
    name: `${boardName}-bench`, profile: emulatedBoardOptions(description).profile, costs: emulatedBoardOptions(description).costs, heapBytesMax: description.heap_bytes_max,
    // The bench measures whole operations, so it must not be reset in the middle of one.
    watchdogMs: Number.MAX_SAFE_INTEGER, random: seededRandom(1),
  });
  board.load(program);
  board.evaluate('bench.prepare()');
  const measure = measurer(board, repeats);
  const sign = measure((round) => `bench.sign(${100 + round})`);
  const validate = measure(() => 'bench.validateTwoCaps()');
  const issue = measure((round) => `bench.issueRecord(${200 + round})`);
  const naive = measure((round) => `bench.naive(${300 + round})`);
  // Sliced jobs, one call per slice as the node's tick makes them: total board time, slices, longest.
  const units = SLICE_UNITS[boardName as keyof typeof SLICE_UNITS];
  if (units === undefined) throw new Error(`${boardName}: no slice size for the JS path (SLICE_UNITS)`);
  const sliced = (start: string, step: string, finished: (result: string) => boolean) => {
    board.evaluate(start);
    const before = board.stats().crypto_field_ops as number;
    let totalMs = 0, longestMs = 0, longestArithmeticMs = 0, slices = 0;
    for (let guard = 0; guard < 100000; guard++) {
      const hashes = board.stats().crypto_hash as number;
      const result = board.evaluate(step);
      slices++;
      totalMs += board.lastCallBoardMs();
      longestMs = Math.max(longestMs, board.lastCallBoardMs());
      // Slices without a SHA-512 (tweetnacl hashes a message in one call, which cannot be split).
      if (board.stats().crypto_hash === hashes) longestArithmeticMs = Math.max(longestArithmeticMs, board.lastCallBoardMs());
      if (finished(result)) break;
    }
    const round = (value: number) => Number(value.toFixed(1));
    return {
      board_ms: round(totalMs), slices, longest_slice_ms: round(longestMs), longest_slice_without_sha512_ms: round(longestArithmeticMs),
      field_ops: (board.stats().crypto_field_ops as number) - before,
    };
  };
  const backgroundVerify = sliced('bench.verifyStart(0)', `bench.verifyStep(${units}, 0)`, (result) => result === '1');
  sliced('bench.verifyStart(1)', `bench.verifyStep(${units}, 1)`, (result) => result === '1');
  const derive = sliced('bench.deriveStart()', `bench.deriveStep(${units})`, (result) => result === '1');
  const nonce = sliced('bench.nonceStart()', `bench.nonceStep(${units})`, (result) => result === '1');
  // The stock is refilled (four nonces) before each online signature measured.
  const refill = () => {
    for (let guard = 0; guard < 100000 && board.evaluate(`bench.nonceStep(${units})`) !== '4'; guard++);
  };
  const warm = measure(() => 'bench.validateTwoCapsWarm()');
  const rehashed = measure(() => 'bench.validateTwoCapsRehashed()');
  const online = measure((round) => `bench.signOnline(${400 + round})`, refill);
  const trade = measure((round) => `bench.tradeTime(${500 + round})`, refill);
  const tweetnacl = tweetnaclVerifyMultiplications();
  const perHour = (ms: number) => Math.round(3600000 / ms);
  return {
    board: boardName,
    target: 'emulator',
    sign_ms: sign.host_ms,
    validate_two_caps_ms: validate.host_ms,
    issue_record_ms: issue.host_ms,
    naive_ms: naive.host_ms,
    ratio_to_naive: Number((naive.host_ms.median / issue.host_ms.median).toFixed(2)),
    heap_peak_bytes: board.heapPeakBytes,
    projected_board_ms: {
      sign: sign.board_ms, validate_two_caps: validate.board_ms, issue_record: issue.board_ms, naive: naive.board_ms,
      ratio_to_naive: Number((naive.board_ms.median / issue.board_ms.median).toFixed(2)),
      basis: emulatedBoardOptions(description).costs.basis,
    },
    // The board's time budget (issue 8): board milliseconds from the cost model.
    time_budget: {
      slice_units: units,
      slice_bound_ms: description.slice_board_ms_max,
      sign_online_ms: online.board_ms,
      validate_two_caps_background_verified_ms: warm.board_ms,
      validate_two_caps_background_verified_rehashing_ids_ms: rehashed.board_ms,
      validate_two_caps_cold_ms: validate.board_ms,
      background_verification: backgroundVerify,
      nonce_precomputation: nonce,
      key_derivation: derive,
      longest_crypto_slice_ms: Math.max(backgroundVerify.longest_slice_ms, nonce.longest_slice_ms, derive.longest_slice_ms),
      longest_crypto_slice_without_sha512_ms: Math.max(backgroundVerify.longest_slice_without_sha512_ms, nonce.longest_slice_without_sha512_ms, derive.longest_slice_without_sha512_ms),
      field_ops_per_verification: backgroundVerify.field_ops,
      tweetnacl_field_ops_per_verification: tweetnacl,
      field_ops_ratio: Number((tweetnacl / backgroundVerify.field_ops).toFixed(2)),
      background_verifications_per_board_hour: perHour(backgroundVerify.board_ms),
      trade_time_path_ms: trade.board_ms,
      trade_time_ratio_to_naive: Number((naive.board_ms.median / trade.board_ms.median).toFixed(1)),
      heap_peak_bytes_with_stock_and_tables: board.heapPeakBytes,
    },
  };
}

/** The bench for a board: the native one where its image has native crypto, else the JS path's. */
export function benchBoard(boardName: ValidationBoard, repeats: number) {
  return loadBoard(boardName).native_crypto_board_ms !== undefined ? runNativeValidationBench(boardName, repeats) : runValidationBench(boardName, repeats);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // --board pico,pico-stock: a comma-separated list; default all three.
  const boards = (process.argv.includes('--board') ? process.argv[process.argv.indexOf('--board') + 1].split(',') : ['pico', 'pico-stock', 'esp32']) as ValidationBoard[];
  const repeats = process.argv.includes('--quick') ? 2 : 5;
  const results: Record<string, unknown> = {};
  for (const board of boards) results[board] = await benchBoard(board, repeats);
  // The JS path's speed-up over plain tweetnacl, on the pico's chip (the pico-stock build).
  const stock = results['pico-stock'] as { ratio_to_naive: number } | undefined;
  console.log(JSON.stringify({ ...results, ratio_to_naive: stock ? stock.ratio_to_naive : null }));
}
