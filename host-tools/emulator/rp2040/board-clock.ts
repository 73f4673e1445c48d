// Kaluma's RTC (Date.now, the node's wall clock) reads 0 after power-up and keeps whole seconds: the host
// sets a board's to the hub's time (WORLD_EPOCH_MS plus board time since boot), on a whole second, so its
// slots and record times agree with the emulated world's and with other boards'.
import { WORLD_EPOCH_MS } from '../board-state';
import type { Rp2040Machine } from './machine';
import type { ReplSession } from './repl-session';

/** Sets the board's RTC through its REPL; returns the time set and the hub's time it should match. */
export async function setBoardClock(session: ReplSession, machine: Rp2040Machine, poweredAtMs: number): Promise<{ set: number; expected: number }> {
  session.type('\r');
  const set = Number(await session.evaluate(`(function () { var t; do { t = ${WORLD_EPOCH_MS + Math.round(poweredAtMs)} + millis(); } while (t % 1000 > 2); require('rtc').setTime(t); return t; })()`, 3000));
  return { set, expected: WORLD_EPOCH_MS + machine.nowMs };
}
