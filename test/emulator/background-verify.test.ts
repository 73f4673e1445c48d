// The board's time budget on the emulated ESP32: a record from another member is verified in the
// background, a slice per tick, and accepted, without a single watchdog reset. (The pico's heap does not
// hold a verification job beside the node: docs/boards.md.)
import { signHost, signingKey } from '../../host-tools/crypto/host-signing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UartDeframer, encodeUartFrame } from '../../boards/drivers/uart-framing';
import { FRAME_RECORD, encodeFrame } from '../../firmware/frames';
import { KIND_SOLD, bytesToSign, encodePayload, encodeRecord } from '../../firmware/records';
import { UART_PAYLOAD_BYTES_MAX } from '../../firmware/protocol';
import { WORLD_EPOCH_MS } from '../../host-tools/emulator/board-state';
import { ESP32_COSTS } from '../../host-tools/emulator/cost-model';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { World, seededRandom } from '../../host-tools/emulator/world';

const encode = (text: string) => new TextEncoder().encode(text);

function recordFrom(seed: Uint8Array, issuer: number, granters: number[]): Uint8Array {
  const key = signingKey(seed);
  const payload = encodePayload({ kind: KIND_SOLD, issuer, seq: 1, counterparty: 3, ref: new Uint8Array(16).fill(7), timeMs: WORLD_EPOCH_MS + 1000, parents: [new Uint8Array(16), new Uint8Array(16)], pot: granters, energyWh: 5000, ecash: 1500 });
  const signature = signHost(bytesToSign(payload), key);
  return encodeUartFrame(encodeFrame({ type: FRAME_RECORD, record: encodeRecord(payload, signature, []) }), UART_PAYLOAD_BYTES_MAX);
}

test('the esp32 verifies a record in the background without a watchdog reset', async () => {
  const world = await World.create(3);
  const provisioned = provisionBoards(3, seededRandom(4));
  const board = world.addBoard({ name: 'esp32', profile: 'espruino', costs: ESP32_COSTS, heapBytesMax: 229362, watchdogMs: 8000, files: { 'provision.json': encode(provisioned.boards[0].json) } }, 'dist/esp32/firmware.js');
  world.run(1000);
  world.inject(board, 2, recordFrom(provisioned.boards[1].seed, 2, [1, 3]));
  world.run(30 * 60 * 1000);
  const stats = board.stats();
  assert.is(board.resets, 0, board.log.join(' | '));
  assert.is(stats.records_accepted, 1, JSON.stringify(stats));
  assert.is(stats.signatures_verified, 1);
  assert.ok((stats.crypto_field_ops as number) > 3500);
  assert.ok(board.heapPeakBytes <= 229362);
});

test.run();
