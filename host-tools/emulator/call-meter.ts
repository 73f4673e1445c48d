// One call into an emulated board (a program's evaluation, a timer, a handler): it runs, then its board
// time is charged from the work the cost model sees (cost-model.ts) plus native crypto and delay(), the
// heap is checked against the budget (heap-model.ts), and a call away from the event loop longer than the
// watchdog schedules a reset. Failures of the program are logged; a missing global fails the run.
import type { QuickJSContext, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import { BoardFailure, BoardState } from './board-state';
import { WorkCount, boardMs, emptyWork } from './cost-model';
import { readCryptoCounterValues } from './stats-reader';
import { takeConvolveCalls } from './profiles/espruino-convolve';
import { POLLS_PER_INTERRUPT, pollsBetween } from './poll-counter';

/** Every IDLE_HEAP_CHECK_EVERY-th idle call is measured (see below). */
const IDLE_HEAP_CHECK_EVERY = 16;
/** A call never runs longer than this much board time, whatever the watchdog (a runaway loop is stopped). */
const RUNAWAY_BOARD_MS_MAX = 3600000;

/**
 * A fresh QuickJS runtime for the board whose interrupt handler counts the work of a call (each
 * interrupt is the cost model's interruptMs) and stops a call past the watchdog.
 */
export function newMeteredRuntime(module: QuickJSWASMModule, board: BoardState): QuickJSRuntime {
  const runtime = module.newRuntime();
  runtime.setMemoryLimit(64 * 1024 * 1024);
  runtime.setMaxStackSize(512 * 1024);
  runtime.setInterruptHandler(() => {
    board.work.interrupts++;
    const polls = pollsBetween(board.callStartCounter, board.pollCounter(), board.work.interrupts - board.callStartInterrupts);
    const spent = (polls / POLLS_PER_INTERRUPT) * board.options.costs.interruptMs;
    return spent > Math.min(board.options.watchdogMs, RUNAWAY_BOARD_MS_MAX);
  });
  return runtime;
}

/** Runs one call into the board, charges its board time, checks heap and watchdog; false if it threw. */
/** `measure`: check the heap whatever the call cost (a program's evaluation at boot is never idle). */
export function callBoard(board: BoardState, run: () => ReturnType<QuickJSContext['evalCode']>, measure = false): boolean {
  const { options } = board;
  board.callStartInterrupts = board.work.interrupts;
  board.callStartCounter = board.pollCounter();
  board.callDelayMs = 0;
  board.callNativeMs = 0;
  const before = { ...board.work };
  const nativeBefore = { ...board.nativeCryptoCalls };
  board.work.calls++;
  board.inCall = true;
  const result = run();
  let failure: string | null = null;
  if (result.error) {
    const error = board.vm.dump(result.error);
    result.error.dispose();
    failure = typeof error === 'object' && error !== null ? `${error.name}: ${error.message}` : String(error);
  } else {
    result.value.dispose();
  }
  board.runtime.executePendingJobs();
  if (board.convolveCount !== null) {
    const convolveCalls = takeConvolveCalls(board.vm, board.convolveCount);
    board.work.convolveCalls += convolveCalls;
    if (convolveCalls > 0) board.espruinoNativesCalled.convolve = true;
    if (board.espruinoNativesCalled.sha512 && board.espruinoNativesCalled.convolve) board.nativeCryptoUsed = true;
  }
  readCryptoCounters(board);
  board.work.polls += pollsBetween(board.callStartCounter, board.pollCounter(), board.work.interrupts - board.callStartInterrupts);
  board.inCall = false;
  const delta = emptyWork();
  for (const key of Object.keys(delta) as (keyof WorkCount)[]) delta[key] = board.work[key] - before[key];
  delta.calls = 1;
  // The interpreter's poll points apart from the rest (crypto, native calls, the call itself): the idle
  // test below must not take it back out of the sum, where rounding can leave a call above callMs.
  const workMs = boardMs(options.costs, { ...delta, polls: 0 }) + board.callNativeMs;
  const spent = workMs + (delta.polls / POLLS_PER_INTERRUPT) * options.costs.interruptMs;
  board.callCostMs = spent;
  board.callFieldOps = delta.fieldOps;
  board.callInterrupts = delta.interrupts;
  if (board.callTrace !== null) {
    const native: Record<string, number> = {};
    for (const name of Object.keys(board.nativeCryptoCalls)) native[name] = board.nativeCryptoCalls[name] - nativeBefore[name];
    board.callTrace.push({ boardMs: spent + board.callDelayMs, native });
  }
  if (spent + board.callDelayMs > board.longestCallMs) board.longestCallMs = spent + board.callDelayMs;
  if (process.env.SMARTCHAIN_EMULATOR_TRACE && spent > 2000) console.log(`${board.name} call ${spent.toFixed(0)} ms`, board.work.interrupts - before.interrupts, board.work.hashes - before.hashes, board.work.fieldOps - before.fieldOps);
  board.busyUntilMs = Math.max(board.busyUntilMs, board.clockMs) + spent;
  // Measuring the heap walks every object (about half the host time of an idle board), so a call that
  // crossed no QuickJS interrupt and did no crypto (an idle tick, whose temporaries QuickJS's reference
  // counting frees on return) is measured only every IDLE_HEAP_CHECK_EVERY calls.
  const idle = !measure && delta.interrupts === 0 && workMs <= options.costs.callMs && board.work.calls % IDLE_HEAP_CHECK_EVERY !== 0;
  const heap = idle ? 0 : board.heapUsedBytes();
  if (heap > board.heap.peakBytes) board.heap.peakBytes = heap;
  if (heap > options.heapBytesMax) {
    const failure = new BoardFailure('HEAP_BUDGET_EXCEEDED', `${board.name}: heap ${heap} B exceeds its budget of ${options.heapBytesMax} B`);
    if (options.interactive !== true) throw failure;
    board.stopPending = failure;
    return false;
  }
  if (spent + board.callDelayMs > options.watchdogMs) {
    // The reset happens once the caller has released its handles (resetIfPending).
    board.resets++;
    board.resetPending = true;
    board.log.push(`[WATCHDOG_RESET] ${(spent + board.callDelayMs).toFixed(0)} ms of board time away from the event loop (watchdog ${options.watchdogMs} ms)`);
    return false;
  }
  if (failure !== null) {
    // A run fails on a global or module the runtime lacks; a board on a terminal prints it, as a real one does.
    if (/is not defined|not a function|cannot read|not found/i.test(failure) && options.interactive !== true) throw new BoardFailure('RUNTIME_MISSING', `${board.name} (${board.profile}): ${failure}`);
    board.log.push(`[UNCAUGHT] ${failure}`);
  }
  return failure === null;
}

/** The firmware's own counts of tweetnacl operations, read through `smartchain.stats()`. */
function readCryptoCounters(board: BoardState): void {
  // Once the native module is in use its calls are charged as they happen and the counters add nothing:
  // reading them after every call would only run the firmware's stats() in board time, which a real
  // board never does (it was a quarter of a pico city's host time). On an esp32 whose firmware calls
  // both Espruino natives the same holds: over the 10,044 esp32 calls of a six-EV city
  // (docs/emulator.md) the counters added no board time, while reading them took about 85 QuickJS
  // poll points a call, 11 ms of esp32 time on average.
  if (board.nativeCryptoUsed) return;
  const stats = readCryptoCounterValues(board);
  const delta = (name: string) => Math.max(0, (stats[name] ?? 0) - (board.lastStats[name] ?? 0));
  board.work.verifies += delta('crypto_verify');
  board.work.signs += delta('crypto_sign');
  board.work.hashes += delta('crypto_hash');
  board.work.fieldOps += delta('crypto_field_ops');
  board.lastStats = stats;
}
