// Code typed at an emulated board, evaluated in board time as one call (call-meter.ts): a line at a REPL
// (what it printed, or its value), a line at Espruino's console (what it printed, its value and the error
// it threw, as the console shows them), and the firmware's counters through `smartchain.stats()`.
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import { BoardFailure, BoardState } from './board-state';
import { callBoard } from './call-meter';

export function evaluateRepl(board: BoardState, code: string): string {
  const printed = board.log.length;
  let text = '';
  callBoard(board, () => {
    const result = board.vm.evalCode(code, 'repl');
    if (!result.error) {
      const dumped = board.vm.dump(result.value);
      text = dumped === undefined ? '' : typeof dumped === 'string' ? dumped : JSON.stringify(dumped);
    }
    return result;
  });
  board.resetIfPending();
  return board.log.slice(printed).join('\n') + (text ? (board.log.length > printed ? '\n' : '') + text : '');
}

export function evaluateConsoleLine(board: BoardState, code: string): { printed: string[]; value: string | null; error: string | null } {
  const printed = board.log.length;
  let value: string | null = null;
  let error: string | null = null;
  try {
    callBoard(board, () => {
      const result = board.vm.evalCode(code, 'console');
      if (result.error) {
        const dumped = board.vm.dump(result.error);
        error = typeof dumped === 'object' && dumped !== null ? `${dumped.name}: ${dumped.message}` : String(dumped);
      } else {
        const dumped = board.vm.dump(result.value);
        value = dumped === undefined ? 'undefined' : typeof dumped === 'function' ? 'function () { [code] }' : JSON.stringify(dumped);
      }
      return result;
    });
  } catch (failure) {
    if (!(failure instanceof BoardFailure) || failure.code !== 'RUNTIME_MISSING') throw failure;
  }
  board.resetIfPending();
  const lines = board.log.slice(printed).filter((line) => !line.startsWith('[UNCAUGHT]'));
  return { printed: lines, value, error };
}

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

/** The firmware's counters (`smartchain.stats()`), or {} before the firmware has defined them. */
export function readStats(board: BoardState): Record<string, number | string> {
  return JSON.parse(readStatsText(board));
}
