// Heap peak per board: each real bundle, provisioned, booted in the emulator under its profile and left
// to run idle for a simulated minute (precomputing signing nonces meanwhile), then handed a record from
// another member, which it verifies in the background while its nonce precomputation is under way: the
// trade-time crypto path at once. The ceiling is lifted so that a board over its budget is measured, not
// stopped; `within_budget` says whether both peaks hold. Prints one JSON object. Run after `make build`:
// node --import tsx host-tools/bench/heap.ts
import { signHost, signingKey } from '../crypto/host-signing';
import { encodeUartFrame } from '../../boards/drivers/uart-framing';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { FRAME_RECORD, encodeFrame } from '../../firmware/frames';
import { KIND_SOLD, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { loadBoard } from '../build/boards';
import { WORLD_EPOCH_MS } from '../emulator/board-state';
import { emulatedBoardOptions, provisionFileName } from '../emulator/profile';
import { provisionBoards } from '../emulator/provision';
import { World, seededRandom } from '../emulator/world';

const HEAP_LIFTED_BYTES = 262144;
const encode = (text: string) => new TextEncoder().encode(text);

/** A signed sold record from `issuer` (seed `seed`), as a link frame: a trade record, which every board verifies. */
function soldFrame(seed: Uint8Array, issuer: number, granters: number[], timeMs: number): Uint8Array {
  const key = signingKey(seed);
  const payload = encodePayload({ kind: KIND_SOLD, issuer, seq: 1, timeMs, parents: [new Uint8Array(16), new Uint8Array(16)], pot: granters, energyWh: 5000, ecash: 1500, counterparty: granters[0], ref: new Uint8Array(16).fill(7) });
  return encodeFrame({ type: FRAME_RECORD, record: encodeRecord(payload, signHost(bytesToSign(payload), key), []) });
}

const world = await World.create(1);
// Four members, three boards: the record names as granters the two members that are neither its issuer nor the
// board (a board named as a granter refuses a grant it never made: TOKEN_NOT_GRANTED).
const provisioned = provisionBoards(4, seededRandom(1));
const result: Record<string, { heap_peak_bytes: number; heap_peak_verifying_bytes: number; heap_bytes_max: number; within_budget: boolean; resets: number }> = {};
// pico-stock last, as member 1 with member 2's record: the scenario the pico ran before its image had native crypto.
for (const [index, name] of (['pico', 'esp32', 'emulator', 'pico-stock'] as const).entries()) {
  const board = loadBoard(name);
  const json = provisioned.boards[index % 3].json;
  const options = emulatedBoardOptions(board);
  const emulated = world.addBoard({
    name, ...options, heapBytesMax: HEAP_LIFTED_BYTES,
    files: options.profile === 'emulator' ? {} : { [provisionFileName(options.profile)]: encode(json) },
    config: json, links: 1,
  }, `dist/${name}/firmware.js`);
  world.run(60000);
  const idle = emulated.heapPeakBytes;
  const other = provisioned.boards[(index + 1) % 3];
  const frame = soldFrame(other.seed, other.member, [1, 2, 3, 4].filter((member) => member !== other.member && member !== provisioned.boards[index % 3].member), WORLD_EPOCH_MS + world.nowMs);
  // The pico's UART0 and the esp32's Serial2 carry framed bytes; the emulator board takes frames.
  if (options.profile === 'emulator') world.inject(emulated, 0, frame, 'frame');
  else world.inject(emulated, options.profile === 'kaluma' ? board.uart.port : 2, encodeUartFrame(frame, UART_PAYLOAD_BYTES_MAX));
  world.run(45 * 60000);
  const verified = emulated.stats().signatures_verified === 1;
  if (!verified) throw new Error(`${name} did not verify the record: ${emulated.log.slice(-3).join(' | ')}`);
  result[name] = {
    heap_peak_bytes: idle, heap_peak_verifying_bytes: emulated.heapPeakBytes, heap_bytes_max: board.heap_bytes_max,
    within_budget: emulated.heapPeakBytes <= board.heap_bytes_max, resets: emulated.resets,
  };
}
console.log(JSON.stringify(result));
