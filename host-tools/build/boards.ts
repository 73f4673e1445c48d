// Board descriptions are data (boards/<board>/board.json): runtime, native modules of the image and what
// they cost, budgets, watchdog, pins and radio settings.
// This loader checks every field's type and range, so a mistyped budget is an error with a code, not a
// silently wrong build; the build, the emulator and the benches all read boards through it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BOARDS = ['pico', 'pico-stock', 'esp32', 'emulator'] as const;
export type BoardName = (typeof BOARDS)[number];
export const RUNTIMES = ['kaluma-1.2.1', 'espruino-esp32', 'quickjs'] as const;
export type Runtime = (typeof RUNTIMES)[number];
/** Native modules a board image may add to its runtime's own (the pico image's: docs/boards.md). */
export const NATIVE_MODULES = ['smartcrypto'] as const;
export type NativeModule = (typeof NATIVE_MODULES)[number];

/**
 * Board milliseconds of each call into the image's `smartcrypto` module, as measured on the board (the
 * emulator charges them: host-tools/emulator/native-crypto.ts); sha512_block per 128-byte block.
 */
export type NativeCryptoCosts = { verify: number; sign: number; public_key: number; sha512_block: number; basis: string };

export type LoraSettings = {
  spi_bus: number; sck: number; mosi: number; miso: number; cs: number; reset: number; dio0: number;
  frequency_hz: number; spreading_factor: number; bandwidth_hz: number; coding_rate: number;
  power_dbm: number; preamble_symbols: number; duty_cycle_percent: number;
};

export type BoardDescription = {
  board: BoardName;
  runtime: Runtime;
  /** Modules of the board's image beyond its runtime's own; absent in the file for a stock image (then empty). */
  native_modules: NativeModule[];
  /** Present exactly when native_modules has smartcrypto. */
  native_crypto_board_ms?: NativeCryptoCosts;
  chip: string;
  bundle_bytes_max: number;
  heap_bytes_max: number;
  watchdog_ms: number;
  slice_board_ms_max: number;
  tick_interval_ms: number;
  uart: { port: number; baud: number; tx: number; rx: number };
  lora: LoraSettings;
};

export class BoardFileError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

type Range = [number, number];
const TOP: Record<string, Range> = {
  bundle_bytes_max: [1024, 524287], // Kaluma's program area holds at most 524,287 bytes plus the NUL
  heap_bytes_max: [16384, 4194304],
  watchdog_ms: [100, 8388], // the RP2040 watchdog cannot be set beyond 8,388 ms
  slice_board_ms_max: [10, 8000],
  tick_interval_ms: [1, 1000],
};
const UART: Record<string, Range> = { port: [0, 3], baud: [1200, 3000000], tx: [0, 48], rx: [0, 48] };
const LORA: Record<string, Range> = {
  spi_bus: [0, 3], sck: [0, 48], mosi: [0, 48], miso: [0, 48], cs: [0, 48], reset: [0, 48], dio0: [0, 48],
  frequency_hz: [137000000, 1020000000], spreading_factor: [6, 12], bandwidth_hz: [7800, 500000],
  coding_rate: [5, 8], power_dbm: [2, 20], preamble_symbols: [6, 65535], duty_cycle_percent: [0.1, 100],
};
const NATIVE_CRYPTO: Record<string, Range> = { verify: [0.001, 600000], sign: [0.001, 600000], public_key: [0.001, 600000], sha512_block: [0.0001, 60000] };

function checkNumbers(where: string, object: unknown, ranges: Record<string, Range>): void {
  if (typeof object !== 'object' || object === null) throw new BoardFileError('BOARD_FIELD_TYPE', `${where} must be an object`);
  for (const [name, [min, max]] of Object.entries(ranges)) {
    const value = (object as Record<string, unknown>)[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new BoardFileError('BOARD_FIELD_TYPE', `${where}.${name} must be a number`);
    if (value < min || value > max) throw new BoardFileError('BOARD_FIELD_RANGE', `${where}.${name} = ${value} outside ${min}..${max}`);
  }
}

/** Parses and checks a board description; throws BoardFileError with a code. */
export function parseBoard(text: string, where: string): BoardDescription {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new BoardFileError('BOARD_FILE_JSON', `${where}: ${(error as Error).message}`);
  }
  checkNumbers(where, data, TOP);
  const board = data as BoardDescription;
  if (!(BOARDS as readonly string[]).includes(board.board)) throw new BoardFileError('BOARD_FIELD_RANGE', `${where}.board must be one of ${BOARDS.join(', ')}`);
  if (!(RUNTIMES as readonly string[]).includes(board.runtime)) throw new BoardFileError('BOARD_FIELD_RANGE', `${where}.runtime must be one of ${RUNTIMES.join(', ')}`);
  if (typeof board.chip !== 'string') throw new BoardFileError('BOARD_FIELD_TYPE', `${where}.chip must be a string`);
  if (board.native_modules === undefined) board.native_modules = [];
  const modules = board.native_modules as unknown;
  if (!Array.isArray(modules) || modules.some((name) => typeof name !== 'string')) throw new BoardFileError('BOARD_FIELD_TYPE', `${where}.native_modules must be a list of module names`);
  for (const name of modules) {
    if (!(NATIVE_MODULES as readonly string[]).includes(name)) throw new BoardFileError('BOARD_FIELD_RANGE', `${where}.native_modules: '${name}' is not one of ${NATIVE_MODULES.join(', ')}`);
  }
  const hasCrypto = modules.includes('smartcrypto');
  if (hasCrypto !== (board.native_crypto_board_ms !== undefined)) {
    throw new BoardFileError('BOARD_FIELD_RANGE', `${where}: native_crypto_board_ms must be given exactly when native_modules has smartcrypto`);
  }
  if (hasCrypto) {
    checkNumbers(`${where}.native_crypto_board_ms`, board.native_crypto_board_ms, NATIVE_CRYPTO);
    if (typeof board.native_crypto_board_ms?.basis !== 'string') throw new BoardFileError('BOARD_FIELD_TYPE', `${where}.native_crypto_board_ms.basis must say where the figures come from`);
  }
  checkNumbers(`${where}.uart`, board.uart, UART);
  checkNumbers(`${where}.lora`, board.lora, LORA);
  if (board.slice_board_ms_max >= board.watchdog_ms) {
    throw new BoardFileError('BOARD_FIELD_RANGE', `${where}: a slice (${board.slice_board_ms_max} ms) must be shorter than the watchdog (${board.watchdog_ms} ms)`);
  }
  return board;
}

export function loadBoard(name: string, root = '.'): BoardDescription {
  if (!(BOARDS as readonly string[]).includes(name)) throw new BoardFileError('BOARD_UNKNOWN', `unknown board '${name}' (${BOARDS.join(', ')})`);
  const path = join(root, 'boards', name, 'board.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new BoardFileError('BOARD_FILE_MISSING', `${path} is missing`);
  }
  const board = parseBoard(text, path);
  if (board.board !== name) throw new BoardFileError('BOARD_FIELD_RANGE', `${path} describes '${board.board}', not '${name}'`);
  return board;
}
