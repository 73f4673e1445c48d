// The validation bench: signing one record, validating two caps, the whole issue-a-record path, and in
// the same run the naive path (plain tweetnacl: verify twice, sign once), on one emulated board running
// the firmware's own code bundled for that board. Board milliseconds come from the emulator's cost
// model (deterministic; its basis is printed); host milliseconds are the QuickJS wall time.
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadBoard } from '../build/boards';
import { buildBoard } from '../build/bundle';
import { EmulatedBoard } from '../emulator/board';
import { COSTS } from '../emulator/cost-model';
import { loadQuickJS, seededRandom } from '../emulator/world';

export type Spread = { min: number; median: number; max: number };
const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(1));
  return { min: round(sorted[0]), median: round(sorted[Math.floor(sorted.length / 2)]), max: round(sorted[sorted.length - 1]) };
};

export async function runValidationBench(boardName: 'pico' | 'esp32', repeats: number) {
  const description = loadBoard(boardName);
  const outfile = join(mkdtempSync(join(tmpdir(), 'smartchain-vbench-')), 'bench.js');
  await buildBoard(description, { entry: 'host-tools/bench/validation-entry.ts', outfile });
  const board = new EmulatedBoard(await loadQuickJS(), {
    name: `${boardName}-bench`, profile: boardName === 'pico' ? 'kaluma' : 'espruino', costs: COSTS[boardName], heapBytesMax: description.heap_bytes_max,
    // The bench measures whole operations, so it must not be reset in the middle of one.
    watchdogMs: Number.MAX_SAFE_INTEGER, random: seededRandom(1),
  });
  board.load(readFileSync(outfile, 'utf8'));
  board.evaluate('bench.prepare()');
  const measure = (code: (round: number) => string) => {
    const host: number[] = [];
    const boardMs: number[] = [];
    for (let round = 0; round < repeats; round++) {
      const started = performance.now();
      const result = board.evaluate(code(round));
      host.push(performance.now() - started);
      boardMs.push(board.lastCallBoardMs());
      if (result !== 'true' && !/^\d+$/.test(result)) throw new Error(`bench call failed: ${result}`);
    }
    return { host_ms: spread(host), board_ms: spread(boardMs) };
  };
  const sign = measure((round) => `bench.sign(${100 + round})`);
  const validate = measure(() => 'bench.validateTwoCaps()');
  const issue = measure((round) => `bench.issueRecord(${200 + round})`);
  const naive = measure((round) => `bench.naive(${300 + round})`);
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
      basis: COSTS[boardName].basis,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const boards = process.argv.includes('--board') ? [process.argv[process.argv.indexOf('--board') + 1] as 'pico' | 'esp32'] : (['pico', 'esp32'] as const);
  const repeats = process.argv.includes('--quick') ? 2 : 5;
  const results: Record<string, unknown> = {};
  for (const board of boards) results[board] = await runValidationBench(board, repeats);
  const pico = results.pico as { ratio_to_naive: number } | undefined;
  console.log(JSON.stringify({ ...results, ratio_to_naive: pico ? pico.ratio_to_naive : null }));
}
