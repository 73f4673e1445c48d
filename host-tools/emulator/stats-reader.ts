// The firmware's counters (`smartchain.stats()`) as JSON text, read through a function compiled once per
// boot: the call meter reads them after calls (call-meter.ts), the board's users through evaluate.ts.
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import type { BoardState } from './board-state';

/** The expression that reads the firmware's counters as JSON ("{}" before the firmware defined them). */
const STATS_SOURCE = 'typeof smartchain === "object" && smartchain !== null ? JSON.stringify(smartchain.stats()) : "{}"';

/** The counters of crypto work the call meter charges (call-meter.ts readCryptoCounters), in this order. */
export const CRYPTO_COUNTERS = ['crypto_verify', 'crypto_sign', 'crypto_hash', 'crypto_field_ops'] as const;

/**
 * The counters' readers, compiled once per runtime (boot, before the heap baseline is taken, so they are
 * the emulator's, not the program's): read after every call, compiling them each time was a fifth of a
 * city's host time. Calling one runs its expression through one function call, as the script was. Both
 * are made by one script, so booting takes the QuickJS poll points it took with the first alone (the
 * interrupts of every later call fall where they did).
 */
export function makeStatsReaders(vm: QuickJSContext): { stats: QuickJSHandle; crypto: QuickJSHandle; cryptoNames: QuickJSHandle } {
  // The counters' names reach the crypto reader as strings, not as names in its source: a name in the
  // source would be an atom made before the bundle (which has the same names) and counted as the
  // emulator's heap, leaving the program's heap short of it. Its own names are the emulator's ($cr...).
  const picked = CRYPTO_COUNTERS.map((_, index) => `$crStats[$crNames[${index}]]`).join(', ');
  const both = vm.unwrapResult(vm.evalCode(`[(function () { return ${STATS_SOURCE}; }), (function ($crNames) { var $crStats; return typeof smartchain === "object" && smartchain !== null ? ($crStats = smartchain.stats(), JSON.stringify([${picked}])) : "[]"; })]`, 'stats-reader'));
  const stats = vm.getProp(both, 0);
  const crypto = vm.getProp(both, 1);
  both.dispose();
  const cryptoNames = vm.newArray();
  CRYPTO_COUNTERS.forEach((name, index) => {
    const text = vm.newString(name);
    vm.setProp(cryptoNames, index, text);
    text.dispose();
  });
  return { stats, crypto, cryptoNames };
}

/** The firmware's counters as JSON text (`smartchain.stats()`), or "{}" before the firmware has defined them. */
export function readStatsText(board: BoardState): string {
  const result = board.statsReader === null ? board.vm.evalCode(STATS_SOURCE) : board.vm.callFunction(board.statsReader, board.vm.undefined);
  const text = result.error ? '{}' : board.vm.getString(result.value);
  (result.error ?? result.value).dispose();
  return text;
}


/**
 * The crypto counters alone, as a JSON array (the second reader of makeStatsReaders): the call meter
 * reads them after every call into a board whose crypto is not native. The same `smartchain.stats()`
 * runs and JSON.stringify is called once on the result, so the board takes the same QuickJS poll points
 * (interrupts, board time) as reading every counter, but four numbers cross to the host, not every counter.
 */
/** The crypto counters by name (CRYPTO_COUNTERS), a missing one as 0, or {} before the firmware defined them. */
export function readCryptoCounterValues(board: BoardState): Record<string, number> {
  if (board.cryptoReader === null) return {};
  const result = board.vm.callFunction(board.cryptoReader, board.vm.undefined, board.cryptoNames as QuickJSHandle);
  const text = result.error ? '[]' : board.vm.getString(result.value);
  (result.error ?? result.value).dispose();
  const values = JSON.parse(text) as (number | null)[];
  const out: Record<string, number> = {};
  CRYPTO_COUNTERS.forEach((name, index) => {
    if (index < values.length) out[name] = values[index] ?? 0;
  });
  return out;
}
