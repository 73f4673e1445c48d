// One emulated board: the exact bundle from dist/ in its own QuickJS runtime, with a profile that offers
// exactly its runtime's globals and modules (profiles/: Kaluma 1.2.1, Espruino, or the generic emulator
// board), its heap budget enforced by measurement (heap-model.ts), a watchdog in board time, and a clock
// that advances by what the work would cost on the board (call-meter.ts, cost-model.ts), never by the
// host's wall clock. Its state is board-state.ts; its UART, pins and radio are peripherals/.
import type { QuickJSWASMModule } from 'quickjs-emscripten';
import { BoardFailure, BoardOptions, BoardState } from './board-state';
import { callBoard, newMeteredRuntime } from './call-meter';
import { evaluateConsoleLine, evaluateRepl, readStats } from './evaluate';
import { makeStatsReaders } from './stats-reader';
import { quickjsMemoryUsed } from './heap-model';
import { useDirectHostCalls } from './host-calls';
import { POLLS_PER_INTERRUPT, findPollCounter } from './poll-counter';
import { bytesHandle, bytesString, prepareMarshal, releaseMarshal } from './marshal';
import { raiseRadioInterrupt } from './peripherals/sx127x-bus';
import { installProfile } from './profiles/install';

/** The timers one runUntil fires at most (a bound on a program's own timers). */
const TIMERS_PER_RUN_MAX = 1000;

export class EmulatedBoard extends BoardState {
  constructor(private module: QuickJSWASMModule, options: BoardOptions) {
    super(options);
  }

  /** Loads (or reloads after a reset) the program: a fresh runtime, the profile, then the bundle. */
  load(program: string): void {
    this.program = program;
    this.boot();
  }

  private boot(): void {
    if (this.vm) {
      this.timers.dispose();
      this.uart.dispose();
      this.pins.dispose();
      this.frameHandler?.dispose();
      this.statsReader?.dispose();
      this.cryptoReader?.dispose();
      this.cryptoNames?.dispose();
      this.convolveCount?.dispose();
      releaseMarshal(this.vm);
      this.nativeCryptoModule?.dispose();
      this.vm.dispose();
      this.runtime.dispose();
    }
    this.frameHandler = null;
    this.convolveCount = null;
    this.nativeCryptoModule = null;
    this.nativeCryptoUsed = false;
    this.espruinoNativesCalled = { sha512: false, convolve: false };
    this.runtime = newMeteredRuntime(this.module, this);
    this.vm = this.runtime.newContext();
    useDirectHostCalls(this.vm);
    // A reboot starts its own call: the interrupted call's board time must not count against it (nor
    // the probe's, which runs before the counter is known).
    this.callStartInterrupts = this.work.interrupts;
    this.inCall = false;
    this.pollCounter = () => POLLS_PER_INTERRUPT;
    this.pollCounter = findPollCounter(this.vm, () => this.work.interrupts);
    this.callStartInterrupts = this.work.interrupts;
    this.callStartCounter = this.pollCounter();
    const readers = makeStatsReaders(this.vm);
    this.statsReader = readers.stats;
    this.cryptoReader = readers.crypto;
    this.cryptoNames = readers.cryptoNames;
    prepareMarshal(this.vm);
    this.heap.baselineBytes = quickjsMemoryUsed(this.runtime, this.vm);
    installProfile(this);
    const ran = callBoard(this, () => this.vm.evalCode(this.program, `${this.name}.js`), true);
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

  /**
   * A watchdog reset: the runtime is rebuilt and the stored program runs again; flash survives. A failure
   * on an interactive board (over its heap, or booting past the watchdog) stops the program instead:
   * its code and message go to the console and the runtime restarts without it, so the prompt stays.
   */
  resetIfPending(): void {
    if (this.stopPending !== null) {
      const failure = this.stopPending;
      this.stopPending = null;
      this.resetPending = false;
      this.stopProgram(failure);
      return;
    }
    if (!this.resetPending) return;
    this.resetPending = false;
    this.radioReads?.clear();
    this.boot();
  }

  private stopProgram(failure: BoardFailure | null): void {
    if (failure !== null) this.log.push(`[${failure.code}] ${failure.message}; the program is stopped`);
    this.program = '';
    this.boot();
  }

  lastCallBoardMs(): number {
    return this.callCostMs;
  }

  /** The firmware's counters through `smartchain.stats()` (evaluate.ts). */
  stats(): Record<string, number | string> {
    return readStats(this);
  }

  /** Evaluates a line as a REPL would, in board time; returns what it printed or the value (evaluate.ts). */
  evaluate(code: string): string {
    return evaluateRepl(this, code);
  }

  /** Evaluates console input: what it printed, and its value as text (or the error it threw). */
  evaluateConsole(code: string): { printed: string[]; value: string | null; error: string | null } {
    return evaluateConsoleLine(this, code);
  }

  nextTimerMs(): number {
    // Packets the program took out of its radio during its work reach it as soon as it is free.
    if (this.radio !== null && this.radioReads?.ready(this.radio)) return this.busyUntilMs;
    return Math.max(this.timers.nextAtMs(), this.busyUntilMs);
  }

  /** Fires the timers due by `nowMs`, one call each, in order; the board is busy while it works. */
  runUntil(nowMs: number): void {
    this.worldNowMs = nowMs;
    if (this.busyUntilMs <= nowMs) {
      // DIO0 raised while the board was busy is handled as soon as it is back in its event loop.
      this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
      raiseRadioInterrupt(this);
    }
    for (let fired = 0; fired < TIMERS_PER_RUN_MAX; fired++) {
      const due = this.timers.nextDue(nowMs);
      if (due === undefined) break;
      this.clockMs = Math.max(due.atMs, this.busyUntilMs);
      if (this.clockMs > nowMs) break;
      this.timers.fire(due, this.clockMs);
      try {
        callBoard(this, () => this.vm.callFunction(due.callback, this.vm.undefined));
      } finally {
        if (due.intervalMs === 0) due.callback.dispose();
      }
      this.resetIfPending();
      raiseRadioInterrupt(this);
    }
    this.clockMs = Math.max(this.clockMs, Math.min(nowMs, Math.max(nowMs, this.busyUntilMs)));
  }

  /** Bytes arriving on a UART port: delivered as the runtime does (Uint8Array on Kaluma, String on Espruino). */
  deliverUart(port: number, bytes: Uint8Array): void {
    const handler = this.uart.handlers.get(port);
    if (handler === undefined) return;
    // Bytes arriving while a Kaluma board is away from its event loop wait in its receive buffer.
    const delivered = this.profile === 'kaluma' ? this.uart.admitKaluma(bytes, this.worldNowMs, this.busyUntilMs) : bytes;
    if (delivered.length === 0) return;
    this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
    const argument = this.profile === 'espruino' ? bytesString(this.vm, delivered) : bytesHandle(this.vm, delivered);
    callBoard(this, () => this.vm.callFunction(handler, this.vm.undefined, argument));
    argument.dispose();
    this.resetIfPending();
  }

  /** A packet the radio received (RX continuous): into its FIFO, then DIO0 if the driver mapped RxDone. */
  deliverRadio(payload: Uint8Array, crcValid: boolean): void {
    if (this.radio !== null && this.radioReads !== null && this.radioReads.admit(this.radio, payload, crcValid, this.worldNowMs, this.worldNowMs < this.busyUntilMs)) {
      this.radioEvent(() => undefined);
      return;
    }
    this.radioEvent((radio) => radio.receive(payload, crcValid));
  }

  /** The radio's channel activity detection is over. */
  finishRadioCad(detected: boolean): void {
    this.radioEvent((radio) => radio.finishCad(detected));
  }

  /** The radio's packet has left the antenna: TxDone, then DIO0 if the driver mapped it. */
  finishRadioTransmit(): void {
    this.radioEvent((radio) => radio.finishTransmit(this.worldNowMs));
  }

  /**
   * An event of the radio hardware. A board away from its event loop (a call still running) sees DIO0
   * only when it returns: a received packet waits in the FIFO ring until then, the next ones after it.
   */
  private radioEvent(event: (radio: NonNullable<BoardState['radio']>) => void): void {
    if (this.radio === null) return;
    const overwritten = this.radio.overwritten;
    event(this.radio);
    // SMARTCHAIN_EMULATOR_TRACE: what the board was doing when a packet was written over (docs/simulation.md).
    if (process.env.SMARTCHAIN_EMULATOR_TRACE && this.radio.overwritten > overwritten) console.log(`${this.name} radio overwrite: last call ${this.callCostMs.toFixed(0)} ms, ${this.callFieldOps} field ops, ${this.callInterrupts} interrupts`);
    if (this.worldNowMs < this.busyUntilMs) return;
    this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
    raiseRadioInterrupt(this);
  }

  /** A frame on a link of the generic emulator board. */
  deliverFrame(link: number, frame: Uint8Array): void {
    if (this.frameHandler === null) return;
    this.clockMs = Math.max(this.clockMs, this.busyUntilMs);
    const argument = bytesHandle(this.vm, frame);
    const linkHandle = this.vm.newNumber(link);
    const handler = this.frameHandler;
    callBoard(this, () => this.vm.callFunction(handler, this.vm.undefined, linkHandle, argument));
    argument.dispose();
    this.resetIfPending();
  }
}
