// Boots a Kaluma image in rp2040js (the RP2040 B1 boot ROM from ../shared/upstream/rp2040/) and evaluates
// expressions over its USB serial REPL, with board time from the simulator's clock. Input is typed one
// character at a time, each after the previous one is echoed: Kaluma's REPL drops what arrives faster.
// Minimal on purpose (no flash writes, no pseudo-terminal): the full engine is `emulate --engine rp2040`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { ConsoleLogger, LogLevel, RP2040, Simulator, USBCDC } from 'rp2040js';

const ROOT = resolve(import.meta.dirname, '../..');
export const BOOTROM_PATH = resolve(ROOT, '../shared/upstream/rp2040/bootrom-b1.js');
/** rp2040js's Simulator ticks 8 ns per cycle: the RP2040 at 125 MHz, the clock Kaluma's pico-sdk sets. */
export const CYCLE_NANOS = 8;
/** Instructions run between checks of the output (small enough to see an echo promptly). */
const STEP_INSTRUCTIONS = 2_000;
/** How long a typed character may take to echo, in board time. */
const ECHO_NANOS_MAX = 50_000_000;
/** The longest a boot may take before the prompt, in board time. */
const BOOT_NANOS_MAX = 10_000_000_000;
const CURSOR_POSITION_REQUEST = '\u001b[6n';
/** A terminal of 24 rows and 200 columns (VT100 cursor position report). */
const CURSOR_POSITION_REPORT = '\u001b[24;200R';
/** How long the board must print nothing after its prompt before typing starts. */
const BOOT_QUIET_NANOS = 500_000_000;
/** The longest line typed at once: Kaluma's REPL buffer (targets/rp2/boards/pico/board.h) is 1024 bytes. */
export const REPL_LINE_BYTES_MAX = 1000;

export type Evaluation = { text: string; boardNanos: number; cycles: number };

export class KalumaBoard {
  readonly mcu: RP2040;
  readonly clock: Simulator['clock'];
  private readonly cdc: USBCDC;
  private output = '';
  private heldReadBytes: number | null = null;
  private releaseHeldRead: () => void = () => {};
  /** Answers to send to the board at the next check (not from inside rp2040js's USB callback). */
  private readonly pending: string[] = [];

  constructor(image: Uint8Array, flashExtras: { offset: number; bytes: Uint8Array }[] = []) {
    if (!existsSync(BOOTROM_PATH)) throw new Error(`BOOTROM_MISSING: ${BOOTROM_PATH}`);
    const { bootromB1 } = createRequire(import.meta.url)(BOOTROM_PATH) as { bootromB1: Uint32Array };
    // The Simulator only for its chip and clock: this class runs the instruction loop itself.
    const simulator = new Simulator();
    this.clock = simulator.clock;
    this.mcu = simulator.rp2040;
    this.mcu.logger = new ConsoleLogger(LogLevel.Error);
    this.mcu.loadBootrom(bootromB1);
    this.mcu.flash.set(image, 0);
    for (const extra of flashExtras) this.mcu.flash.set(extra.bytes, extra.offset);
    this.mcu.core.PC = 0x10000000;
    this.cdc = new USBCDC(this.mcu.usbCtrl);
    this.holdEmptyReads();
    this.cdc.onDeviceConnected = () => this.send('\r');
    this.cdc.onSerialData = (bytes) => {
      const text = Buffer.from(bytes).toString('latin1');
      this.output += text;
      // Kaluma asks the terminal for its cursor position (ESC [ 6 n) after each prompt, to learn its width.
      if (text.includes(CURSOR_POSITION_REQUEST)) this.pending.push(CURSOR_POSITION_REPORT);
    };
  }

  /**
   * rp2040js's USBCDC answers the device's every OUT read at once, with zero bytes when it has nothing to
   * send, and TinyUSB re-arms at once: an interrupt storm that took about two thirds of the board's
   * cycles while it computed. A real host NAKs until it has data; so does this: an empty read is held and
   * answered when the next byte is typed.
   */
  private holdEmptyReads(): void {
    const cdc = this.cdc as unknown as { outEndpoint: number; txFIFO: { itemCount: number; pull(): number } };
    const usb = this.mcu.usbCtrl;
    usb.onEndpointRead = (endpoint, size) => {
      if (endpoint !== cdc.outEndpoint) return;
      if (cdc.txFIFO.itemCount === 0) {
        this.heldReadBytes = size;
        return;
      }
      const buffer = new Uint8Array(Math.min(size, cdc.txFIFO.itemCount));
      for (let index = 0; index < buffer.length; index++) buffer[index] = cdc.txFIFO.pull();
      usb.endpointReadDone(endpoint, buffer);
    };
    this.releaseHeldRead = () => {
      if (this.heldReadBytes === null) return;
      const size = this.heldReadBytes;
      this.heldReadBytes = null;
      usb.onEndpointRead!(cdc.outEndpoint, size);
    };
  }

  /** Queues characters to the board's USB serial (the host side of the CDC link). */
  private send(text: string): void {
    for (const character of text) this.cdc.sendSerialByte(character.charCodeAt(0));
    this.releaseHeldRead();
  }

  get boardNanos(): number {
    return this.clock.nanos;
  }

  /** Runs the board until `done` holds or `nanosMax` of board time passes; returns whether it held. */
  runUntil(done: () => boolean, nanosMax: number): boolean {
    const { mcu, clock } = this;
    const deadline = clock.nanos + nanosMax;
    while (clock.nanos < deadline) {
      for (let step = 0; step < STEP_INSTRUCTIONS; step++) {
        if (mcu.core.waiting) {
          const wait = clock.nanosToNextAlarm;
          clock.tick(wait > 0 ? wait : CYCLE_NANOS);
        } else {
          clock.tick(mcu.core.executeInstruction() * CYCLE_NANOS);
        }
      }
      for (const text of this.pending.splice(0)) this.send(text);
      if (done()) return true;
    }
    return false;
  }

  /**
   * Boots to Kaluma's prompt ("> " and its terminal-size query), then waits until the board stays quiet
   * for BOOT_QUIET_NANOS: the first prompt comes before the file system's start-up messages and a prompt
   * again after them, and characters typed in between are lost.
   */
  boot(): void {
    const prompt = `> \u001b[H\u001b[900C${CURSOR_POSITION_REQUEST}`;
    const deadline = this.clock.nanos + BOOT_NANOS_MAX;
    let seen = -1;
    while (this.clock.nanos < deadline) {
      if (!this.runUntil(() => this.output.includes(prompt), deadline - this.clock.nanos)) break;
      if (this.output.length === seen) return;
      seen = this.output.length;
      this.runUntil(() => false, BOOT_QUIET_NANOS);
    }
    throw new Error(`BOOT_TIMEOUT: no quiet prompt after ${BOOT_NANOS_MAX / 1e9} s of board time; output: ${JSON.stringify(this.output.slice(-200))}`);
  }

  /** Types one line, paced by its echo, and presses return. */
  private type(line: string): void {
    if (line.length > REPL_LINE_BYTES_MAX) throw new Error(`LINE_TOO_LONG: ${line.length} bytes, at most ${REPL_LINE_BYTES_MAX}`);
    for (const character of line) {
      const before = this.output.length;
      this.send(character);
      if (!this.runUntil(() => this.output.length > before, ECHO_NANOS_MAX)) throw new Error(`ECHO_TIMEOUT: ${JSON.stringify(character)} not echoed`);
    }
  }

  /** Runs a statement (definitions); a thrown error on the board is an error here. */
  define(statement: string, nanosMax = 60_000_000_000): void {
    this.output = '';
    this.type(statement);
    this.send('\r');
    if (!this.runUntil(() => /\n[^\n]*> $/.test(this.output), nanosMax)) throw new Error(`DEFINE_TIMEOUT: ${statement.slice(0, 80)}`);
    if (/Error/.test(this.output.slice(statement.length))) throw new Error(`DEFINE_FAILED: ${statement.slice(0, 80)}: ${JSON.stringify(this.output.slice(statement.length, statement.length + 300))}`);
  }

  /**
   * Evaluates `expression` on the board and returns what it printed between markers, with the board
   * time and cycles from the moment return is pressed to the marker's arrival.
   */
  evaluate(expression: string, nanosMax = 120_000_000_000): Evaluation {
    // The marker is joined on the board, so the echoed line does not contain it.
    const tag = Math.floor(Math.random() * 1e9).toString(36);
    this.output = '';
    this.type(`console.log('<'+'${tag}>'+(${expression})+'</'+'${tag}>')`);
    const startNanos = this.clock.nanos;
    const startCycles = this.mcu.core.cycles;
    this.send('\r');
    const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`);
    if (!this.runUntil(() => pattern.test(this.output), nanosMax)) {
      throw new Error(`EVALUATE_TIMEOUT: ${expression.slice(0, 80)}; output: ${JSON.stringify(this.output.slice(-300))}`);
    }
    const result = { text: pattern.exec(this.output)![1], boardNanos: this.clock.nanos - startNanos, cycles: this.mcu.core.cycles - startCycles };
    this.runUntil(() => this.output.endsWith('> '), ECHO_NANOS_MAX);
    return result;
  }
}
