// The UF2 writer: block layout by the UF2 specification, and byte-for-byte equal to the stock Kaluma
// 1.2.1 .uf2 in ../shared/upstream/ when that is present.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binToUf2, RP2040_FAMILY_ID, RP2040_FLASH_BASE, RP2040_FLASH_BYTES_MAX, UF2_PAYLOAD_BYTES } from '../../host-tools/build/uf2';

const STOCK = resolve(import.meta.dirname, '../../../shared/upstream/kaluma/kaluma-rp2-pico-1.2.1-stock');

test('each 512-byte block carries 256 bytes at the next address, with the RP2040 family id; the tail is padded', () => {
  const image = Uint8Array.from({ length: 600 }, (_, index) => index & 0xff);
  const uf2 = binToUf2(image);
  const view = new DataView(uf2.buffer);
  assert.is(uf2.length, 3 * 512);
  for (let block = 0; block < 3; block++) {
    const at = block * 512;
    assert.is(view.getUint32(at, true), 0x0a324655);
    assert.is(view.getUint32(at + 4, true), 0x9e5d5157);
    assert.is(view.getUint32(at + 8, true), 0x2000);
    assert.is(view.getUint32(at + 12, true), RP2040_FLASH_BASE + block * UF2_PAYLOAD_BYTES);
    assert.is(view.getUint32(at + 16, true), UF2_PAYLOAD_BYTES);
    assert.is(view.getUint32(at + 20, true), block);
    assert.is(view.getUint32(at + 24, true), 3);
    assert.is(view.getUint32(at + 28, true), RP2040_FAMILY_ID);
    assert.is(view.getUint32(at + 508, true), 0x0ab16f30);
  }
  assert.equal([...uf2.subarray(2 * 512 + 32, 2 * 512 + 32 + 88)], [...image.subarray(512)]);
  assert.ok(uf2.subarray(2 * 512 + 32 + 88, 2 * 512 + 32 + 256).every((byte) => byte === 0));
});

test('an empty image or one larger than the flash is refused with a code', () => {
  assert.throws(() => binToUf2(new Uint8Array(0)), /UF2_EMPTY_IMAGE/);
  assert.throws(() => binToUf2(new Uint8Array(RP2040_FLASH_BYTES_MAX + 1)), /UF2_IMAGE_TOO_LARGE/);
});

if (existsSync(`${STOCK}.bin`) && existsSync(`${STOCK}.uf2`)) {
  test('the stock Kaluma 1.2.1 .bin becomes exactly the stock .uf2', () => {
    const ours = binToUf2(readFileSync(`${STOCK}.bin`));
    assert.ok(Buffer.from(ours).equals(readFileSync(`${STOCK}.uf2`)));
  });
} else {
  console.log('  skipped: the stock-image UF2 comparison (../shared/upstream/kaluma/ is absent)');
}

test.run();
