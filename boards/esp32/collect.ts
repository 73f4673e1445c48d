// Garbage collection after work, once the node has made HASHES_PER_COLLECTION native SHA-512: it keeps
// Espruino's allocations short. Espruino keeps its free variables in one list (src/jsvar.c, 2v29). A flat
// string (the store of every typed array beyond a few bytes, and of each native SHA-512's 64-byte result)
// is found by walking that list for a run of adjacent variables, and single variables are freed to the
// list's head out of address order, so the walk grows with every allocation until a collection rebuilds
// the list in address order. On Espruino 2v29's interpreter in the validation bench's heap (host time),
// 50 native SHA-512 at a time took 22 to 27 us each without, 7 to 10 us right after a collection.
// A collection costs 60 to 90 ms of projected ESP32 time and a hash adds about 14 us to each later one,
// so a collection every hundred or so hashes costs least (sqrt(2 x 75 ms / 14 us) = 104); counting
// hashes, not seconds, spends nothing on a node that does not hash (a verification's slices hash nothing).
// Figures: `npx smartchain bench validation --target espruino --board esp32` (docs/benchmarks.md).
import { takeNativeSha512Calls } from '../../firmware/crypto/sha512';

/** Native SHA-512 between two collections. */
export const HASHES_PER_COLLECTION = 100;

type EspruinoProcess = { memory(collect?: boolean): unknown };
declare const process: EspruinoProcess;

/** Collects now: process.memory() collects before it counts (its argument defaults to true). */
export function collectGarbage(): void {
  process.memory(true);
}

/** The esp32's upkeep after a tick that did work: a collection once HASHES_PER_COLLECTION hashes were made. */
export function collectAfterWork(): () => void {
  let hashes = 0;
  return function (): void {
    hashes += takeNativeSha512Calls();
    if (hashes < HASHES_PER_COLLECTION) return;
    hashes = 0;
    collectGarbage();
  };
}
