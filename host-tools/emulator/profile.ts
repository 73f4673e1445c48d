// What an emulated board is, read from its board.json: the runtime profile its runtime gives
// (board.json "runtime"), the cost model of that runtime on its chip, its heap budget and watchdog, and
// the native crypto module of its image with that module's board time (board.json native_modules,
// native_crypto_board_ms). Every host tool that emulates a board by name takes its options from here.
import type { BoardDescription } from '../build/boards';
import { Profile, boardProfile } from '../build/board-profile';
import type { BoardOptions } from './board-state';
import { BoardCosts, ESP32_COSTS, HOST_QUICKJS_COSTS, PICO_COSTS } from './cost-model';

/** The cost model of each runtime on the chip it runs on (cost-model.ts). */
export const COSTS_OF_PROFILE: Record<Profile, BoardCosts> = { kaluma: PICO_COSTS, espruino: ESP32_COSTS, emulator: HOST_QUICKJS_COSTS };

export type EmulatedBoardOptions = Pick<BoardOptions, 'profile' | 'costs' | 'heapBytesMax' | 'watchdogMs' | 'nativeCrypto'>;

export function emulatedBoardOptions(board: BoardDescription): EmulatedBoardOptions {
  const options: EmulatedBoardOptions = {
    profile: boardProfile(board), costs: COSTS_OF_PROFILE[boardProfile(board)], heapBytesMax: board.heap_bytes_max, watchdogMs: board.watchdog_ms,
  };
  if (board.native_crypto_board_ms !== undefined) options.nativeCrypto = board.native_crypto_board_ms;
  return options;
}

/** The provisioning file's name in a board's flash (Kaluma's fs wants an absolute path, Espruino's Storage a name). */
export function provisionFileName(profile: Profile): string {
  return profile === 'kaluma' ? '/provision.json' : 'provision.json';
}
