// The one place that says which runtime family a board is, read from its board.json "runtime": Kaluma
// (pico, pico-stock), Espruino (esp32) or the host's QuickJS (emulator). The REPL dialect, the flash
// tool, the provisioning file's name and the emulator's runtime profile and cost model follow from it.
import { BOARDS, BoardDescription, Runtime, loadBoard } from './boards';

export type Profile = 'kaluma' | 'espruino' | 'emulator';

const PROFILE_OF_RUNTIME: Record<Runtime, Profile> = { 'kaluma-1.2.1': 'kaluma', 'espruino-esp32': 'espruino', quickjs: 'emulator' };

/** The runtime family of a board, by name (its board.json is read and checked) or by description. */
export function boardProfile(board: string | BoardDescription): Profile {
  const description = typeof board === 'string' ? loadBoard(board) : board;
  return PROFILE_OF_RUNTIME[description.runtime];
}

/** The first board of BOARDS with that profile: whose pins an emulated board of the profile has by default. */
export function referenceBoard(profile: Profile): BoardDescription {
  const name = BOARDS.find((candidate) => boardProfile(candidate) === profile);
  if (name === undefined) throw new Error(`no board in BOARDS has the ${profile} profile`);
  return loadBoard(name);
}
