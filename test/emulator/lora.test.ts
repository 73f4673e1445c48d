// Boards of the kaluma and espruino profiles on the LoRa medium through their SX127x: two emulated esp32
// boards running the LoRa build variant exchange proof-of-time tokens via the driver; a pico and an
// emulator board share one channel; the run is deterministic. These boards run with the heap budget
// lifted, from when the variants did not fit the uncalibrated heap model; the first test prints their
// peaks (docs/boards.md gives the figures).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard } from '../../host-tools/build/boards';
import { buildBoard } from '../../host-tools/build/bundle';
import { ESP32_COSTS, HOST_QUICKJS_COSTS } from '../../host-tools/emulator/cost-model';
import { emulatedBoardOptions } from '../../host-tools/emulator/profile';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { World, seededRandom } from '../../host-tools/emulator/world';

const HEAP_LIFTED_BYTES = 262144;
const directory = mkdtempSync(join(tmpdir(), 'smartchain-lora-'));
const encode = (text: string) => new TextEncoder().encode(text);
const variants: Record<string, string> = {};

async function variant(board: 'pico' | 'esp32'): Promise<string> {
  if (variants[board] === undefined) {
    const outfile = join(directory, `${board}-lora.js`);
    const result = await buildBoard(loadBoard(board), { entry: `boards/${board}/main-lora.ts`, outfile });
    assert.ok(result.bytes <= result.budget, `${board} LoRa bundle ${result.bytes} B within its ${result.budget} B`);
    variants[board] = outfile;
  }
  return variants[board];
}

async function esp32Exchange(seed: number) {
  const world = await World.create(seed);
  // Two boards: the requester's one neighbour grants its one token (k = 1, not the protocol's default).
  const provisioned = provisionBoards(2, seededRandom(seed), { tokensRequired: 1 });
  const bundle = await variant('esp32');
  const boards = provisioned.boards.map((entry, index) =>
    world.addBoard({ name: `esp${index + 1}`, profile: 'espruino', costs: ESP32_COSTS, heapBytesMax: HEAP_LIFTED_BYTES, watchdogMs: 8000, files: { 'provision.json': encode(entry.json) } }, bundle),
  );
  world.connectLora(boards.map((board) => ({ board, link: 1 })));
  // Half an hour of idle time fills the granter's nonce stock, so it signs a token online.
  world.run(30 * 60 * 1000);
  boards[0].evaluate('smartchain.requestIssue({ kind: 2, energyWh: 100, ecash: 10 })');
  // Until the token arrives (at most five minutes): a second grant from an empty nonce stock would sign
  // with tweetnacl, about 820 s of ESP32 time, and the watchdog resets the granter (docs/boards.md).
  for (let step = 0; step < 10 && (boards[0].stats().tokens_collected as number) < 1; step++) world.run(30000);
  return { world, boards };
}

test('two emulated esp32 boards exchange proof-of-time tokens over LoRa through the SX127x driver', async () => {
  const { world, boards } = await esp32Exchange(5);
  for (const board of boards) {
    assert.ok(board.log.includes('[RADIO_READY] LoRa on'), board.log.join(' | '));
    assert.equal(board.radioFaults, []);
    assert.is(board.resets, 0, board.log.join(' | '));
    assert.ok(board.heapPeakBytes <= HEAP_LIFTED_BYTES);
  }
  // The figure docs/boards.md quotes: the variant's heap peak against the budget, per role.
  console.log(`esp32 LoRa variant heap peak: requester ${boards[0].heapPeakBytes} B, granter ${boards[1].heapPeakBytes} B, budget ${loadBoard('esp32').heap_bytes_max} B`);
  assert.ok((boards[1].stats().tokens_granted as number) >= 1, JSON.stringify(boards[1].stats()));
  assert.ok((boards[0].stats().tokens_collected as number) >= 1, JSON.stringify(boards[0].stats()));
  assert.ok(world.stats.radio_sent >= 3);
  assert.is(world.stats.uart_bytes, 0, 'nothing went over a cable');
  assert.is(world.stats.radio_refused_duty_cycle, 0, 'the drivers kept the duty cycle themselves');
});

test('one seed, one run over LoRa', async () => {
  const first = await esp32Exchange(9);
  const second = await esp32Exchange(9);
  assert.equal(first.world.trace, second.world.trace);
  assert.ok(first.world.trace.some((line) => line.endsWith('tx done')));
});

test('a pico and an emulator board share one channel', async () => {
  const world = await World.create(3);
  const provisioned = provisionBoards(2, seededRandom(3));
  // The pico on our image (smartcrypto, board.json), its heap budget lifted as the others'.
  const pico = world.addBoard({ name: 'pico', ...emulatedBoardOptions(loadBoard('pico')), heapBytesMax: HEAP_LIFTED_BYTES, files: { '/provision.json': encode(provisioned.boards[0].json) } }, await variant('pico'));
  const generic = world.addBoard({ name: 'ev', profile: 'emulator', costs: HOST_QUICKJS_COSTS, heapBytesMax: 229362, watchdogMs: 8000, config: provisioned.boards[1].json, links: 1 }, 'dist/emulator/firmware.js');
  world.connectLora([{ board: pico, link: 1 }, { board: generic, link: 0 }]);
  world.run(130000);
  console.log(`pico LoRa variant heap peak: ${pico.heapPeakBytes} B, budget ${loadBoard('pico').heap_bytes_max} B`);
  assert.ok(pico.log.includes('[RADIO_READY] LoRa on'), pico.log.join(' | '));
  assert.ok((generic.stats().frames_received as number) >= 1, 'the emulator board hears the pico');
  assert.ok((pico.stats().frames_received as number) >= 1, 'the pico hears the emulator board');
  assert.ok(world.trace.some((line) => line.endsWith('pico tx done')));
});

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
