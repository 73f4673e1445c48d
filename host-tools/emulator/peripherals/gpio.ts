// The pin watches of an emulated board (setWatch, clearWatch): a callback per watch, called from the
// event loop at a rising edge of its pin; a watch without repeat fires once.
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';

export type PinWatch = { pin: number; callback: QuickJSHandle; rising: boolean; repeat: boolean };

/** Kaluma 1.2.1's GPIO constants (src/global.c, include/io.h). */
export const KALUMA_GPIO: Record<string, number> = { LOW: 0, HIGH: 1, INPUT: 0, OUTPUT: 1, INPUT_PULLUP: 2, INPUT_PULLDOWN: 3, LOW_LEVEL: 1, HIGH_LEVEL: 2, FALLING: 4, RISING: 8, CHANGE: 12 };

export class PinWatches {
  readonly watches = new Map<number, PinWatch>();
  private nextWatchId = 1;

  watch(vm: QuickJSContext, callback: QuickJSHandle, pin: number, rising: boolean, repeat: boolean): QuickJSHandle {
    const id = this.nextWatchId++;
    this.watches.set(id, { pin, callback: callback.dup(), rising, repeat });
    return vm.newNumber(id);
  }

  clear(vm: QuickJSContext, id: QuickJSHandle): void {
    const watch = this.watches.get(vm.getNumber(id));
    if (watch === undefined) return;
    watch.callback.dispose();
    this.watches.delete(vm.getNumber(id));
  }

  /** Every watch goes, with its handle (the runtime is rebuilt). */
  dispose(): void {
    for (const watch of this.watches.values()) watch.callback.dispose();
    this.watches.clear();
  }
}
