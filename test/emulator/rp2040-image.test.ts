// Reading RP2040 firmware images for the rp2040 engine (host-tools/emulator/rp2040/image.ts) and the boot
// ROM breakpoints of its flash routines (flash-rom.ts): good images in both formats, every rejection.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { patchBootrom, ROM_FLASH_RANGE_ERASE, ROM_FLASH_RANGE_PROGRAM } from '../../host-tools/emulator/rp2040/flash-rom';
import { boot2Crc, crc32Mpeg2, FLASH_BYTES, flashFromUf2, ImageError, readImage } from '../../host-tools/emulator/rp2040/image';

/** A 1 KB image: a boot2 of 252 pattern bytes and its CRC, then a marker. */
function image(): Uint8Array {
  const bytes = new Uint8Array(1024).map((_, index) => (index * 7) & 0xff);
  new DataView(bytes.buffer).setUint32(252, boot2Crc(bytes), true);
  return bytes;
}

/** UF2 blocks (github.com/microsoft/uf2 "File format") of 256 payload bytes each from 0x10000000. */
function uf2(flash: Uint8Array, family = 0xe48bff56): Uint8Array {
  const blocks = Math.ceil(flash.length / 256);
  const out = new Uint8Array(blocks * 512);
  const view = new DataView(out.buffer);
  for (let block = 0; block < blocks; block++) {
    const at = block * 512;
    view.setUint32(at, 0x0a324655, true);
    view.setUint32(at + 4, 0x9e5d5157, true);
    view.setUint32(at + 8, 0x00002000, true);
    view.setUint32(at + 12, 0x10000000 + block * 256, true);
    view.setUint32(at + 16, 256, true);
    view.setUint32(at + 20, block, true);
    view.setUint32(at + 24, blocks, true);
    view.setUint32(at + 28, family, true);
    out.set(flash.subarray(block * 256, block * 256 + 256), at + 32);
    view.setUint32(at + 508, 0x0ab16f30, true);
  }
  return out;
}

const rejects = (bytes: Uint8Array, code: string) => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-image-'));
  try {
    writeFileSync(join(directory, 'image'), bytes);
    assert.throws(() => readImage(join(directory, 'image')), (error: Error) => error instanceof ImageError && error.code === code, code);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
};

test('CRC-32/MPEG-2 matches its published check value', () => {
  assert.is(crc32Mpeg2(new TextEncoder().encode('123456789')), 0x0376e6e7);
});

test('a .bin and the same image as UF2 read to the same flash bytes', () => {
  const directory = mkdtempSync(join(tmpdir(), 'smartchain-image-'));
  try {
    writeFileSync(join(directory, 'a.bin'), image());
    writeFileSync(join(directory, 'a.uf2'), uf2(image()));
    assert.equal(readImage(join(directory, 'a.bin')), image());
    assert.equal(readImage(join(directory, 'a.uf2')), image());
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('blocks of another chip family are skipped; bad UF2 files are rejected with a code', () => {
  assert.throws(() => flashFromUf2(uf2(image(), 0x68ed2b88)), /IMAGE_EMPTY/);
  rejects(uf2(image()).subarray(0, 700), 'IMAGE_UF2_LENGTH');
  const badMagic = uf2(image());
  badMagic[512 + 508] ^= 1;
  rejects(badMagic, 'IMAGE_UF2_MAGIC');
  const outside = uf2(image());
  new DataView(outside.buffer).setUint32(512 + 12, 0x10000000 + FLASH_BYTES, true);
  rejects(outside, 'IMAGE_UF2_ADDRESS');
  const oversized = uf2(image());
  new DataView(oversized.buffer).setUint32(16, 477, true);
  rejects(oversized, 'IMAGE_UF2_BLOCK');
});

test('a file that is not a Pico image (no valid boot2), too short or too large, is rejected', () => {
  const corrupt = image();
  corrupt[10] ^= 0xff;
  rejects(corrupt, 'IMAGE_NO_BOOT2');
  rejects(new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n'), 'IMAGE_NO_BOOT2');
  rejects(new Uint8Array(0), 'IMAGE_NO_BOOT2');
  rejects(new Uint8Array(FLASH_BYTES + 1), 'IMAGE_TOO_LARGE');
});

test('the boot ROM gets a breakpoint at each flash routine and nothing else changes', () => {
  const rom = new Uint32Array(4096).map((_, index) => (index * 2654435761) >>> 0);
  const patched = patchBootrom(rom);
  let changed = 0;
  for (let index = 0; index < rom.length; index++) if (rom[index] !== patched[index]) changed++;
  assert.is(changed, 2);
  assert.is(patched[ROM_FLASH_RANGE_ERASE / 4] & 0xff00, 0xbe00, 'BKPT');
  assert.is(patched[ROM_FLASH_RANGE_PROGRAM / 4] & 0xff00, 0xbe00, 'BKPT');
  assert.is(patched[ROM_FLASH_RANGE_PROGRAM / 4] >>> 16, rom[ROM_FLASH_RANGE_PROGRAM / 4] >>> 16, 'the high half-word is kept');
});

test.run();
