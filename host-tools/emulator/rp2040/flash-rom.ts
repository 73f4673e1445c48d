// The RP2040 B1 boot ROM's flash routines, performed on rp2040js's simulated flash. rp2040js 1.4.1 runs
// the ROM but models no QSPI flash commands, so the ROM's erase and program would silently do nothing.
// We put a BKPT at each routine's entry (B1 addresses: flash_range_erase at 0x237c, flash_range_program
// at 0x23c4; RP2040 datasheet §2.8.3.1.3 gives their arguments) and do their work when the core stops
// there, then return to the caller. Time passes as the Pico's W25Q16JV flash takes (datasheet §9.6, typical).
import type { RP2040 } from 'rp2040js';
import { FLASH_BYTES } from './image';

export const ROM_FLASH_RANGE_ERASE = 0x237c;
export const ROM_FLASH_RANGE_PROGRAM = 0x23c4;
const BKPT_ERASE = 0xbe01;
const BKPT_PROGRAM = 0xbe02;
const SECTOR_BYTES = 4096;
const PAGE_BYTES = 256;
/** W25Q16JV typical times (datasheet §9.6): page program 0.4 ms, 4 KB sector erase 45 ms, 64 KB block erase 150 ms. */
const PAGE_PROGRAM_NS = 400_000;
const SECTOR_ERASE_NS = 45_000_000;
const BLOCK_ERASE_NS = 150_000_000;
const BLOCK_64K_BYTES = 65536;
const LR = 14;

/** A copy of the boot ROM with a breakpoint at the entry of each flash routine we perform. */
export function patchBootrom(bootrom: Uint32Array): Uint32Array {
  const patched = bootrom.slice();
  for (const [address, instruction] of [[ROM_FLASH_RANGE_ERASE, BKPT_ERASE], [ROM_FLASH_RANGE_PROGRAM, BKPT_PROGRAM]]) {
    // Both entries are word aligned: the breakpoint replaces the low half-word (little-endian Thumb).
    if (address % 4 !== 0) throw new Error(`invariant: ROM routine 0x${address.toString(16)} is word aligned`);
    patched[address / 4] = (patched[address / 4] & 0xffff0000) | instruction;
  }
  return patched;
}

export type FlashActivity = { erasedBytes: number; programmedBytes: number; onChange?: () => void };

/**
 * Handles a breakpoint: when it was one of ours, does the routine, puts the core back at its caller and
 * returns the nanoseconds the flash chip takes (the caller advances the clock); otherwise returns null.
 * Bytes beyond the 2 MiB part are ignored, as the chip would.
 */
export function performFlashRoutine(mcu: RP2040, activity: FlashActivity): number | null {
  const core = mcu.core;
  const entry = (core.PC - 2) >>> 0;
  const r = core.registers;
  if (entry === ROM_FLASH_RANGE_ERASE) {
    // flash_range_erase(addr, count, block_size, block_cmd): block erases where aligned, else 4 KB sectors.
    let address = r[0] >>> 0;
    const end = Math.min(address + (r[1] >>> 0), FLASH_BYTES);
    const blockBytes = r[2] >>> 0;
    let nanos = 0;
    address -= address % SECTOR_BYTES;
    while (address < end) {
      const block = blockBytes === BLOCK_64K_BYTES && address % blockBytes === 0 && end - address >= blockBytes;
      const length = block ? blockBytes : SECTOR_BYTES;
      mcu.flash.fill(0xff, address, Math.min(address + length, FLASH_BYTES));
      activity.erasedBytes += length;
      nanos += block ? BLOCK_ERASE_NS : SECTOR_ERASE_NS;
      address += length;
    }
    return finish(mcu, nanos, activity);
  }
  if (entry === ROM_FLASH_RANGE_PROGRAM) {
    // flash_range_program(addr, data, count): programming only clears bits (NOR flash), hence the AND.
    const address = r[0] >>> 0;
    const data = r[1] >>> 0;
    const count = Math.max(0, Math.min(r[2] >>> 0, FLASH_BYTES - address));
    for (let index = 0; index < count; index++) mcu.flash[address + index] &= mcu.readUint8(data + index);
    activity.programmedBytes += count;
    return finish(mcu, Math.ceil(count / PAGE_BYTES) * PAGE_PROGRAM_NS, activity);
  }
  return null;
}

function finish(mcu: RP2040, nanos: number, activity: FlashActivity): number {
  mcu.core.PC = mcu.core.registers[LR] & ~1;
  activity.onChange?.();
  return nanos;
}
