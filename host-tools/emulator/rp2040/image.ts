// Reads an RP2040 firmware image into the bytes it puts in flash (offset 0 = XIP address 0x10000000).
// UF2 follows Microsoft's UF2 format (github.com/microsoft/uf2, README "File format"): 512-byte blocks,
// magics 0x0A324655, 0x9E5D5157 and 0x0AB16F30, payload address and size in each block; only blocks
// flagged with the RP2040 family id (0xe48bff56) or carrying no family id are taken. A .bin is the flash
// image itself. Either must start with the second-stage boot loader the boot ROM checks.
import { readFileSync } from 'node:fs';

export const FLASH_XIP_BASE = 0x10000000;
/** The Pico's flash (W25Q16JV): 2 MiB. An image larger than this cannot be a Pico image. */
export const FLASH_BYTES = 2 * 1024 * 1024;
const UF2_BLOCK_BYTES = 512;
const UF2_MAGIC_START0 = 0x0a324655;
const UF2_MAGIC_START1 = 0x9e5d5157;
const UF2_MAGIC_END = 0x0ab16f30;
const UF2_FLAG_NOT_MAIN_FLASH = 0x00000001;
const UF2_FLAG_FAMILY_ID = 0x00002000;
const RP2040_FAMILY_ID = 0xe48bff56;
const UF2_PAYLOAD_BYTES_MAX = 476;
const BOOT2_BYTES = 256;

export class ImageError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

/** Whether the bytes start like a UF2 file (first block's two start magics). */
export function isUf2(bytes: Uint8Array): boolean {
  if (bytes.length < UF2_BLOCK_BYTES) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(0, true) === UF2_MAGIC_START0 && view.getUint32(4, true) === UF2_MAGIC_START1;
}

/** The flash contents a UF2 file describes, from offset 0 up to its last written byte. */
export function flashFromUf2(bytes: Uint8Array): Uint8Array {
  if (bytes.length % UF2_BLOCK_BYTES !== 0) throw new ImageError('IMAGE_UF2_LENGTH', `a UF2 file is whole 512-byte blocks; this one has ${bytes.length} bytes`);
  const flash = new Uint8Array(FLASH_BYTES).fill(0xff);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = 0;
  const blocks = bytes.length / UF2_BLOCK_BYTES;
  for (let block = 0; block < blocks; block++) {
    const at = block * UF2_BLOCK_BYTES;
    const magicsOk = view.getUint32(at, true) === UF2_MAGIC_START0 && view.getUint32(at + 4, true) === UF2_MAGIC_START1 && view.getUint32(at + 508, true) === UF2_MAGIC_END;
    if (!magicsOk) throw new ImageError('IMAGE_UF2_MAGIC', `block ${block} lacks the UF2 magic numbers`);
    const flags = view.getUint32(at + 8, true);
    if (flags & UF2_FLAG_NOT_MAIN_FLASH) continue;
    if (flags & UF2_FLAG_FAMILY_ID && view.getUint32(at + 28, true) !== RP2040_FAMILY_ID) continue;
    const address = view.getUint32(at + 12, true);
    const size = view.getUint32(at + 16, true);
    if (size > UF2_PAYLOAD_BYTES_MAX) throw new ImageError('IMAGE_UF2_BLOCK', `block ${block} claims ${size} payload bytes (at most ${UF2_PAYLOAD_BYTES_MAX})`);
    const offset = address - FLASH_XIP_BASE;
    if (offset < 0 || offset + size > FLASH_BYTES) throw new ImageError('IMAGE_UF2_ADDRESS', `block ${block} writes 0x${address.toString(16)}, outside the Pico's 2 MiB flash`);
    flash.set(bytes.subarray(at + 32, at + 32 + size), offset);
    end = Math.max(end, offset + size);
  }
  if (end === 0) throw new ImageError('IMAGE_EMPTY', 'the UF2 file has no RP2040 flash blocks');
  return flash.slice(0, end);
}

/** CRC-32/MPEG-2 (polynomial 0x04c11db7, MSB first, init 0xffffffff, no reflection, no final XOR). */
export function crc32Mpeg2(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let index = 0; index < bytes.length; index++) {
    crc ^= bytes[index] << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

/** The second-stage boot loader's check (RP2040 datasheet §2.8.1.3.1): CRC-32/MPEG-2 of its first 252 bytes. */
export function boot2Crc(bytes: Uint8Array): number {
  return crc32Mpeg2(bytes.subarray(0, BOOT2_BYTES - 4));
}

/**
 * Reads a .uf2 or .bin firmware image (told apart by content, not by name). The boot ROM runs an image
 * only when its first 256 bytes are a second-stage boot loader with a valid CRC; so do we.
 */
export function readImage(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  const flash = isUf2(bytes) ? flashFromUf2(bytes) : bytes;
  if (flash.length > FLASH_BYTES) throw new ImageError('IMAGE_TOO_LARGE', `${path} has ${flash.length} bytes, more than the Pico's ${FLASH_BYTES} bytes of flash`);
  if (flash.length < BOOT2_BYTES) throw new ImageError('IMAGE_NO_BOOT2', `${path} is shorter than the 256-byte second-stage boot loader an RP2040 image starts with`);
  const stored = new DataView(flash.buffer, flash.byteOffset, flash.byteLength).getUint32(BOOT2_BYTES - 4, true);
  if (boot2Crc(flash) !== stored) throw new ImageError('IMAGE_NO_BOOT2', `${path} does not start with an RP2040 second-stage boot loader (its CRC does not match): not a Pico image`);
  return flash;
}
