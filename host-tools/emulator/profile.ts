// What an emulated board is, read from its board.json: the runtime profile its runtime gives
// (board.json "runtime"), the cost model of that runtime on its chip, its heap budget and watchdog, and
// the native crypto module of its image with that module's board time (board.json native_modules,
// native_crypto_board_ms). Every host tool that emulates a board by name takes its options from here.
import type { BoardDescription, Runtime } from '../build/boards';
import type { BoardOptions, Profile } from './board';
import { BoardCosts, ESP32_COSTS, HOST_QUICKJS_COSTS, PICO_COSTS } from './cost-model';

export const PROFILE_OF_RUNTIME: Record<Runtime, Profile> = { 'kaluma-1.2.1': 'kaluma', 'espruino-esp32': 'espruino', quickjs: 'emulator' };
/** The cost model of each runtime on the chip it runs on (cost-model.ts). */
export const COSTS_OF_RUNTIME: Record<Runtime, BoardCosts> = { 'kaluma-1.2.1': PICO_COSTS, 'espruino-esp32': ESP32_COSTS, quickjs: HOST_QUICKJS_COSTS };

export type EmulatedBoardOptions = Pick<BoardOptions, 'profile' | 'costs' | 'heapBytesMax' | 'watchdogMs' | 'nativeCrypto'>;

export function emulatedBoardOptions(board: BoardDescription): EmulatedBoardOptions {
  const options: EmulatedBoardOptions = {
    profile: PROFILE_OF_RUNTIME[board.runtime], costs: COSTS_OF_RUNTIME[board.runtime], heapBytesMax: board.heap_bytes_max, watchdogMs: board.watchdog_ms,
  };
  if (board.native_crypto_board_ms !== undefined) options.nativeCrypto = board.native_crypto_board_ms;
  return options;
}

/** The provisioning file's name in a board's flash (Kaluma's fs wants an absolute path, Espruino's Storage a name). */
export function provisionFileName(profile: Profile): string {
  return profile === 'kaluma' ? '/provision.json' : 'provision.json';
}
