// One emulated board: the exact bundle from dist/ in its own QuickJS runtime, with a profile that offers
// exactly its runtime's globals and modules (Kaluma 1.2.1, Espruino, or the generic emulator board), its
// heap budget enforced by measurement, a watchdog in board time, and a clock that advances by what the
// work would cost on the board (cost-model.ts), never by the host's wall clock.
//
// Heap accounting: a board's heap in use is QuickJS's memory_used_size, less that of an empty context
// measured at start, divided by the profile's QuickJS-to-board ratio, plus the runtime's own heap
// (HEAP_MODELS). setMemoryLimit alone is not faithful (docs/platforms.md D), so the peak is checked after
// every call into the board.
import { createHash } from 'node:crypto';
import { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import { BoardCosts, WorkCount, boardMs, emptyWork } from './cost-model';
import { CadRequest, Sx127xFault, Sx127xModel, Transmission } from './sx127x-model';
import type { NativeCryptoCosts } from '../build/boards';
import { Profile, referenceBoard } from '../build/board-profile';
import { createNativeCrypto } from './native-crypto';

/** QuickJS counts the same loaded code at about 1.3 times JerryScript (nacl-fast: 111 KB against 86 KB, docs/platforms.md D). */
export const QUICKJS_TO_BOARD_HEAP = 1.3;
/**
 * Per profile: QuickJS bytes per board heap byte, and the heap the runtime holds before any program.
 * kaluma is calibrated against Kaluma 1.2.1's real firmware in rp2040js (host-tools/bench/calibrate-pico.ts,
 * docs/emulator.md): the pico bundle's idle node holds 118,304 B there, of which 12,712 B is the runtime at
 * its prompt; QuickJS held 232,305 B above an empty context for the same node: 2.20 QuickJS bytes per byte.
 * The others keep the library-level ratio until a real runtime calibrates them.
 */
export const HEAP_MODELS: Record<Profile, { quickjsPerBoardByte: number; runtimeBytes: number }> = {
  kaluma: { quickjsPerBoardByte: 2.2, runtimeBytes: 12712 },
  espruino: { quickjsPerBoardByte: QUICKJS_TO_BOARD_HEAP, runtimeBytes: 0 },
  emulator: { quickjsPerBoardByte: QUICKJS_TO_BOARD_HEAP, runtimeBytes: 0 },
};
/** Wall-clock time at the start of every emulated run (2026-11-18T...Z), for deterministic timestamps. */
export const WORLD_EPOCH_MS = 1795000000000;
export const KALUMA_UART_BUFFER_BYTES = 2048;
const RUNAWAY_BOARD_MS_MAX = 3600000;
const IDLE_HEAP_CHECK_EVERY = 16;

export type { Profile };

export class BoardFailure extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

type Timer = { id: number; atMs: number; intervalMs: number; callback: QuickJSHandle };

export type BoardOptions = {
  name: string;
  profile: Profile;
  costs: BoardCosts;
  heapBytesMax: number;
  watchdogMs: number;
  files?: Record<string, Uint8Array>;
  /** Entropy for the board's hardware random source, from the world's seed. */
  random: () => number;
  /** For the emulator profile: provisioning JSON and link count. */
  config?: string;
  links?: number;
  /** Where the SX127x sits (kaluma, espruino): chip select, reset and DIO0 pins; default the board.json's. */
  radioPins?: { cs: number; reset: number; dio0: number };
  /**
   * The image's native `smartcrypto` module (kaluma: our pico image) and its board time per call
   * (board.json native_crypto_board_ms); absent for a stock image, whose require('smartcrypto') throws.
   */
  nativeCrypto?: NativeCryptoCosts;
  /**
   * A board on a terminal (`smartchain emulate`): a failing program is reported on its console and the
   * board stays at its prompt, as a real one does, instead of failing the run with a BoardFailure.
   */
  interactive?: boolean;
};

/** Kaluma 1.2.1's GPIO constants (src/global.c, include/io.h). */
const KALUMA_GPIO: Record<string, number> = { LOW: 0, HIGH: 1, INPUT: 0, OUTPUT: 1, INPUT_PULLUP: 2, INPUT_PULLDOWN: 3, LOW_LEVEL: 1, HIGH_LEVEL: 2, FALLING: 4, RISING: 8, CHANGE: 12 };

export class EmulatedBoard {
  readonly name: string;
  readonly profile: Profile;
  clockMs = 0;
  busyUntilMs = 0;
  heapPeakBytes = 0;
  resets = 0;
  log: string[] = [];
  work: WorkCount = emptyWork();
  /** Board time spent in the native `smartcrypto` module, and its calls by function. */
  nativeCryptoMs = 0;
  nativeCryptoCalls: Record<string, number> = { sha512: 0, publicKey: 0, sign: 0, verify: 0 };
  /**
   * When set, every call into the board is appended (board ms, native crypto calls by function): for a
   * test that times one path through the firmware. Off by default (a long run would grow it).
   */
  callTrace: { boardMs: number; native: Record<string, number> }[] | null = null;
  /** Bytes the board wrote to each UART (port) or link, for the world to carry. */
  outbox: { port: number; bytes: Uint8Array }[] = [];
  /** Files in flash (Kaluma fs, Espruino Storage, emulator storage): they survive a reset. */
  files: Map<string, Uint8Array>;
  uartOverflowBytes = 0;
  /** The longest single call into the board (board ms): the longest time away from its event loop. */
  longestCallMs = 0;
  /** The SX127x on the board's SPI bus (kaluma, espruino): hardware, so it outlives a reset of the runtime. */
  readonly radio: Sx127xModel | null;
  readonly radioPins: { cs: number; reset: number; dio0: number } | null;
  /** What the radio put on air during the last call, for the world to carry. */
  radioOutbox: Transmission[] = [];
  /** The channel activity detections the radio started during the last call. */
  radioCadOutbox: CadRequest[] = [];
  radioFaults: string[] = [];
  private watches = new Map<number, { pin: number; callback: QuickJSHandle; rising: boolean; repeat: boolean }>();
  /** Espruino's console commands (`reset()`, `load()`, `echo(on)`), for the console on a terminal. */
  onConsoleCommand: ((command: 'reset' | 'load' | 'echo', on: boolean) => void) | null = null;
  private nextWatchId = 1;
  private runtime!: QuickJSRuntime;
  private vm!: QuickJSContext;
  private program = '';
  private timers: Timer[] = [];
  private nextTimerId = 1;
  private dataHandlers = new Map<number, QuickJSHandle>();
  private frameHandler: QuickJSHandle | null = null;
  private baselineBytes = 0;
  private callStartInterrupts = 0;
  private callCostMs = 0;
  private lastStats: Record<string, number> = {};
  private kalumaStorage = new Map<string, string>();
  private resetPending = false;
  /** World time of the last runUntil: when bytes handed to deliverUart arrived. */
  private worldNowMs = 0;
  /** Bytes in the Kaluma UART's receive buffer waiting for the board to return to its event loop, and when it will. */
  private rxHeldBytes = 0;
  private rxDrainMs = -1;
  /** Board time a call spent in delay(): away from the event loop as much as computing. */
  private callDelayMs = 0;
  /** Board time a call spent in the native crypto module (charged per call, not by interrupts). */
  private callNativeMs = 0;
  private nativeCryptoModule: QuickJSHandle | null = null;
  /**
   * Set once the program has required the native module: its crypto counters (crypto_hash, ...) then
   * count native calls, already charged, not the JS crypto the cost model's extras stand for.
   */
  private nativeCryptoUsed = false;

  /** A program failure on an interactive board, acted on once the caller has released its handles. */
  private stopPending: BoardFailure | null = null;

  /**
   * A watchdog reset: the runtime is rebuilt and the stored program runs again; flash survives. A failure
   * on an interactive board (over its heap, or booting past the watchdog) stops the program instead:
   * its code and message go to the console and the runtime restarts without it, so the prompt stays.
   */
  private resetIfPending(): void {
    if (this.stopPending !== null) {
      const failure = this.stopPending;
      this.stopPending = null;
      this.resetPending = false;
      this.stopProgram(failure);
      return;
    }
    if (!this.resetPending) return;
    this.resetPending = false;
    this.boot();
  }

  private stopProgram(failure: BoardFailure | null): void {
    if (failure !== null) this.log.push(`[${failure.code}] ${failure.message}; the program is stopped`);
    this.program = '';
    this.boot();
  }

  constructor(private module: QuickJSWASMModule, private options: BoardOptions) {
    this.name = options.name;
    this.profile = options.profile;
    this.files = new Map(Object.entries(options.files ?? {}));
    const pinsOf = (profile: Profile) => {
      const lora = referenceBoard(profile).lora;
      return { cs: lora.cs, reset: lora.reset, dio0: lora.dio0 };
    };
    this.radioPins = options.profile === 'emulator' ? null : options.radioPins ?? pinsOf(options.profile);
    this.radio = this.radioPins === null ? null : new Sx127xModel(() => this.clockMs, options.random);
  }

  get heapBytesMax(): number {
    return this.options.heapBytesMax;
  }

  /** Loads (or reloads after a reset) the program: a fresh runtime, the profile, then the bundle. */
  load(program: string): void {
    this.program = program;
    this.boot();
  }

  private boot(): void {
    if (this.vm) {
      for (const timer of this.timers) timer.callback.dispose();
      for (const handler of this.dataHandlers.values()) handler.dispose();
      for (const watch of this.watches.values()) watch.callback.dispose();
      this.frameHandler?.dispose();
      this.nativeCryptoModule?.dispose();
      this.vm.dispose();
      this.runtime.dispose();
    }
    this.timers = [];
    this.dataHandlers.clear();
    this.watches.clear();
    this.frameHandler = null;
    this.nativeCryptoModule = null;
    this.nativeCryptoUsed = false;
    this.runtime = this.module.newRuntime();
    this.runtime.setMemoryLimit(64 * 1024 * 1024);
    this.runtime.setMaxStackSize(512 * 1024);
    this.runtime.setInterruptHandler(() => {
      this.work.interrupts++;
      const spent = (this.work.interrupts - this.callStartInterrupts) * this.options.costs.interruptMs;
      return spent > Math.min(this.options.watchdogMs, RUNAWAY_BOARD_MS_MAX);
    });
    this.vm = this.runtime.newContext();
    // A reboot starts its own call: the interrupted call's board time must not count against it.
    this.callStartInterrupts = this.work.interrupts;
    this.baselineBytes = this.memoryUsed();
    this.installProfile();
    const ran = this.call(() => this.vm.evalCode(this.program, `${this.name}.js`), true);
    if (this.resetPending) {
      // A program that cannot boot within the watchdog would reset forever: report it once.
      this.resetPending = false;
      const failure = new BoardFailure('BOOT_PAST_WATCHDOG', `${this.name}: booting takes longer than the watchdog`);
      if (this.options.interactive !== true) throw failure;
      this.stopPending = failure;
    }
    if (this.options.interactive !== true || this.program === '') return;
    // Kaluma prints a program's top-level error and restarts the runtime without the program (src/runtime.c
    // km_runtime_load, docs/platforms.md A3); Espruino reports it and keeps what already ran.
    if (this.stopPending !== null) this.resetIfPending();
    else if (!ran && this.profile === 'kaluma') this.stopProgram(null);
  }

  private memoryUsed(): number {
    const usage = this.runtime.computeMemoryUsage();
    const bytes = this.vm.dump(usage).memory_used_size as number;
    usage.dispose();
    return bytes;
  }

  heapUsedBytes(): number {
    const model = HEAP_MODELS[this.profile];
    return model.runtimeBytes + Math.round((this.memoryUsed() - this.baselineBytes) / model.quickjsPerBoardByte);
  }

  /** Runs one call into the board, charges its board time, checks heap and watchdog; false if it threw. */
  /** `measure`: check the heap whatever the call cost (a program's evaluation at boot is never idle). */
  private call(run: () => ReturnType<QuickJSContext['evalCode']>, measure = false): boolean {
    this.callStartInterrupts = this.work.interrupts;
    this.callDelayMs = 0;
    this.callNativeMs = 0;
    const before = { ...this.work };
    const nativeBefore = { ...this.nativeCryptoCalls };
    this.work.calls++;
    const result = run();
    let failure: string | null = null;
    if (result.error) {
      const error = this.vm.dump(result.error);
      result.error.dispose();
      failure = typeof error === 'object' && error !== null ? `${error.name}: ${error.message}` : String(error);
    } else {
      result.value.dispose();
    }
    this.runtime.executePendingJobs();
    this.readCryptoCounters();
    const delta = emptyWork();
    for (const key of Object.keys(delta) as (keyof WorkCount)[]) delta[key] = this.work[key] - before[key];
    delta.calls = 1;
    const spent = boardMs(this.options.costs, delta) + this.callNativeMs;
    this.callCostMs = spent;
    if (this.callTrace !== null) {
      const native: Record<string, number> = {};
      for (const name of Object.keys(this.nativeCryptoCalls)) native[name] = this.nativeCryptoCalls[name] - nativeBefore[name];
      this.callTrace.push({ boardMs: spent + this.callDelayMs, native });
    }
    if (spent + this.callDelayMs > this.longestCallMs) this.longestCallMs = spent + this.callDelayMs;
    if (process.env.SMARTCHAIN_EMULATOR_TRACE && spent > 2000) console.log(`${this.name} call ${spent.toFixed(0)} ms`, this.work.interrupts - before.interrupts, this.work.hashes - before.hashes, this.work.fieldOps - before.fieldOps);
    this.busyUntilMs = Math.max(this.busyUntilMs, this.clockMs) + spent;
    // Measuring the heap walks every object (about half the host time of an idle board), so a call that
    // did no work the cost model sees (no interrupt, no crypto: an idle tick, whose temporaries QuickJS's
    // reference counting frees on return) is measured only every IDLE_HEAP_CHECK_EVERY calls.
    const idle = !measure && spent <= this.options.costs.callMs && this.work.calls % IDLE_HEAP_CHECK_EVERY !== 0;
    const heap = idle ? 0 : this.heapUsedBytes();
    if (heap > this.heapPeakBytes) this.heapPeakBytes = heap;
    if (heap > this.options.heapBytesMax) {
      const failure = new BoardFailure('HEAP_BUDGET_EXCEEDED', `${this.name}: heap ${heap} B exceeds its budget of ${this.options.heapBytesMax} B`);
      if (this.options.interactive !== true) throw failure;
      this.stopPending = failure;
      return false;
    }
    if (spent + this.callDelayMs > this.options.watchdogMs) {
      // The reset happens once the caller has released its handles (resetIfPending).
      this.resets++;
      this.resetPending = true;
      this.log.push(`[WATCHDOG_RESET] ${(spent + this.callDelayMs).toFixed(0)} ms of board time away from the event loop (watchdog ${this.options.watchdogMs} ms)`);
      return false;
    }
    if (failure !== null) {
      // A run fails on a global or module the runtime lacks; a board on a terminal prints it, as a real one does.
      if (/is not defined|not a function|cannot read|not found/i.test(failure) && this.options.interactive !== true) throw new BoardFailure('RUNTIME_MISSING', `${this.name} (${this.profile}): ${failure}`);
      this.log.push(`[UNCAUGHT] ${failure}`);
    }
    return failure === null;
  }

  lastCallBoardMs(): number {
    return this.callCostMs;
  }

  /** The firmware's own counts of tweetnacl operations, read through `smartchain.stats()`. */
  private readCryptoCounters(): void {
    const result = this.vm.evalCode('typeof smartchain === "object" && smartchain !== null ? JSON.stringify(smartchain.stats()) : "{}"');
    if (result.error) {
      result.error.dispose();
      return;
    }
    const stats = JSON.parse(this.vm.getString(result.value)) as Record<string, number>;
    result.value.dispose();
    const delta = (name: string) => (this.nativeCryptoUsed ? 0 : Math.max(0, (stats[name] ?? 0) - (this.lastStats[name] ?? 0)));
    this.work.verifies += delta('crypto_verify');
    this.work.signs += delta('crypto_sign');
    this.work.hashes += delta('crypto_hash');
    this.work.fieldOps += delta('crypto_field_ops');
    this.lastStats = stats;
  }

  stats(): Record<string, number | string> {
    const result = this.vm.evalCode('typeof smartchain === "object" && smartchain !== null ? JSON.stringify(smartchain.stats()) : "{}"');
    const text = result.error ? '{}' : this.vm.getString(result.value);
    (result.error ?? result.value).dispose();
    return JSON.parse(text);
  }

  /** Evaluates a line as a REPL would, in board time; returns what it printed or the value. */
  evaluate(code: string): string {
    const printed = this.log.length;
    let text = '';
    this.call(() => {
      const result = this.vm.evalCode(code, 'repl');
      if (!result.error) {
        const dumped = this.vm.dump(result.value);
        text = dumped === undefined ? '' : typeof dumped === 'string' ? dumped : JSON.stringify(dumped);
      }
      return result;
    });
    this.resetIfPending();
    return this.log.slice(printed).join('\n') + (text ? (this.log.length > printed ? '\n' : '') + text : '');
  }

  /** Evaluates console input: what it printed, and its value as text (or the error it threw). */
  evaluateConsole(code: string): { printed: string[]; value: string | null; error: string | null } {
    const printed = this.log.length;
    let value: string | null = null;
    let error: string | null = null;
    try {
      this.call(() => {
        const result = this.vm.evalCode(code, 'console');
        if (result.error) {
          const dumped = this.vm.dump(result.error);
          error = typeof dumped === 'object' && dumped !== null ? `${dumped.name}: ${dumped.message}` : String(dumped);
        } else {
          const dumped = this.vm.dump(result.value);
          value = dumped === undefined ? 'undefined' : typeof dumped === 'function' ? 'function () { [code] }' : JSON.stringify(dumped);
        }
        return result;
      });
    } catch (failure) {
      if (!(failure instanceof BoardFailure) || failure.code !== 'RUNTIME_MISSING') throw failure;
    }
    this.resetIfPending();
    const lines = this.log.slice(printed).filter((line) => !line.startsWith('[UNCAUGHT]'));
    return { printed: lines, value, error };
  }

  // ---- time --------------------------------------------------------------------------------------

  nextTimerMs(): number {
    let next = Infinity;
    for (const timer of this.timers) next = Math.min(next, timer.atMs);
    return Math.max(next, this.busyUntilMs);
  }

  /** Fires the timers due by `nowMs`, one call each, in order; the board is busy while it works. */
  runUntil(nowMs: number): void {
    this.worldNowMs = nowMs;
    if (this.busyUntilMs <= nowMs) {
      // DIO0 raised while the board was busy is handled as soon as it is back in its event loop.
      this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
      this.raiseRadioInterrupt();
    }
    for (let guard = 0; guard < 1000; guard++) {
      const due = this.timers.filter((timer) => timer.atMs <= nowMs).sort((left, right) => left.atMs - right.atMs || left.id - right.id)[0];
      if (due === undefined) break;
      this.clockMs = Math.max(due.atMs, this.busyUntilMs);
      if (this.clockMs > nowMs) break;
      if (due.intervalMs > 0) due.atMs = this.clockMs + due.intervalMs;
      else this.timers = this.timers.filter((timer) => timer !== due);
      const callback = due.callback;
      try {
        this.call(() => this.vm.callFunction(callback, this.vm.undefined));
      } finally {
        if (due.intervalMs === 0) callback.dispose();
      }
      this.resetIfPending();
      this.raiseRadioInterrupt();
    }
    this.clockMs = Math.max(this.clockMs, Math.min(nowMs, Math.max(nowMs, this.busyUntilMs)));
  }

  private bytesHandle(bytes: Uint8Array): QuickJSHandle {
    const buffer = this.vm.newArrayBuffer(bytes.slice().buffer);
    const make = this.vm.unwrapResult(this.vm.evalCode('(function (b) { return new Uint8Array(b); })'));
    const array = this.vm.unwrapResult(this.vm.callFunction(make, this.vm.undefined, buffer));
    make.dispose();
    buffer.dispose();
    return array;
  }

  /** An 8-bit String of the bytes, built inside the board (a host string would stop at a NUL byte). */
  private bytesString(bytes: Uint8Array): QuickJSHandle {
    // Plain ASCII without NUL passes as a host string at once: the runtime's own Storage.read maps flash
    // and costs no board time, so neither should this (a 53 KB .bootcde built in a loop would).
    if (bytes.every((byte) => byte > 0 && byte < 0x80)) return this.vm.newString(Buffer.from(bytes).toString('latin1'));
    const array = this.bytesHandle(bytes);
    const make = this.vm.unwrapResult(this.vm.evalCode('(function (a) { var s = ""; for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return s; })'));
    try {
      return this.vm.unwrapResult(this.vm.callFunction(make, this.vm.undefined, array));
    } finally {
      make.dispose();
      array.dispose();
    }
  }

  private hostBytes(handle: QuickJSHandle, wholeBuffer: boolean): Uint8Array {
    const type = this.vm.typeof(handle);
    if (type === 'string') {
      const text = this.vm.getString(handle);
      return Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);
    }
    const bufferHandle = this.vm.getProp(handle, 'buffer');
    const offset = this.vm.getNumber(this.vm.getProp(handle, 'byteOffset'));
    const length = this.vm.getNumber(this.vm.getProp(handle, 'byteLength'));
    const lifetime = this.vm.getArrayBuffer(bufferHandle);
    const all = new Uint8Array(lifetime.value);
    const out = wholeBuffer ? all.slice() : all.slice(offset, offset + length);
    lifetime.dispose();
    bufferHandle.dispose();
    return out;
  }

  /** The numbers of a Float64Array (read as its bytes), or of any other array-like (read as JSON). */
  private hostNumbers(handle: QuickJSHandle): ArrayLike<number> {
    const constructor = this.vm.getProp(handle, 'constructor');
    const name = this.vm.getProp(constructor, 'name');
    const isDoubles = this.vm.dump(name) === 'Float64Array';
    name.dispose();
    constructor.dispose();
    if (!isDoubles) return Object.values(this.vm.dump(handle) as Record<string, number>);
    const bytes = this.hostBytes(handle, false);
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  }

  /** Bytes arriving on a UART port: delivered as the runtime does (Uint8Array on Kaluma, String on Espruino). */
  deliverUart(port: number, bytes: Uint8Array): void {
    const handler = this.dataHandlers.get(port);
    if (handler === undefined) return;
    let delivered = bytes;
    if (this.profile === 'kaluma') {
      // Bytes arriving while the board is away from its event loop wait in the 2 KB receive buffer
      // until it returns; what does not fit is lost.
      const arrivalMs = this.worldNowMs;
      if (arrivalMs >= this.rxDrainMs) {
        this.rxHeldBytes = 0;
        this.rxDrainMs = Math.max(arrivalMs, this.busyUntilMs);
      }
      const room = Math.max(0, KALUMA_UART_BUFFER_BYTES - this.rxHeldBytes);
      if (bytes.length > room) {
        this.uartOverflowBytes += bytes.length - room;
        delivered = bytes.subarray(0, room);
      }
      this.rxHeldBytes += delivered.length;
    }
    if (delivered.length === 0) return;
    this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
    const argument = this.profile === 'espruino' ? this.bytesString(delivered) : this.bytesHandle(delivered);
    this.call(() => this.vm.callFunction(handler, this.vm.undefined, argument));
    argument.dispose();
    this.resetIfPending();
  }

  /** A packet the radio received (RX continuous): into its FIFO, then DIO0 if the driver mapped RxDone. */
  deliverRadio(payload: Uint8Array, crcValid: boolean): void {
    if (this.radio === null) return;
    this.radio.receive(payload, crcValid);
    // A board away from its event loop (a call still running) sees DIO0 only when it returns: the packet
    // waits in the FIFO until then, and a second one arriving meanwhile is written over it.
    if (this.worldNowMs < this.busyUntilMs) return;
    this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
    this.raiseRadioInterrupt();
  }

  /** The radio's channel activity detection is over. */
  finishRadioCad(detected: boolean): void {
    if (this.radio === null) return;
    this.radio.finishCad(detected);
    if (this.worldNowMs < this.busyUntilMs) return;
    this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
    this.raiseRadioInterrupt();
  }

  /** The radio's packet has left the antenna: TxDone, then DIO0 if the driver mapped it. */
  finishRadioTransmit(): void {
    if (this.radio === null) return;
    this.radio.finishTransmit();
    if (this.worldNowMs < this.busyUntilMs) return;
    this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
    this.raiseRadioInterrupt();
  }

  /** Calls the watch on the DIO0 pin at a rising edge, as the runtime's pin watch would. */
  private raiseRadioInterrupt(): void {
    if (this.radio === null || this.radioPins === null || !this.radio.takeDio0Rise()) return;
    for (const [id, watch] of [...this.watches]) {
      if (watch.pin !== this.radioPins.dio0 || !watch.rising) continue;
      const vm = this.vm;
      const argument = this.profile === 'kaluma' ? vm.newNumber(watch.pin) : vm.newObject();
      if (this.profile === 'espruino') {
        vm.setProp(argument, 'state', vm.true);
        vm.setProp(argument, 'pin', vm.newNumber(watch.pin));
        vm.setProp(argument, 'time', vm.newNumber((WORLD_EPOCH_MS + this.clockMs) / 1000));
      }
      const callback = watch.callback;
      if (!watch.repeat) this.watches.delete(id);
      const succeeded = this.call(() => vm.callFunction(callback, vm.undefined, argument));
      argument.dispose();
      if (!watch.repeat) callback.dispose();
      // Kaluma 1.2.1 stops a watch whose callback throws (src/global.c set_watch_cb).
      else if (!succeeded && this.profile === 'kaluma' && this.watches.get(id) === watch) {
        this.watches.delete(id);
        callback.dispose();
      }
      if (this.resetPending) {
        // A reset drops every watch with the runtime.
        this.resetIfPending();
        return;
      }
    }
  }

  /** One SPI transaction with the radio; a fault is logged with its code and thrown into the board. */
  private radioTransfer(data: QuickJSHandle, wholeBuffer: boolean): QuickJSHandle {
    if (this.radio === null) throw new Error('no device on this SPI bus');
    try {
      return this.bytesHandle(this.radio.transfer(this.hostBytes(data, wholeBuffer), (transmission) => this.radioOutbox.push(transmission), (request) => this.radioCadOutbox.push(request)));
    } catch (error) {
      if (error instanceof Sx127xFault) {
        this.radioFaults.push(error.code);
        this.log.push(`[RADIO_FAULT] ${error.message}`);
      }
      throw error;
    }
  }

  /** A GPIO output: the radio's chip select (active low) and reset lines are wired to the model. */
  private writePin(pin: number, high: boolean): void {
    if (this.radio === null || this.radioPins === null) return;
    if (pin === this.radioPins.cs) this.radio.selected = !high;
    if (pin === this.radioPins.reset) this.radio.setResetLine(high);
  }

  private watchPin(callback: QuickJSHandle, pin: number, rising: boolean, repeat: boolean): QuickJSHandle {
    const id = this.nextWatchId++;
    this.watches.set(id, { pin, callback: callback.dup(), rising, repeat });
    return this.vm.newNumber(id);
  }

  private clearWatch(id: QuickJSHandle): void {
    const watch = this.watches.get(this.vm.getNumber(id));
    if (watch === undefined) return;
    watch.callback.dispose();
    this.watches.delete(this.vm.getNumber(id));
  }

  /** A frame on a link of the generic emulator board. */
  deliverFrame(link: number, frame: Uint8Array): void {
    if (this.frameHandler === null) return;
    this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
    const argument = this.bytesHandle(frame);
    const linkHandle = this.vm.newNumber(link);
    const handler = this.frameHandler;
    this.call(() => this.vm.callFunction(handler, this.vm.undefined, linkHandle, argument));
    argument.dispose();
    this.resetIfPending();
  }

  // ---- profiles ----------------------------------------------------------------------------------

  private fn(target: QuickJSHandle, name: string, body: (...args: QuickJSHandle[]) => QuickJSHandle | void): void {
    const handle = this.vm.newFunction(name, (...args) => body(...args) ?? this.vm.undefined);
    this.vm.setProp(target, name, handle);
    handle.dispose();
  }

  private addTimer(callback: QuickJSHandle, delay: QuickJSHandle | undefined, repeat: boolean, delayRequired: boolean): QuickJSHandle {
    // Kaluma: setTimeout and setInterval require a delay (docs/platforms.md A3).
    if ((delay === undefined || this.vm.typeof(delay) !== 'number') && delayRequired) throw new TypeError('delay is required');
    const delayMs = delay === undefined ? 0 : Math.max(0, this.vm.getNumber(delay));
    const timer: Timer = { id: this.nextTimerId++, atMs: this.clockMs + Math.max(delayMs, repeat ? 1 : 0), intervalMs: repeat ? Math.max(1, delayMs) : 0, callback: callback.dup() };
    this.timers.push(timer);
    return this.vm.newNumber(timer.id);
  }

  private print(args: QuickJSHandle[]): void {
    this.log.push(args.map((arg) => (this.vm.typeof(arg) === 'string' ? this.vm.getString(arg) : JSON.stringify(this.vm.dump(arg)))).join(' '));
  }

  private installProfile(): void {
    const vm = this.vm;
    const global = vm.global;
    const timersRequireDelay = this.profile === 'kaluma';
    this.fn(global, 'setTimeout', (callback, delay) => this.addTimer(callback, delay, false, timersRequireDelay));
    this.fn(global, 'setInterval', (callback, delay) => this.addTimer(callback, delay, true, timersRequireDelay));
    const clear = (id: QuickJSHandle) => {
      const key = vm.getNumber(id);
      this.timers = this.timers.filter((timer) => timer.id !== key);
    };
    this.fn(global, 'clearTimeout', clear);
    this.fn(global, 'clearInterval', clear);
    this.fn(global, 'print', (...args) => this.print(args));
    const consoleObject = vm.newObject();
    this.fn(consoleObject, 'log', (...args) => this.print(args));
    vm.setProp(global, 'console', consoleObject);
    consoleObject.dispose();
    if (this.profile === 'kaluma') this.installKaluma();
    else if (this.profile === 'espruino') this.installEspruino();
    else this.installEmulator();
    if (this.profile === 'emulator') return;
    // The GPIO and SPI globals came with the radio model; they are the runtime's, not the program's, and
    // leaving them out of the baseline would move every heap figure measured before them.
    const before = this.memoryUsed();
    if (this.profile === 'kaluma') {
      this.installKalumaGpio();
      // The native module's object is the image's, made before the program runs, like the GPIO globals.
      if (this.options.nativeCrypto !== undefined) this.nativeCryptoModule = this.makeNativeCrypto(this.options.nativeCrypto);
    }
    else {
      this.installEspruinoGpio();
      this.installEspruinoConsole();
    }
    this.baselineBytes += this.memoryUsed() - before;
  }

  /**
   * What Espruino's console and the `espruino` tool use (ET core/utils.js, plugins/saveOnSend.js):
   * `process.env` (VERSION past 1v96, so the tool writes Storage; MODULES lists the built-in modules),
   * `reset()`, `load()`, `echo()`, `setTime()`, `atob`/`btoa`, `E.setBootCode`.
   */
  private installEspruinoConsole(): void {
    const vm = this.vm;
    vm.unwrapResult(vm.evalCode(`process.env = { VERSION: '2v25', BOARD: 'ESP32', FLASH: 0, STORAGE: 917504, RAM: 520192,
      SERIAL: '00000000', CONSOLE: 'Serial1', MODULES: 'Storage,crypto,heatshrink,net,dgram,http,NetworkJS,Wifi,ESP32,TelnetServer,neopixel' }`)).dispose();
    const command = (name: 'reset' | 'load' | 'echo') => (on?: QuickJSHandle) => {
      const flag = on === undefined ? true : Boolean(vm.dump(on));
      if (this.onConsoleCommand === null) throw new Error(`${name}() needs the console`);
      this.onConsoleCommand(name, flag);
    };
    this.fn(vm.global, 'reset', command('reset'));
    this.fn(vm.global, 'load', command('load'));
    this.fn(vm.global, 'echo', command('echo'));
    this.fn(vm.global, 'setTime', () => undefined);
    this.fn(vm.global, 'atob', (text) => this.bytesString(Uint8Array.from(Buffer.from(vm.getString(text), 'base64'))));
    this.fn(vm.global, 'btoa', (text) => vm.newString(Buffer.from(this.hostBytes(text, false)).toString('base64')));
  }

  private installKalumaGpio(): void {
    const vm = this.vm;
    for (const [name, value] of Object.entries(KALUMA_GPIO)) vm.setProp(vm.global, name, vm.newNumber(value));
    this.fn(vm.global, 'pinMode', () => undefined);
    this.fn(vm.global, 'digitalWrite', (pin, value) => this.writePin(vm.getNumber(pin), value !== undefined && vm.getNumber(value) !== 0));
    this.fn(vm.global, 'digitalRead', (pin) => vm.newNumber(this.radioPins !== null && vm.getNumber(pin) === this.radioPins.dio0 && this.radio?.dio0() ? 1 : 0));
    // setWatch(callback, pin, events, debounce): called from the event loop, unlike attachInterrupt, whose
    // callback Kaluma 1.2.1 runs inside the GPIO interrupt (targets/rp2/src/gpio.c), so it is not offered.
    this.fn(vm.global, 'setWatch', (callback, pin, events) => {
      const mode = events === undefined ? KALUMA_GPIO.CHANGE : vm.getNumber(events);
      return this.watchPin(callback, vm.getNumber(pin), (mode & KALUMA_GPIO.RISING) !== 0, true);
    });
    this.fn(vm.global, 'clearWatch', (id) => this.clearWatch(id));
  }

  private installEspruinoGpio(): void {
    const vm = this.vm;
    // SPI1.send(data, nss) drives the chip select itself and returns the same kind it was given.
    const spi = vm.newObject();
    this.fn(spi, 'setup', () => undefined);
    this.fn(spi, 'send', (data, nss) => {
      if (nss !== undefined && vm.typeof(nss) === 'number') this.writePin(vm.getNumber(nss), false);
      try {
        return this.radioTransfer(data, false);
      } finally {
        if (nss !== undefined && vm.typeof(nss) === 'number') this.writePin(vm.getNumber(nss), true);
      }
    });
    vm.setProp(vm.global, 'SPI1', spi);
    spi.dispose();
    this.fn(vm.global, 'pinMode', () => undefined);
    this.fn(vm.global, 'digitalWrite', (pin, value) => this.writePin(vm.getNumber(pin), value !== undefined && vm.dump(value) ? true : false));
    this.fn(vm.global, 'digitalRead', (pin) => vm.newNumber(this.radioPins !== null && vm.getNumber(pin) === this.radioPins.dio0 && this.radio?.dio0() ? 1 : 0));
    // setWatch(callback, pin, { edge: 'rising', repeat: true }): called from the event loop; without
    // repeat: true Espruino fires a watch once.
    this.fn(vm.global, 'setWatch', (callback, pin, options) => {
      const settings = options === undefined ? {} : vm.dump(options);
      const edge = settings.edge ?? 'both';
      return this.watchPin(callback, vm.getNumber(pin), edge === 'rising' || edge === 'both', settings.repeat === true);
    });
    this.fn(vm.global, 'clearWatch', (id) => this.clearWatch(id));
  }

  private makeNativeCrypto(costs: NativeCryptoCosts): QuickJSHandle {
    return createNativeCrypto(this.vm, costs, {
      read: (handle) => this.hostBytes(handle, false),
      make: (bytes) => this.bytesHandle(bytes),
      charge: (boardMs, name) => {
        this.callNativeMs += boardMs;
        this.nativeCryptoMs += boardMs;
        this.nativeCryptoCalls[name]++;
      },
    });
  }

  private randomBytes(count: number): Uint8Array {
    return Uint8Array.from({ length: count }, () => Math.floor(this.options.random() * 256));
  }

  private installKaluma(): void {
    const vm = this.vm;
    this.fn(vm.global, 'millis', () => vm.newNumber(Math.floor(this.clockMs)));
    // Date.now reads the RTC, set to the world's start (deterministic: never the host's clock).
    const now = vm.newFunction('now', () => vm.newNumber(WORLD_EPOCH_MS + Math.floor(this.clockMs / 1000) * 1000));
    const date = vm.getProp(vm.global, 'Date');
    vm.setProp(date, 'now', now);
    now.dispose();
    date.dispose();
    this.fn(vm.global, 'micros', () => vm.newNumber(Math.floor(this.clockMs * 1000)));
    this.fn(vm.global, 'delay', (ms) => {
      this.callDelayMs += vm.getNumber(ms);
      this.busyUntilMs = Math.max(this.busyUntilMs, this.clockMs) + vm.getNumber(ms);
    });
    const processObject = vm.newObject();
    this.fn(processObject, 'memoryUsage', () => {
      const used = this.heapUsedBytes();
      const object = vm.newObject();
      vm.setProp(object, 'heapTotal', vm.newNumber(this.options.heapBytesMax));
      vm.setProp(object, 'heapUsed', vm.newNumber(used));
      vm.setProp(object, 'heapPeak', vm.newNumber(Math.max(used, this.heapPeakBytes)));
      return object;
    });
    vm.setProp(vm.global, 'process', processObject);
    processObject.dispose();
    const storage = vm.newObject();
    this.fn(storage, 'getItem', (key) => {
      const value = this.kalumaStorage.get(vm.getString(key));
      return value === undefined ? vm.null : vm.newString(value);
    });
    this.fn(storage, 'setItem', (key, value) => {
      const name = vm.getString(key);
      const text = vm.getString(value);
      if (name.length + text.length > 253 || (!this.kalumaStorage.has(name) && this.kalumaStorage.size >= 64)) {
        throw new Error('storage: no room (64 slots, key and value at most 253 bytes)');
      }
      this.kalumaStorage.set(name, text);
    });
    this.fn(storage, 'removeItem', (key) => void this.kalumaStorage.delete(vm.getString(key)));
    vm.setProp(vm.global, 'storage', storage);
    storage.dispose();
    // Kaluma's require() loads built-in modules only.
    this.fn(vm.global, 'require', (nameHandle) => {
      const name = vm.getString(nameHandle);
      if (name === 'uart') return this.kalumaUart();
      if (name === 'fs') return this.kalumaFs();
      if (name === 'rp2') return this.kalumaRp2();
      if (name === 'spi') return this.kalumaSpi();
      if (name === 'smartcrypto' && this.nativeCryptoModule !== null) {
        this.nativeCryptoUsed = true;
        return this.nativeCryptoModule.dup();
      }
      throw new Error(`Module "${name}" not found`);
    });
  }

  private kalumaUart(): QuickJSHandle {
    const vm = this.vm;
    const module = vm.newObject();
    const board = this;
    const open = vm.newFunction('open', (portHandle) => {
      const port = vm.getNumber(portHandle);
      const uart = vm.newObject();
      board.fn(uart, 'on', (event, callback) => {
        if (vm.getString(event) === 'data') board.dataHandlers.set(port, callback.dup());
      });
      // Kaluma 1.2.1 writes the whole ArrayBuffer behind a typed array, ignoring its offset and length.
      board.fn(uart, 'write', (data) => void board.outbox.push({ port, bytes: board.hostBytes(data, true) }));
      board.fn(uart, 'close', () => void board.dataHandlers.delete(port));
      return uart;
    });
    this.setConstructor(module, 'UART', open);
    return module;
  }

  /** Host functions cannot be called with `new`: a small constructor in the board forwards to `open`. */
  private setConstructor(module: QuickJSHandle, name: string, open: QuickJSHandle): void {
    const vm = this.vm;
    const wrap = vm.unwrapResult(vm.evalCode(`(function (open) { return function ${name}(a, b) { return open(a, b); }; })`));
    const constructor = vm.unwrapResult(vm.callFunction(wrap, vm.undefined, open));
    vm.setProp(module, name, constructor);
    for (const handle of [wrap, constructor, open]) handle.dispose();
  }

  private kalumaSpi(): QuickJSHandle {
    const vm = this.vm;
    const module = vm.newObject();
    const open = vm.newFunction('open', () => {
      const spi = vm.newObject();
      // Kaluma 1.2.1's transfer, like its uart write, sends the whole ArrayBuffer behind a typed array.
      this.fn(spi, 'transfer', (data) => this.radioTransfer(data, true));
      this.fn(spi, 'close', () => undefined);
      return spi;
    });
    this.setConstructor(module, 'SPI', open);
    return module;
  }

  private kalumaFs(): QuickJSHandle {
    const vm = this.vm;
    const fs = vm.newObject();
    this.fn(fs, 'exists', (path) => (this.files.has(vm.getString(path)) ? vm.true : vm.false));
    this.fn(fs, 'readFile', (path) => {
      const data = this.files.get(vm.getString(path));
      if (data === undefined) throw new Error(`no such file ${vm.getString(path)}`);
      return this.bytesHandle(data);
    });
    this.fn(fs, 'writeFile', (path, data) => void this.files.set(vm.getString(path), this.hostBytes(data, false)));
    this.fn(fs, 'unlink', (path) => void this.files.delete(vm.getString(path)));
    return fs;
  }

  private kalumaRp2(): QuickJSHandle {
    const vm = this.vm;
    const rp2 = vm.newObject();
    this.fn(rp2, 'randomBigInt', () => {
      const hex = Array.from(this.randomBytes(16), (byte) => byte.toString(16).padStart(2, '0')).join('');
      return vm.unwrapResult(vm.evalCode(`BigInt("0x${hex}")`));
    });
    return rp2;
  }

  private installEspruino(): void {
    const vm = this.vm;
    // What Espruino lacks must fail here as it would on the board.
    vm.unwrapResult(vm.evalCode(`(function (g) {
      ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'BigInt', 'Proxy', 'Reflect', 'TextEncoder', 'TextDecoder'].forEach(function (name) { delete g[name]; });
      delete Math.imul; delete Math.trunc; delete Math.clz32;
      g.global = g;
      // Espruino 2v29's typed arrays have no slice of their own: theirs is Array's, returning an Array.
      [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array].forEach(function (type) {
        type.prototype.slice = function (start, end) { return Array.prototype.slice.call(Array.prototype.slice.call(this), start, end); };
      });
    })(globalThis)`)).dispose();
    // The board's clock is set to the world's start, as `espruino -t` sets it when uploading.
    this.fn(vm.global, 'getTime', () => vm.newNumber((WORLD_EPOCH_MS + this.clockMs) / 1000));
    const serial = vm.newObject();
    this.fn(serial, 'setup', () => undefined);
    this.fn(serial, 'on', (event, callback) => {
      if (vm.getString(event) === 'data') this.dataHandlers.set(2, callback.dup());
    });
    this.fn(serial, 'write', (data) => void this.outbox.push({ port: 2, bytes: this.hostBytes(data, false) }));
    vm.setProp(vm.global, 'Serial2', serial);
    serial.dispose();
    const e = vm.newObject();
    this.fn(e, 'hwRand', () => vm.newNumber(Math.floor(this.options.random() * 4294967296) | 0));
    this.fn(e, 'enableWatchdog', () => undefined);
    this.fn(e, 'kickWatchdog', () => undefined);
    // E.convolve(a, b, offset): sum of a[i] b[(i + offset) mod b.length], native on the board; charged
    // per call from the cost model (the field multiplication makes 16 per operation).
    this.fn(e, 'convolve', (left, right, offsetHandle) => {
      const a = this.hostNumbers(left);
      const b = this.hostNumbers(right);
      const lengthA = a.length;
      const lengthB = b.length;
      const offset = vm.getNumber(offsetHandle);
      let sum = 0;
      for (let index = 0; index < lengthA; index++) sum += a[index] * b[(index + offset) % lengthB];
      this.work.convolveCalls++;
      return vm.newNumber(sum);
    });
    vm.setProp(vm.global, 'E', e);
    e.dispose();
    const processObject = vm.newObject();
    this.fn(processObject, 'memory', () => {
      const object = vm.newObject();
      vm.setProp(object, 'usage', vm.newNumber(Math.ceil(this.heapUsedBytes() / 14)));
      vm.setProp(object, 'blocksize', vm.newNumber(14));
      vm.setProp(object, 'total', vm.newNumber(Math.floor(this.options.heapBytesMax / 14)));
      return object;
    });
    this.fn(processObject, 'on', () => undefined);
    vm.setProp(vm.global, 'process', processObject);
    processObject.dispose();
    this.fn(vm.global, 'require', (nameHandle) => {
      const name = vm.getString(nameHandle);
      if (name === 'crypto') return this.espruinoCrypto();
      if (name !== 'Storage') throw new Error(`Module ${name} not found`);
      const storage = vm.newObject();
      this.fn(storage, 'read', (file) => {
        const data = this.files.get(vm.getString(file));
        return data === undefined ? vm.undefined : this.bytesString(data);
      });
      this.fn(storage, 'readArrayBuffer', (file) => {
        const data = this.files.get(vm.getString(file));
        return data === undefined ? vm.undefined : vm.newArrayBuffer(data.slice().buffer);
      });
      // write(name, data[, offset, size]): with a size, a new file of that size (erased flash reads 0xFF)
      // gets data at offset; with an offset alone, data goes into the existing file there.
      this.fn(storage, 'write', (file, data, offset, size) => {
        const name = vm.getString(file);
        const bytes = this.hostBytes(data, false);
        if (offset === undefined || vm.typeof(offset) !== 'number') {
          this.files.set(name, bytes);
          return vm.true;
        }
        const at = vm.getNumber(offset);
        let target = this.files.get(name);
        if (size !== undefined && vm.typeof(size) === 'number') target = new Uint8Array(vm.getNumber(size)).fill(0xff);
        if (target === undefined || at < 0 || at + bytes.length > target.length) throw new Error(`Storage.write: ${name} has no room for ${bytes.length} bytes at ${at}`);
        target.set(bytes, at);
        this.files.set(name, target);
        return vm.true;
      });
      this.fn(storage, 'erase', (file) => void this.files.delete(vm.getString(file)));
      return storage;
    });
  }

  /**
   * Espruino's crypto module as the standard ESP32 firmware has it (libs/crypto/jswrap_crypto.c): SHA512
   * of a String, ArrayBuffer, typed array or Array, returning an ArrayBuffer of 64 bytes. The host hashes;
   * the board time is the cost model's, per call and per 128-byte block.
   */
  private espruinoCrypto(): QuickJSHandle {
    const vm = this.vm;
    const host = vm.newFunction('SHA512', (message) => {
      const bytes = this.hostBytes(message, false);
      this.work.nativeHashes++;
      // FIPS 180-4 §5.1.2: the message, a 1 bit and a 128-bit length, padded to 128-byte blocks.
      this.work.nativeHashBlocks += Math.floor((bytes.length + 17 + 127) / 128);
      return vm.newArrayBuffer(Uint8Array.from(createHash('sha512').update(bytes).digest()).buffer);
    });
    const wrap = vm.unwrapResult(vm.evalCode(`(function (host) { return { SHA512: function (message) {
      return host(typeof message === 'string' || ArrayBuffer.isView(message) ? message : new Uint8Array(message));
    } }; })`));
    const module = vm.unwrapResult(vm.callFunction(wrap, vm.undefined, host));
    wrap.dispose();
    host.dispose();
    return module;
  }

  private installEmulator(): void {
    const vm = this.vm;
    const board = vm.newObject();
    this.fn(board, 'now_ms', () => vm.newNumber(this.clockMs));
    // Whole milliseconds, as a board's clock reads: board time accumulates fractions of a millisecond.
    this.fn(board, 'wall_ms', () => vm.newNumber(WORLD_EPOCH_MS + Math.floor(this.clockMs)));
    this.fn(board, 'random_bytes', (count) => this.bytesHandle(this.randomBytes(vm.getNumber(count))));
    this.fn(board, 'storage_read', (key) => {
      const data = this.files.get(vm.getString(key));
      return data === undefined ? vm.null : this.bytesHandle(data);
    });
    this.fn(board, 'storage_write', (key, value) => void this.files.set(vm.getString(key), this.hostBytes(value, false)));
    this.fn(board, 'storage_remove', (key) => void this.files.delete(vm.getString(key)));
    this.fn(board, 'send', (link, frame) => {
      this.outbox.push({ port: vm.getNumber(link), bytes: this.hostBytes(frame, false) });
      return vm.true;
    });
    this.fn(board, 'on_frame', (callback) => {
      this.frameHandler = callback.dup();
    });
    this.fn(board, 'link_count', () => vm.newNumber(this.options.links ?? 1));
    this.fn(board, 'log', (code, message) => void this.log.push(`[${vm.getString(code)}] ${vm.getString(message)}`));
    this.fn(board, 'heap_used_bytes', () => vm.newNumber(this.heapUsedBytes()));
    this.fn(board, 'feed_watchdog', () => undefined);
    this.fn(board, 'config', () => vm.newString(this.options.config ?? '{}'));
    vm.setProp(vm.global, '__board', board);
    board.dispose();
  }
}
