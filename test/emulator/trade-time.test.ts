// The board's time budget, end to end: three emulated boards under the pico's cost model, admitted by
// membership records and left idle until their nonce stocks are full, run a full trade (offer, sold,
// bought, each with two proof-of-time tokens, issued through the node's requestIssue). Every signature is
// verified in the background a slice at a time and every signature of the trade is online from the
// stock, so no board is reset by its watchdog, no frame is dropped, and no call into a board lasts longer
// than issuing a record (two SHA-512s).
import { createPrivateKey, sign } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_RECORD, encodeFrame } from '../../firmware/frames';
import { GENESIS_ID } from '../../firmware/ledger/caps';
import { KIND_BOUGHT, KIND_MEMBERSHIP, KIND_OFFER, KIND_SOLD, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { EmulatedBoard, WORLD_EPOCH_MS } from '../../host-tools/emulator/board';
import { PICO_COSTS } from '../../host-tools/emulator/cost-model';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { World, seededRandom } from '../../host-tools/emulator/world';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** One field operation at a time: a slice is at most one point addition, under 1 s of pico time. */
const SLICE_UNITS = 1;

function membership(member: number, publicKey: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.alloc(32, 0xc0)]), format: 'der', type: 'pkcs8' });
  const payload = encodePayload({ kind: KIND_MEMBERSHIP, issuer: 0, seq: member, timeMs: WORLD_EPOCH_MS, parents: [GENESIS_ID, GENESIS_ID], pot: [], member, publicKey, grantEcash: 100000 });
  return encodeFrame({ type: FRAME_RECORD, record: encodeRecord(payload, new Uint8Array(sign(null, bytesToSign(payload), key)), []) });
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

test('a full trade on three boards under the pico cost model: no watchdog reset, no frame lost', async () => {
  const world = await World.create(11);
  const provisioned = provisionBoards(3, seededRandom(12), { tokensRequired: 2 });
  const boards = provisioned.boards.map((entry, index) => {
    const config = JSON.stringify({ ...JSON.parse(entry.json), verify_slice_units: SLICE_UNITS });
    return world.addBoard({ name: `ev${index + 1}`, profile: 'emulator', costs: PICO_COSTS, heapBytesMax: 229362, watchdogMs: 8000, config, links: 2 }, 'dist/emulator/firmware.js');
  });
  // A full mesh of cables: link 0 and link 1 of each board go to the other two.
  world.connectUart(boards[0], 0, boards[1], 0);
  world.connectUart(boards[0], 1, boards[2], 0);
  world.connectUart(boards[1], 1, boards[2], 1);
  for (const board of boards) for (const entry of provisioned.boards) world.inject(board, 0, membership(entry.member, entry.publicKey), 'frame');
  const admittedMs = runUntil(world, () => boards.every((board) => number(board, 'smartchain.window.count') === 3), 4 * 3600000);
  // Idle time fills each board's stock of four nonces (emulator storage keys nonce0..nonce3).
  const stockedMs = runUntil(world, () => boards.every((board) => [0, 1, 2, 3].every((slot) => board.files.has(`nonce${slot}`))), 4 * 3600000);
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
  console.log(`    admitted in ${(admittedMs / 60000).toFixed(1)} min, stock full ${(stockedMs / 60000).toFixed(1)} min later, trade (offer to bought in every window) in ${((world.nowMs - tradeStartMs) / 60000).toFixed(1)} min of board time; longest call ${Math.max(...boards.map((board) => board.longestCallMs)).toFixed(0)} ms; seller ${JSON.stringify(seller.stats())}`);
});

test.run();
