// Where the real pico's inputs come from: the RP2040 B1 boot ROM and Kaluma's stock image in
// ../shared/upstream/ beside the repository (its README), and our own image from `make image`.
// Nothing here is copied into the project: they are read at run time.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const UPSTREAM_DIR = resolve(REPOSITORY_ROOT, '..', 'shared', 'upstream');
export const BOOTROM_PATH = join(UPSTREAM_DIR, 'rp2040', 'bootrom-b1.js');
export const STOCK_IMAGE_PATH = join(UPSTREAM_DIR, 'kaluma', 'kaluma-rp2-pico-1.2.1-stock.uf2');
/** Our Kaluma 1.2.1 image with the native crypto module (`make image`). */
export const NATIVE_IMAGE_PATH = join(REPOSITORY_ROOT, 'dist', 'pico', 'kaluma-smartchain.uf2');

/** Why the real pico cannot run here (one line), or null when the boot ROM and the stock image are present. */
export function upstreamMissing(): string | null {
  for (const path of [BOOTROM_PATH, STOCK_IMAGE_PATH]) if (!existsSync(path)) return `${path} is absent (see ../shared/upstream/README.md in the docs)`;
  return null;
}

/** The B1 boot ROM as rp2040js loads it (a CommonJS module exporting `bootromB1`, a Uint32Array). */
export function loadBootrom(): Uint32Array {
  const module = createRequire(import.meta.url)(BOOTROM_PATH) as { bootromB1?: unknown };
  if (!(module.bootromB1 instanceof Uint32Array) || module.bootromB1.length !== 4096) throw new Error(`BOOTROM_INVALID: ${BOOTROM_PATH} does not export the 16 KB bootromB1`);
  return module.bootromB1;
}

/** The image path for `--image`: `stock`, a file, or (absent) our native image. */
export function resolveImage(choice: string | undefined): string {
  if (choice === undefined) return NATIVE_IMAGE_PATH;
  if (choice === 'stock') return STOCK_IMAGE_PATH;
  return resolve(choice);
}
