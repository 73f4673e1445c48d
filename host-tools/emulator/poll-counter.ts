// Exact QuickJS poll points of a call. QuickJS decrements its context's interrupt_counter at every poll
// point (function calls and backward jumps) and, when it reaches zero, resets it to
// JS_INTERRUPT_COUNTER_INIT (10,000) and calls the runtime's interrupt handler (quickjs.c
// js_poll_interrupts). The handler alone sees work in steps of 10,000 points, so a call that crossed
// a step was charged all of it, and one that did not, none: an ESP32 tick that crossed one was
// 1,332 ms long and the next one free. Read before and after a call, the counter gives the call its own
// points: the same total, each call its share.
//
// The counter is an int inside the JSContext struct, whose layout quickjs-emscripten does not publish, so
// its offset is found at boot by its behaviour: the one word of the context that falls by one per poll
// point as known loops run (two loops of different lengths must differ by the right amount). A context
// where no single word behaves so is refused with a clear error, never guessed.
import type { QuickJSContext } from 'quickjs-emscripten';

/** quickjs.c JS_INTERRUPT_COUNTER_INIT: poll points between two calls of the interrupt handler. */
export const POLLS_PER_INTERRUPT = 10000;
/** Words of the JSContext searched for the counter (the struct is a few hundred bytes). */
const CONTEXT_WORDS_SEARCHED = 160;
/** A probe that an interrupt interrupted is run again, at most this many times. */
const PROBE_ATTEMPTS_MAX = 4;
const SHORT_LOOP = 40;
const LONG_LOOP = 440;

type ContextInternals = { ctx: { value: number }; module: { HEAPU8: Uint8Array } };

/** Reads the context's interrupt_counter from wasm memory (a few property reads, no call into QuickJS). */
export type PollCounter = () => number;

export function findPollCounter(vm: QuickJSContext, interrupts: () => number): PollCounter {
  const inner = vm as unknown as ContextInternals;
  if (typeof inner.ctx?.value !== 'number' || !(inner.module?.HEAPU8 instanceof Uint8Array)) {
    throw new Error('poll-counter: quickjs-emscripten is not the 0.32 this was written for (no context pointer or wasm heap)');
  }
  const base = inner.ctx.value;
  let view = new DataView(inner.module.HEAPU8.buffer);
  // The wasm memory may grow: its views are replaced then, and ours with them.
  const word = (index: number): number => {
    if (view.buffer !== inner.module.HEAPU8.buffer) view = new DataView(inner.module.HEAPU8.buffer);
    return view.getInt32(base + index * 4, true);
  };
  const snapshot = () => Int32Array.from({ length: CONTEXT_WORDS_SEARCHED }, (_, index) => word(index));
  const loop = (count: number) => {
    // In a function of its own: the probe leaves nothing in the board's global scope.
    const result = vm.evalCode(`(function () { for (var probe = 0; probe < ${count}; probe++) {} })()`, 'poll-counter-probe.js');
    if (result.error) {
      result.error.dispose();
      throw new Error('poll-counter: the probe loop failed');
    }
    result.value.dispose();
  };
  for (let attempt = 0; attempt < PROBE_ATTEMPTS_MAX; attempt++) {
    const interruptsBefore = interrupts();
    const before = snapshot();
    loop(SHORT_LOOP);
    const middle = snapshot();
    loop(LONG_LOOP);
    const after = snapshot();
    if (interrupts() !== interruptsBefore) continue;
    const found: number[] = [];
    for (let index = 0; index < CONTEXT_WORDS_SEARCHED; index++) {
      const short = before[index] - middle[index];
      const long = middle[index] - after[index];
      // At least one poll point per iteration (the loop's backward jump); the counter stays in (0, 10,000].
      const inRange = after[index] > 0 && before[index] <= POLLS_PER_INTERRUPT;
      if (inRange && short >= SHORT_LOOP && long - short >= LONG_LOOP - SHORT_LOOP && (long - short) % (LONG_LOOP - SHORT_LOOP) === 0) found.push(index);
    }
    if (found.length !== 1) throw new Error(`poll-counter: ${found.length} words of the JSContext behave as its interrupt counter; expected one`);
    const index = found[0];
    return () => word(index);
  }
  throw new Error('poll-counter: every probe was interrupted');
}

/** Poll points between two readings of the counter with `interrupts` handler calls between them. */
export function pollsBetween(counterBefore: number, counterAfter: number, interrupts: number): number {
  return counterBefore - counterAfter + interrupts * POLLS_PER_INTERRUPT;
}
