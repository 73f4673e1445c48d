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

/** The counters of crypto work the call meter charges (call-meter.ts readCryptoCounters), in this order. */
export const CRYPTO_COUNTERS = ['crypto_verify', 'crypto_sign', 'crypto_hash', 'crypto_field_ops'] as const;

/**
 * The crypto counters alone, as a JSON array: the call meter reads them after every call into a board
 * without the native module. The same `smartchain.stats()` runs and JSON.stringify is called once on
 * the result, so the board takes the same QuickJS poll points (interrupts, board time) as reading every
 * counter, but the text crossing to the host is four numbers instead of every counter.
 */
export function makeCryptoReader(vm: QuickJSContext): QuickJSHandle {
  const picked = CRYPTO_COUNTERS.map((name) => `s.${name}`).join(', ');
  return vm.unwrapResult(vm.evalCode(`(function () { var s; return typeof smartchain === "object" && smartchain !== null ? (s = smartchain.stats(), JSON.stringify([${picked}])) : "[]"; })`, 'crypto-reader'));
}

/** The crypto counters by name (CRYPTO_COUNTERS), a missing one as 0, or {} before the firmware defined them. */
export function readCryptoCounterValues(board: BoardState): Record<string, number> {
  if (board.cryptoReader === null) return {};
  const result = board.vm.callFunction(board.cryptoReader, board.vm.undefined);
  const text = result.error ? '[]' : board.vm.getString(result.value);
  (result.error ?? result.value).dispose();
  const values = JSON.parse(text) as (number | null)[];
  const out: Record<string, number> = {};
  CRYPTO_COUNTERS.forEach((name, index) => {
    if (index < values.length) out[name] = values[index] ?? 0;
  });
  return out;
}
