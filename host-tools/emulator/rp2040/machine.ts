// One Raspberry Pi Pico in rp2040js: the RP2040 with the B1 boot ROM, a firmware image in its 2 MiB
// flash, the boot ROM's flash routines performed on that flash (flash-rom.ts), GPIO22 held high (Kaluma's
// safe-boot pin, pulled up on the board; rp2040js models no pull-ups), and its USB serial. Board time is
// the simulator's clock (125 MHz, one tick per instruction cycle), never the host's.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConsoleLogger, LogLevel, RP2040, Simulator } from 'rp2040js';
import { FLASH_BYTES, FLASH_XIP_BASE } from './image';
import { FlashActivity, patchBootrom, performFlashRoutine } from './flash-rom';
import { UsbSerial } from './usb-serial';

/** Kaluma 1.2.1's pico flash map (targets/rp2/boards/pico/board.h): firmware below 0xFC000, then data. */
export const KALUMA_DATA_OFFSET = 0xfc000;
export const KALUMA_PROGRAM_OFFSET = 0x100000;
export const KALUMA_PROGRAM_BYTES_MAX = 128 * 4096;
/** Kaluma's safe-boot pin (SCR_LOAD_GPIO): the stored program runs only while it reads high. */
export const SAFE_BOOT_GPIO = 22;
const CYCLE_NS = 8; // 125 MHz, the clock pico-sdk 2.1.0 sets for the RP2040 (as rp2040js's Simulator assumes)
/** Instructions between checks of the host's wall clock in `runUntil`. */
const INSTRUCTIONS_PER_CHECK = 100_000;

export class MachineError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

export type MachineOptions = {
  name: string;
  image: Uint8Array;
  bootrom: Uint32Array;
  /** Where the data region (storage, program, filesystem) is kept across runs; read at start if present. */
  flashFile?: string;
  /** Hold GPIO22 high (run the stored program at boot). Default true, as on a Pico with nothing on GP22. */
  safeBootHigh?: boolean;
};

export class Rp2040Machine {
  readonly name: string;
  mcu!: RP2040;
  serial!: UsbSerial;
  private clock!: Simulator['clock'];
  /** Board time of earlier power cycles: the clock restarts with the chip. */
  private offsetNanos = 0;
  private bootrom: Uint32Array;
  readonly flashActivity: FlashActivity = { erasedBytes: 0, programmedBytes: 0 };
  /** Set when the core stops at a breakpoint that is not one of the ROM routines (a firmware panic). */
  halted: string | null = null;
  /** Everything the device sent on its USB serial goes here; set by whoever owns the host side. */
  onSerial: (bytes: Uint8Array) => void = () => {};
  /** Called after each power-up with the new chip, so wiring (UARTs) can attach to it. */
  onPowerUp: (mcu: RP2040) => void = () => {};
  private flashDirty = false;

  constructor(private options: MachineOptions) {
    this.name = options.name;
    if (options.image.length > KALUMA_DATA_OFFSET) throw new MachineError('IMAGE_TOO_LARGE', `the image has ${options.image.length} bytes; Kaluma's firmware area ends at 0x${KALUMA_DATA_OFFSET.toString(16)}`);
    this.bootrom = patchBootrom(options.bootrom);
    this.flashActivity.onChange = () => {
      this.flashDirty = true;
    };
    const flash = new Uint8Array(FLASH_BYTES).fill(0xff);
    flash.set(options.image, 0);
    if (options.flashFile !== undefined && existsSync(options.flashFile)) {
      const data = readFileSync(options.flashFile);
      if (data.length !== FLASH_BYTES - KALUMA_DATA_OFFSET) throw new MachineError('FLASH_FILE_LENGTH', `${options.flashFile} has ${data.length} bytes; a Pico's data region has ${FLASH_BYTES - KALUMA_DATA_OFFSET}`);
      flash.set(data, KALUMA_DATA_OFFSET);
    }
    this.powerUp(flash);
  }

  /** Board time in nanoseconds since the machine was first powered. */
  get nowNanos(): number {
    return this.offsetNanos + this.clock.nanos;
  }

  get nowMs(): number {
    return this.nowNanos / 1e6;
  }

  /** Removes power and restores it: RAM and peripherals start over, flash keeps what was written. */
  powerCycle(): void {
    const flash = this.mcu.flash.slice(0, FLASH_BYTES);
    this.offsetNanos += this.clock.nanos;
    this.powerUp(flash);
  }

  private powerUp(flash: Uint8Array): void {
    // rp2040js's Simulator only pairs a chip with its simulation clock here; we run the core ourselves.
    const simulator = new Simulator();
    this.clock = simulator.clock;
    this.mcu = simulator.rp2040;
    // rp2040js logs every USB transfer and SEV at its default level; only errors matter here.
    this.mcu.logger = new ConsoleLogger(LogLevel.Error);
    this.mcu.loadBootrom(this.bootrom);
    this.mcu.flash.set(flash, 0);
    this.mcu.onBreak = (code) => {
      const nanos = performFlashRoutine(this.mcu, this.flashActivity);
      if (nanos === null) this.halted = `breakpoint ${code} at 0x${((this.mcu.core.PC - 2) >>> 0).toString(16)}`;
      else this.clock.tick(nanos);
    };
    this.mcu.gpio[SAFE_BOOT_GPIO].setInputValue(this.options.safeBootHigh ?? true);
    this.serial = new UsbSerial(this.mcu.usbCtrl, (bytes) => this.onSerial(bytes));
    this.halted = null;
    // As rp2040js's own demo boots an image: straight into the second-stage boot loader at the start of flash.
    this.mcu.core.PC = FLASH_XIP_BASE;
    this.onPowerUp(this.mcu);
  }

  /**
   * Runs until board time `untilNanos` (or until `wallMsMax` of host time has passed).
   * Returns the board time reached.
   */
  runUntil(untilNanos: number, wallMsMax = Infinity): number {
    const target = untilNanos - this.offsetNanos;
    const { mcu, clock } = this;
    const core = mcu.core;
    const wallEnd = Date.now() + wallMsMax;
    while (clock.nanos < target) {
      // A halted core executes nothing, but time and the peripherals go on, as on the chip.
      if (this.halted !== null) clock.tick(target - clock.nanos);
      this.serial.pump();
      for (let count = 0; count < INSTRUCTIONS_PER_CHECK && clock.nanos < target && this.halted === null; count++) {
        if (core.waiting) {
          // Asleep (WFI/WFE): jump to the next timer event, or to the end of the slice if there is none.
          const next = clock.nanosToNextAlarm;
          clock.tick(next > 0 ? Math.min(next, target - clock.nanos) : target - clock.nanos);
        } else {
          try {
            clock.tick(core.executeInstruction() * CYCLE_NS);
          } catch (error) {
            // rp2040js throws where the chip would fault (an unaligned word read, an undefined access).
            this.halted = `fault at 0x${(core.PC >>> 0).toString(16)}: ${(error as Error).message}`;
          }
        }
      }
      if (Date.now() >= wallEnd) break;
    }
    return this.nowNanos;
  }

  /** Calls `callback` after `deltaNanos` of board time (lost if the board is power-cycled first). */
  schedule(deltaNanos: number, callback: () => void): void {
    this.clock.createAlarm(callback).schedule(deltaNanos);
  }

  /** Writes a program where `kaluma write` puts it (NUL-terminated at 0x100000), without the REPL. */
  storeProgram(source: string): void {
    const bytes = Buffer.from(source, 'utf8');
    if (bytes.includes(0)) throw new MachineError('PROGRAM_NUL', 'Kaluma stores the program NUL-terminated: it cannot contain a NUL byte');
    if (bytes.length + 1 > KALUMA_PROGRAM_BYTES_MAX) throw new MachineError('PROGRAM_TOO_LARGE', `${bytes.length} bytes; Kaluma's program area holds ${KALUMA_PROGRAM_BYTES_MAX - 1}`);
    this.mcu.flash.fill(0xff, KALUMA_PROGRAM_OFFSET, KALUMA_PROGRAM_OFFSET + KALUMA_PROGRAM_BYTES_MAX);
    this.mcu.flash.set(bytes, KALUMA_PROGRAM_OFFSET);
    this.mcu.flash[KALUMA_PROGRAM_OFFSET + bytes.length] = 0;
    this.flashDirty = true;
  }

  /** Writes the data region to the flash file, if there is one and anything changed. */
  saveFlash(): void {
    if (this.options.flashFile === undefined || !this.flashDirty) return;
    writeFileSync(this.options.flashFile, this.mcu.flash.subarray(KALUMA_DATA_OFFSET, FLASH_BYTES));
    this.flashDirty = false;
  }
}
