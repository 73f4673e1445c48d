// Code typed at an emulated board, evaluated in board time as one call (call-meter.ts): a line at a REPL
// (what it printed, or its value), a line at Espruino's console (what it printed, its value and the error
// it threw, as the console shows them), and the firmware's counters through `smartchain.stats()`.
import { BoardFailure, BoardState } from './board-state';
import { callBoard } from './call-meter';
import { readStatsText } from './stats-reader';

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

/** The firmware's counters (`smartchain.stats()`), or {} before the firmware has defined them. */
export function readStats(board: BoardState): Record<string, number | string> {
  return JSON.parse(readStatsText(board));
}
