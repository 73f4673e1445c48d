// The timers of an emulated board (setTimeout, setInterval) in board time: each holds its callback's
// handle until it fires for the last time, is cleared or the runtime is rebuilt.
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';

export type Timer = { id: number; atMs: number; intervalMs: number; callback: QuickJSHandle };

export class TimerQueue {
  private timers: Timer[] = [];
  private nextTimerId = 1;

  /** A timer from the board's arguments; Kaluma requires a delay (docs/platforms.md A3). */
  add(vm: QuickJSContext, clockMs: number, callback: QuickJSHandle, delay: QuickJSHandle | undefined, repeat: boolean, delayRequired: boolean): QuickJSHandle {
    if ((delay === undefined || vm.typeof(delay) !== 'number') && delayRequired) throw new TypeError('delay is required');
    const delayMs = delay === undefined ? 0 : Math.max(0, vm.getNumber(delay));
    const timer: Timer = { id: this.nextTimerId++, atMs: clockMs + Math.max(delayMs, repeat ? 1 : 0), intervalMs: repeat ? Math.max(1, delayMs) : 0, callback: callback.dup() };
    this.timers.push(timer);
    return vm.newNumber(timer.id);
  }

  /** clearTimeout and clearInterval: the timer stops; its handle goes with the runtime. */
  clear(id: number): void {
    this.timers = this.timers.filter((timer) => timer.id !== id);
  }

  nextAtMs(): number {
    let next = Infinity;
    for (const timer of this.timers) next = Math.min(next, timer.atMs);
    return next;
  }

  /** The earliest timer due by `nowMs` (the first made among equals), or undefined. */
  nextDue(nowMs: number): Timer | undefined {
    return this.timers.filter((timer) => timer.atMs <= nowMs).sort((left, right) => left.atMs - right.atMs || left.id - right.id)[0];
  }

  /** A timer about to fire at `clockMs`: an interval is set again, a timeout leaves the queue. */
  fire(due: Timer, clockMs: number): void {
    if (due.intervalMs > 0) due.atMs = clockMs + due.intervalMs;
    else this.timers = this.timers.filter((timer) => timer !== due);
  }

  /** Every timer goes, with its handle (the runtime is rebuilt). */
  dispose(): void {
    for (const timer of this.timers) timer.callback.dispose();
    this.timers = [];
  }
}
