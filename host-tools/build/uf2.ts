// Writes a flat RP2040 flash image (.bin) as UF2, the format the Pico's boot ROM takes over USB mass
// storage (github.com/microsoft/uf2, README "File format"): 512-byte blocks, each carrying 256 bytes of
// payload at consecutive addresses from the start of XIP flash, with the RP2040 family id.
import { readFileSync, writeFileSync } from 'node:fs';

const UF2_MAGIC_START0 = 0x0a324655;
const UF2_MAGIC_START1 = 0x9e5d5157;
const UF2_MAGIC_END = 0x0ab16f30;
const UF2_FLAG_FAMILY_ID_PRESENT = 0x00002000;
const UF2_BLOCK_BYTES = 512;
const UF2_DATA_BYTES_MAX = 476;
export const UF2_PAYLOAD_BYTES = 256;
export const RP2040_FLASH_BASE = 0x10000000;
export const RP2040_FAMILY_ID = 0xe48bff56;
/** The Pico's flash is 2 MB: a larger image cannot be written. */
export const RP2040_FLASH_BYTES_MAX = 2 * 1024 * 1024;

/** UF2 blocks of `image` placed from `base`; the last payload is padded with zeros to 256 bytes. */
export function binToUf2(image: Uint8Array, base = RP2040_FLASH_BASE, familyId = RP2040_FAMILY_ID): Uint8Array {
  if (image.length === 0) throw new Error('UF2_EMPTY_IMAGE: the image has no bytes');
  if (image.length > RP2040_FLASH_BYTES_MAX) throw new Error(`UF2_IMAGE_TOO_LARGE: ${image.length} bytes, at most ${RP2040_FLASH_BYTES_MAX}`);
  const blocks = Math.ceil(image.length / UF2_PAYLOAD_BYTES);
  const output = new Uint8Array(blocks * UF2_BLOCK_BYTES);
  const view = new DataView(output.buffer);
  for (let block = 0; block < blocks; block++) {
    const at = block * UF2_BLOCK_BYTES;
    view.setUint32(at, UF2_MAGIC_START0, true);
    view.setUint32(at + 4, UF2_MAGIC_START1, true);
    view.setUint32(at + 8, UF2_FLAG_FAMILY_ID_PRESENT, true);
    view.setUint32(at + 12, base + block * UF2_PAYLOAD_BYTES, true);
    view.setUint32(at + 16, UF2_PAYLOAD_BYTES, true);
    view.setUint32(at + 20, block, true);
    view.setUint32(at + 24, blocks, true);
    view.setUint32(at + 28, familyId, true);
    output.set(image.subarray(block * UF2_PAYLOAD_BYTES, (block + 1) * UF2_PAYLOAD_BYTES), at + 32);
    view.setUint32(at + 32 + UF2_DATA_BYTES_MAX, UF2_MAGIC_END, true);
  }
  return output;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output] = process.argv.slice(2);
  if (input === undefined || output === undefined) {
    console.error('usage: node --import tsx host-tools/build/uf2.ts IMAGE.bin OUTPUT.uf2');
    process.exit(2);
  }
  writeFileSync(output, binToUf2(readFileSync(input)));
}
