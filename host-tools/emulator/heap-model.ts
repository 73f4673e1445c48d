// Heap accounting of an emulated board: its heap in use is QuickJS's memory_used_size, less that of an
// empty context measured at boot (and of the runtime's own globals installed after it), divided by the
// profile's QuickJS-to-board ratio, plus the runtime's own heap (HEAP_MODELS). setMemoryLimit alone is
// not faithful (docs/platforms.md D), so the board checks the peak after every call (call-meter.ts).
import type { QuickJSContext, QuickJSRuntime } from 'quickjs-emscripten';
import type { Profile } from '../build/board-profile';

/** QuickJS counts the same loaded code at about 1.3 times JerryScript (nacl-fast: 111 KB against 86 KB, docs/platforms.md D). */
export const QUICKJS_TO_BOARD_HEAP = 1.3;
/**
 * Per profile: QuickJS bytes per board heap byte, and the heap the runtime holds before any program.
 * kaluma is calibrated against Kaluma 1.2.1's real firmware in rp2040js (host-tools/bench/calibrate-pico.ts,
 * docs/emulator.md): the pico bundle's idle node holds 118,304 B there, of which 12,712 B is the runtime at
 * its prompt; QuickJS held 232,305 B above an empty context for the same node: 2.20 QuickJS bytes per byte.
 * Checked on the `pico` bundle on our image (idle, verifying, a trade): within 9 % of the real heap on each.
 * espruino is calibrated against Espruino 2v29's interpreter (host-tools/bench/calibrate-esp32.ts,
 * docs/emulator.md): the esp32 bundle's idle node holds 6,844 variables there, 72 of them the interpreter's
 * with the bench's prelude; at the ESP32 build's 14 bytes per variable that is 94,808 B of program against
 * 272,034 B of QuickJS above an empty context: 2.87 QuickJS bytes per byte, plus 72 x 14 = 1,008 B.
 * The generic emulator board keeps the library-level ratio: no real runtime to calibrate it against.
 */
export const HEAP_MODELS: Record<Profile, { quickjsPerBoardByte: number; runtimeBytes: number }> = {
  kaluma: { quickjsPerBoardByte: 2.2, runtimeBytes: 12712 },
  espruino: { quickjsPerBoardByte: 2.87, runtimeBytes: 1008 },
  emulator: { quickjsPerBoardByte: QUICKJS_TO_BOARD_HEAP, runtimeBytes: 0 },
};

/** QuickJS's memory_used_size of a runtime: what every heap figure is computed from. */
export function quickjsMemoryUsed(runtime: QuickJSRuntime, vm: QuickJSContext): number {
  const usage = runtime.computeMemoryUsage();
  // One property, not the whole usage object dumped as JSON (this runs after most calls into a board).
  const used = vm.getProp(usage, 'memory_used_size');
  const bytes = vm.getNumber(used);
  used.dispose();
  usage.dispose();
  return bytes;
}

export class HeapMeter {
  /** QuickJS bytes that are the runtime's, not the program's: an empty context and the runtime's globals. */
  baselineBytes = 0;
  /** The highest board heap in use measured since the board was made (it survives resets). */
  peakBytes = 0;

  constructor(private profile: Profile) {}

  usedBytes(runtime: QuickJSRuntime, vm: QuickJSContext): number {
    const model = HEAP_MODELS[this.profile];
    return model.runtimeBytes + Math.round((quickjsMemoryUsed(runtime, vm) - this.baselineBytes) / model.quickjsPerBoardByte);
  }
}
