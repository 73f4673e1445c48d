// The firmware's counters (`smartchain.stats()`) as JSON text, read through a function compiled once per
// boot: the call meter reads them after calls (call-meter.ts), the board's users through evaluate.ts.
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import type { BoardState } from './board-state';

/** The expression that reads the firmware's counters as JSON ("{}" before the firmware defined them). */
const STATS_SOURCE = 'typeof smartchain === "object" && smartchain !== null ? JSON.stringify(smartchain.stats()) : "{}"';

/**
 * The counters' reader, compiled once per runtime (boot, before the heap baseline is taken, so it is the
 * emulator's, not the program's): read after every call, compiling it each time was a fifth of a city's
 * host time. Calling it runs the same expression, through one function call as the script was.
 */
export function makeStatsReader(vm: QuickJSContext): QuickJSHandle {
  return vm.unwrapResult(vm.evalCode(`(function () { return ${STATS_SOURCE}; })`, 'stats-reader'));
}

/** The firmware's counters as JSON text (`smartchain.stats()`), or "{}" before the firmware has defined them. */
export function readStatsText(board: BoardState): string {
  const result = board.statsReader === null ? board.vm.evalCode(STATS_SOURCE) : board.vm.callFunction(board.statsReader, board.vm.undefined);
  const text = result.error ? '{}' : board.vm.getString(result.value);
  (result.error ?? result.value).dispose();
  return text;
}
