// Garbage collection after work, at most once a COLLECT_INTERVAL_MS of board time: it keeps Espruino's
// allocations short. Espruino keeps its free variables in one list (src/jsvar.c, 2v29). A flat string (the
// store of every typed array beyond a few bytes, and of each native SHA-512's 64-byte result) is found by
// walking that list for a run of adjacent variables; single variables are freed to the list's head, out of
// address order, so with every allocation the walk grows, until a collection, which rebuilds the list in
// address order. Measured on Espruino 2v29's interpreter in the validation bench's heap, 50 native
// SHA-512 of a record at a time: 22 to 27 us each without, 7 to 10 us right after a collection, which
// itself took 0.13 to 0.25 ms (host CPU; `npx smartchain bench validation --target espruino --board esp32`
// gives the projected ESP32 figures, docs/benchmarks.md).
/** A busy node collects at most this often (ms of board time): at most 20 ticks of work between two. */
export const COLLECT_INTERVAL_MS = 1000;

type EspruinoProcess = { memory(collect?: boolean): unknown };
declare const process: EspruinoProcess;

/** Collects now: process.memory() collects before it counts (its argument defaults to true). */
export function collectGarbage(): void {
  process.memory(true);
}

/** The esp32's upkeep after a tick that did work: a collection when the last is COLLECT_INTERVAL_MS old. */
export function collectAfterWork(): (nowMs: number) => void {
  let last = -COLLECT_INTERVAL_MS;
  return function (nowMs: number): void {
    if (nowMs - last < COLLECT_INTERVAL_MS) return;
    last = nowMs;
    collectGarbage();
  };
}
