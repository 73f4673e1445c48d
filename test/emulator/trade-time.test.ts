// The pico's time and heap budgets, end to end: three pico bundles (dist/pico/firmware.js) in the Kaluma
// profile under the pico cost model and the pico's heap budget (board.json), on a UART star whose hub
// relays every frame to the other boards (as the city's gateway does), admitted by membership records
// and left idle until their nonce stocks are full, run a full trade (offer, sold, bought, each with two
// proof-of-time tokens, issued through the node's requestIssue). Every signature is verified in the
// background a slice at a time and every signature of the trade is online from the stock, so no board
// is reset by its watchdog, no frame is dropped, no call into a board lasts longer than issuing a record
// (two SHA-512s), and no board's heap passes its budget while it verifies, precomputes and signs (the
// emulator fails the run with HEAP_BUDGET_EXCEEDED the moment one does).
import { createPrivateKey, sign } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UartDeframer, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { FRAME_RECORD, encodeFrame } from '../../firmware/frames';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { KIND_BOUGHT, KIND_MEMBERSHIP, KIND_OFFER, KIND_SOLD, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { loadBoard } from '../../host-tools/build/boards';
import { EmulatedBoard, WORLD_EPOCH_MS } from '../../host-tools/emulator/board';
import { PICO_COSTS } from '../../host-tools/emulator/cost-model';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { World, seededRandom } from '../../host-tools/emulator/world';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const FRAME_PAYLOAD_BYTES_MAX = 256;
/** The pico's stock of signing nonces (NONCE_STOCK in boards/pico/main.ts): flash files /sc-nonce0... */
const NONCE_SLOTS = [0, 1, 2, 3];
const encode = (text: string) => new TextEncoder().encode(text);

function membership(member: number, publicKey: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.alloc(32, 0xc0)]), format: 'der', type: 'pkcs8' });
  const payload = encodePayload({ kind: KIND_MEMBERSHIP, issuer: 0, seq: member, timeMs: WORLD_EPOCH_MS, parents: [GENESIS_ID, GENESIS_ID], pot: [], member, publicKey, grantEcash: 100000 });
  return encodeUartFrame(encodeFrame({ type: FRAME_RECORD, record: encodeRecord(payload, new Uint8Array(sign(null, bytesToSign(payload), key)), []) }), FRAME_PAYLOAD_BYTES_MAX);
}

const number = (board: EmulatedBoard, code: string) => Number(board.evaluate(code));
const windowHas = (board: EmulatedBoard, id: string) => number(board, `smartchain.window.find(new Uint8Array([${id}]))`) >= 0;
/** The id of the board's latest own record, as a list of byte values. */
const latestOwnId = (board: EmulatedBoard) => board.evaluate('(function () { var ids = smartchain.pendingIds(); return Array.prototype.slice.call(ids[ids.length - 1]).join(","); })()');

function runUntil(world: World, condition: () => boolean, limitMs: number, stepMs = 10000): number {
  const start = world.nowMs;
  while (!condition()) {
    if (world.nowMs - start > limitMs) throw new Error(`not reached within ${limitMs} ms of board time: ${world.boards.map((board) => JSON.stringify(board.stats()) + board.log.slice(-3).join(' | ')).join('\n')}`);
    world.run(stepMs);
  }
  return world.nowMs - start;
}

test('a full trade on three pico bundles within the pico watchdog and heap budget', async () => {
  const pico = loadBoard('pico');
  const world = await World.create(11);
  const provisioned = provisionBoards(3, seededRandom(12), { tokensRequired: 2 });
  const boards = provisioned.boards.map((entry, index) =>
    world.addBoard({
      name: `pico${index + 1}`, profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: pico.heap_bytes_max, watchdogMs: pico.watchdog_ms,
      files: { '/provision.json': encode(entry.json) },
    }, 'dist/pico/firmware.js'),
  );
  // The hub: each board's UART0 to the host, which relays every frame to the other boards.
  const cables: { send(bytes: Uint8Array): void }[] = [];
  boards.forEach((board, index) => {
    const deframer = new UartDeframer(FRAME_PAYLOAD_BYTES_MAX, (payload) => {
      cables.forEach((cable, other) => {
        if (other !== index) cable.send(encodeUartFrame(payload, FRAME_PAYLOAD_BYTES_MAX));
      });
    });
    cables.push(world.connectHost(board, pico.uart.port, (bytes) => deframer.push(bytes), pico.uart.baud));
  });
  for (const board of boards) for (const entry of provisioned.boards) world.inject(board, pico.uart.port, membership(entry.member, entry.publicKey));
  const admittedMs = runUntil(world, () => boards.every((board) => number(board, 'smartchain.window.count') === 3), 4 * 3600000);
  const stockedMs = runUntil(world, () => boards.every((board) => NONCE_SLOTS.every((slot) => board.files.has(`/sc-nonce${slot}`))), 4 * 3600000);
  const fallbacksBefore = boards.map((board) => board.stats().sign_fallbacks);
  const [seller, buyer] = boards;
  const tradeStartMs = world.nowMs;
  assert.is(seller.evaluate(`smartchain.requestIssue({ kind: ${KIND_OFFER}, energyWh: 5000, ecash: 1500 })`), 'true');
  runUntil(world, () => number(seller, 'smartchain.stats().records_issued') === 1, 3600000);
  const offerId = latestOwnId(seller);
  assert.is(seller.evaluate(`smartchain.requestIssue({ kind: ${KIND_SOLD}, energyWh: 5000, ecash: 1500, counterparty: 2, ref: new Uint8Array([${offerId}]) })`), 'true');
  runUntil(world, () => number(seller, 'smartchain.stats().records_issued') === 2, 3600000);
  const soldId = latestOwnId(seller);
  runUntil(world, () => windowHas(buyer, soldId), 3600000);
  assert.is(buyer.evaluate(`smartchain.requestIssue({ kind: ${KIND_BOUGHT}, energyWh: 5000, ecash: 1500, counterparty: 1, ref: new Uint8Array([${soldId}]) })`), 'true');
  runUntil(world, () => number(buyer, 'smartchain.stats().records_issued') === 1, 3600000);
  const boughtId = latestOwnId(buyer);
  runUntil(world, () => windowHas(seller, boughtId) && windowHas(boards[2], boughtId), 3600000);
  for (const board of boards) {
    const stats = board.stats();
    assert.is(board.resets, 0, `${board.name}: ${board.log.filter((line) => line.includes('WATCHDOG')).join(' | ')}`);
    assert.is(stats.frames_dropped_inbox_full, 0, `${board.name} dropped frames`);
    assert.is(stats.rejected_VERIFY_QUEUE_FULL ?? 0, 0, `${board.name} verify queue full`);
    assert.is(stats.records_rejected, 0, `${board.name}: ${JSON.stringify(stats)}`);
    // The longest call is issuing a record: the online signature's SHA-512 and the record id's, about
    // 1.2 s each on a pico; every crypto slice is shorter. Far from the 8 s watchdog either way.
    assert.ok(board.longestCallMs < 4000, `${board.name}: longest call ${board.longestCallMs.toFixed(0)} ms`);
  }
  assert.is(world.stats.uart_bytes_lost, 0);
  assert.equal(boards.map((board) => board.stats().sign_fallbacks), fallbacksBefore, 'every signature of the trade came from the stock');
  assert.ok((seller.stats().signatures_online as number) >= 2, 'signed with stored nonces');
  console.log(`    admitted in ${(admittedMs / 60000).toFixed(1)} min, stock full ${(stockedMs / 60000).toFixed(1)} min later, trade (offer to bought in every window) in ${((world.nowMs - tradeStartMs) / 60000).toFixed(1)} min of board time; longest call ${Math.max(...boards.map((board) => board.longestCallMs)).toFixed(0)} ms; heap peaks ${boards.map((board) => board.heapPeakBytes).join(', ')} B of ${pico.heap_bytes_max} B; seller ${JSON.stringify(seller.stats())}`);
});

test.run();
