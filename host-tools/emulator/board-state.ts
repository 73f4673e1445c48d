// What an emulated board holds: its options, its board-time clock, its flash files, its peripherals
// (UART receiver, pin watches, the SX127x model) and the QuickJS runtime and context of its program. The
// board's behaviour (board.ts), the runtime profiles (profiles/), the peripherals' wiring (peripherals/)
// and the cost of each call (call-meter.ts) work on this state.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { NativeCryptoCosts } from '../build/boards';
import { Profile, referenceBoard } from '../build/board-profile';
import { BoardCosts, CONVOLVE_CALLS_PER_FIELD_OP, WorkCount, emptyWork } from './cost-model';
import { HeapMeter } from './heap-model';
import { POLLS_PER_INTERRUPT, PollCounter, pollsBetween } from './poll-counter';
import { PinWatches } from './peripherals/gpio';
import { UartReceiver } from './peripherals/uart';
import { CadRequest, Sx127xModel, Transmission } from './peripherals/sx127x-model';
import { RadioReads } from './peripherals/radio-reads';
import { TimerQueue } from './timers';

/** Wall-clock time at the start of every emulated run (2026-11-18T...Z), for deterministic timestamps. */
export const WORLD_EPOCH_MS = 1795000000000;

export class BoardFailure extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

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

/** An esp32's E.convolve calls since the last reading (profiles/espruino-convolve.ts), the counter left as it is. */
export function peekConvolveCalls(vm: QuickJSContext, count: QuickJSHandle): number {
  const handle = vm.getProp(count, '$cvCalls');
  const calls = vm.getNumber(handle);
  handle.dispose();
  return calls;
}

export abstract class BoardState {
  readonly name: string;
  readonly profile: Profile;
  clockMs = 0;
  busyUntilMs = 0;
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
  /** Host milliseconds (performance.now) spent measuring this board's heap: the emulator's, not the board's work. */
  heapMeasureHostMs = 0;
  /** The longest single call into the board (board ms): the longest time away from its event loop. */
  longestCallMs = 0;
  /** The SX127x on the board's SPI bus (kaluma, espruino): hardware, so it outlives a reset of the runtime. */
  readonly radio: Sx127xModel | null;
  /** The program's reads of the radio within its calls, and the packets it took out at them (radio-reads.ts). */
  readonly radioReads: RadioReads | null;
  readonly radioPins: { cs: number; reset: number; dio0: number } | null;
  /** What the radio put on air during the last call, and the channel activity detections it started. */
  radioOutbox: Transmission[] = [];
  radioCadOutbox: CadRequest[] = [];
  radioFaults: string[] = [];
  /** Espruino's console commands (`reset()`, `load()`, `echo(on)`), for the console on a terminal. */
  onConsoleCommand: ((command: 'reset' | 'load' | 'echo', on: boolean) => void) | null = null;

  // The rest is the emulator's own: its modules read and write it, the board's users do not.
  runtime!: QuickJSRuntime;
  vm!: QuickJSContext;
  program = '';
  readonly heap: HeapMeter;
  readonly timers = new TimerQueue();
  readonly uart = new UartReceiver();
  readonly pins = new PinWatches();
  frameHandler: QuickJSHandle | null = null;
  /** The compiled reader of the firmware's counters (evaluate.ts makeStatsReader), made at boot. */
  statsReader: QuickJSHandle | null = null;
  /** The compiled reader of the crypto counters alone (stats-reader.ts makeCryptoReader), made at boot. */
  cryptoReader: QuickJSHandle | null = null;
  /** The crypto counters' names, the crypto reader's argument. */
  cryptoNames: QuickJSHandle | null = null;
  /** The espruino profile's E.convolve call counter (profiles/espruino-convolve.ts), read after each call. */
  convolveCount: QuickJSHandle | null = null;
  callStartInterrupts = 0;
  /** Reads the context's QuickJS interrupt counter (poll-counter.ts), found at each boot. */
  pollCounter: PollCounter = () => 0;
  /** The counter as the current call began. */
  callStartCounter = 0;
  /** Whether a call into the program is running: its clock then moves with its work (nowMs). */
  inCall = false;
  callCostMs = 0;
  /** The last call's field operations and QuickJS interrupts (a trace of what kept the board busy). */
  callFieldOps = 0;
  callInterrupts = 0;
  lastStats: Record<string, number> = {};
  kalumaStorage = new Map<string, string>();
  resetPending = false;
  /** World time of the last runUntil: when bytes handed to deliverUart arrived. */
  worldNowMs = 0;
  /** Board time a call spent in delay(): away from the event loop as much as computing. */
  callDelayMs = 0;
  /** Board time a call spent in the native crypto module (charged per call, not by interrupts). */
  callNativeMs = 0;
  nativeCryptoModule: QuickJSHandle | null = null;
  /**
   * Set once the program's crypto is native: on kaluma once it has required the native module, on
   * espruino once it has called both of Espruino's natives (require("crypto").SHA512 and E.convolve).
   * Its crypto counters (crypto_hash, ...) then count native calls, already charged, not the JS crypto
   * the cost model's extras stand for, so the call meter stops reading them (call-meter.ts).
   */
  nativeCryptoUsed = false;
  /** Espruino's natives called since boot: SHA-512 of the crypto module, and E.convolve. */
  espruinoNativesCalled = { sha512: false, convolve: false };

  /** A program failure on an interactive board, acted on once the caller has released its handles. */
  stopPending: BoardFailure | null = null;

  constructor(readonly options: BoardOptions) {
    this.name = options.name;
    this.profile = options.profile;
    this.heap = new HeapMeter(options.profile);
    this.files = new Map(Object.entries(options.files ?? {}));
    const pinsOf = (profile: Profile) => {
      const lora = referenceBoard(profile).lora;
      return { cs: lora.cs, reset: lora.reset, dio0: lora.dio0 };
    };
    this.radioPins = options.profile === 'emulator' ? null : options.radioPins ?? pinsOf(options.profile);
    this.radio = this.radioPins === null ? null : new Sx127xModel(() => this.nowMs(), options.random);
    this.radioReads = this.radioPins === null ? null : new RadioReads();
  }

  /**
   * The board's clock as its program reads it (millis, getTime, timers, the radio): within a call, the
   * call's start plus the work it has done so far (its poll points, native crypto and delay()), so a
   * packet sent or a CAD started late in a long call starts late. An esp32's field multiplications through
   * E.convolve count as they happen; the crypto the firmware counts in JS is charged when the call ends.
   */
  nowMs(): number {
    if (!this.inCall) return this.clockMs;
    const polls = pollsBetween(this.callStartCounter, this.pollCounter(), this.work.interrupts - this.callStartInterrupts);
    const convolved = this.convolveCount === null ? 0 : (peekConvolveCalls(this.vm, this.convolveCount) / CONVOLVE_CALLS_PER_FIELD_OP) * (this.options.costs.convolveFieldOpExtraMs ?? 0);
    return this.clockMs + (polls / POLLS_PER_INTERRUPT) * this.options.costs.interruptMs + convolved + this.callNativeMs + this.callDelayMs;
  }

  get heapBytesMax(): number {
    return this.options.heapBytesMax;
  }

  get heapPeakBytes(): number {
    return this.heap.peakBytes;
  }

  get uartOverflowBytes(): number {
    return this.uart.overflowBytes;
  }

  heapUsedBytes(): number {
    const started = performance.now();
    const used = this.heap.usedBytes(this.runtime, this.vm);
    this.heapMeasureHostMs += performance.now() - started;
    return used;
  }

  randomBytes(count: number): Uint8Array {
    return Uint8Array.from({ length: count }, () => Math.floor(this.options.random() * 256));
  }

  /** Acts on a watchdog reset or a stopped program once the caller has released its handles (board.ts). */
  abstract resetIfPending(): void;
}
