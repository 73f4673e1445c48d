// Three pico nodes on a UART star, on either engine (the QuickJS emulator or the real firmware in
// rp2040js), and the trade the calibration runs on both: the consortium's membership records arrive,
// then the seller issues an offer and a sold, the buyer a bought (each with its proof-of-time tokens,
// through the node's requestIssue, as test/emulator/trade-time.test.ts does), until every window holds
// the bought. The hub relays every frame a board sends to the other boards (as the city's gateway does).
import { readFileSync } from 'node:fs';
import { UartDeframer, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { KIND_BOUGHT, KIND_OFFER, KIND_SOLD } from '../../firmware/records';
import type { BoardDescription } from '../build/boards';
import { emulatedBoardOptions } from '../emulator/profile';
import { setBoardClock } from '../emulator/rp2040/board-clock';
import { readImage } from '../emulator/rp2040/image';
import { Rp2040Machine } from '../emulator/rp2040/machine';
import { writeFileThroughRepl } from '../emulator/rp2040/repl-file';
import { ReplSession } from '../emulator/rp2040/repl-session';
import { UartHub } from '../emulator/rp2040/uart-hub';
import { loadBootrom } from '../emulator/rp2040/upstream';
import { World } from '../emulator/world';

export type Heap = { used_bytes: number; peak_bytes: number };
export type Star = {
  nowMs(): number;
  run(ms: number): Promise<void>;
  evaluate(index: number, code: string): Promise<string>;
  heap(index: number): Promise<Heap>;
  /** Sends a UART frame from the host to a board. */
  send(index: number, frame: Uint8Array): void;
};

const STARTED = /\[NODE_STARTED\] member \d+ on pico/;
/** Board time between two looks at the boards while a step of the trade is under way. */
const POLL_MS = 250;

/** The relay: whatever a board sends reaches every other board. */
function relay(count: number, cables: { send(bytes: Uint8Array): void }[], index: number): UartDeframer {
  return new UartDeframer(UART_PAYLOAD_BYTES_MAX, (payload) => {
    for (let other = 0; other < count; other++) if (other !== index) cables[other].send(encodeUartFrame(payload, UART_PAYLOAD_BYTES_MAX));
  });
}

export async function quickjsStar(board: BoardDescription, bundle: string, jsons: string[]): Promise<Star> {
  const world = await World.create(1);
  const boards = jsons.map((json, index) => world.addBoard({ name: `pico${index}`, ...emulatedBoardOptions(board), files: { '/provision.json': new TextEncoder().encode(json) } }, bundle));
  const cables: { send(bytes: Uint8Array): void }[] = [];
  boards.forEach((one, index) => {
    const deframer = relay(boards.length, cables, index);
    cables.push(world.connectHost(one, board.uart.port, (bytes) => deframer.push(bytes), board.uart.baud));
  });
  const star: Star = {
    nowMs: () => world.nowMs,
    run: async (ms) => world.run(ms),
    evaluate: async (index, code) => boards[index].evaluate(code),
    heap: async (index) => ({ used_bytes: boards[index].heapUsedBytes(), peak_bytes: boards[index].heapPeakBytes }),
    send: (index, frame) => cables[index].send(frame),
  };
  await runUntil(star, async () => boards.every((one) => one.log.some((line) => STARTED.test(line))), 60_000);
  return star;
}

export async function rp2040Star(board: BoardDescription, bundle: string, imagePath: string, jsons: string[]): Promise<Star> {
  const image = readImage(imagePath);
  const bootrom = loadBootrom();
  const hub = new UartHub();
  const machines = jsons.map((_, index) => new Rp2040Machine({ name: `pico${index}`, image, bootrom }));
  for (const [index, machine] of machines.entries()) {
    const session = new ReplSession(machine);
    session.type('\r');
    await session.waitFor(/> /, 2000);
    await writeFileThroughRepl(session, '/provision.json', jsons[index]);
    // The same bytes at the same place as `kaluma write` (rp2040-engine.test.ts proves that path separately).
    machine.storeProgram(readFileSync(bundle, 'utf8'));
  }
  const cables: { send(bytes: Uint8Array): void }[] = [];
  machines.forEach((machine, index) => {
    const deframer = relay(machines.length, cables, index);
    cables.push(hub.connectHost(machine, board.uart.port, board.uart.baud, (bytes) => deframer.push(bytes)));
  });
  const poweredAtMs = machines.map((machine) => {
    machine.powerCycle();
    return machine.nowMs;
  });
  const sessions = machines.map((machine) => new ReplSession(machine, undefined, (untilNanos, wallMsMax) => hub.run(untilNanos, wallMsMax)));
  for (const session of sessions) await session.waitFor(STARTED, 60_000);
  // The nodes' clocks as the QuickJS boards' (board-clock.ts): records carry world times.
  for (const [index, session] of sessions.entries()) await setBoardClock(session, machines[index], poweredAtMs[index]);
  return {
    nowMs: () => hub.nowNanos / 1e6,
    run: async (ms) => hub.run(hub.nowNanos + ms * 1e6),
    evaluate: (index, code) => sessions[index].evaluate(code, 10_000),
    heap: async (index) => {
      const read = JSON.parse(await sessions[index].evaluate('JSON.stringify(process.memoryUsage())', 10_000)) as { heapUsed: number; heapPeak: number };
      return { used_bytes: read.heapUsed, peak_bytes: read.heapPeak };
    },
    send: (index, frame) => cables[index].send(frame),
  };
}

export async function runUntil(star: Star, condition: () => Promise<boolean>, boardMsMax: number): Promise<number> {
  const start = star.nowMs();
  while (!(await condition())) {
    if (star.nowMs() - start > boardMsMax) throw new Error(`STAR_TIMEOUT: not reached within ${boardMsMax} ms of board time`);
    await star.run(POLL_MS);
  }
  return star.nowMs() - start;
}

const count = async (star: Star, index: number, code: string) => Number(await star.evaluate(index, code));
const windowHas = async (star: Star, index: number, id: string) => (await count(star, index, `smartchain.window.find(new Uint8Array([${id}]))`)) >= 0;
const latestOwnId = (star: Star, index: number) => star.evaluate(index, '(function () { var ids = smartchain.pendingIds(); return Array.prototype.slice.call(ids[ids.length - 1]).join(","); })()');

/** The trade on three boards: seller 0, buyer 1 (member 2), the third watches. Returns its board time. */
export async function tradeOnStar(star: Star, boardMsMax: number): Promise<number> {
  const start = star.nowMs();
  const [seller, buyer] = [0, 1];
  const issue = async (index: number, request: string, issued: number) => {
    if ((await star.evaluate(index, `smartchain.requestIssue(${request})`)) !== 'true') throw new Error(`STAR_ISSUE_REFUSED: ${request}`);
    await runUntil(star, async () => (await count(star, index, 'smartchain.stats().records_issued')) === issued, boardMsMax);
    return latestOwnId(star, index);
  };
  const offerId = await issue(seller, `{ kind: ${KIND_OFFER}, energyWh: 5000, ecash: 1500 }`, 1);
  const soldId = await issue(seller, `{ kind: ${KIND_SOLD}, energyWh: 5000, ecash: 1500, counterparty: 2, ref: new Uint8Array([${offerId}]) }`, 2);
  await runUntil(star, () => windowHas(star, buyer, soldId), boardMsMax);
  const boughtId = await issue(buyer, `{ kind: ${KIND_BOUGHT}, energyWh: 5000, ecash: 1500, counterparty: 1, ref: new Uint8Array([${soldId}]) }`, 1);
  await runUntil(star, async () => (await windowHas(star, seller, boughtId)) && (await windowHas(star, 2, boughtId)), boardMsMax);
  return star.nowMs() - start;
}
