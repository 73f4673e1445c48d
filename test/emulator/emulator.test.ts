// The board emulator: the real bundles in their runtime profiles within budget, what a runtime lacks
// failing as it would on the board, Kaluma's quirks, the watchdog in board time, two boards exchanging
// proof-of-time tokens over a virtual UART and over LoRa, and one seed giving one run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard } from '../../host-tools/build/boards';
import { BoardFailure } from '../../host-tools/emulator/board-state';
import { ESP32_COSTS, HOST_QUICKJS_COSTS, PICO_COSTS } from '../../host-tools/emulator/cost-model';
import { emulatedBoardOptions } from '../../host-tools/emulator/profile';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { World, seededRandom } from '../../host-tools/emulator/world';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-emulator-'));
let scripts = 0;
function script(source: string): string {
  const path = join(directory, `script-${scripts++}.js`);
  writeFileSync(path, source);
  return path;
}
const encode = (text: string) => new TextEncoder().encode(text);

test('the pico-stock and esp32 bundles boot provisioned in their runtime profiles and fill their nonce stocks, within their heap budgets', async () => {
  const world = await World.create(1);
  const provisioned = provisionBoards(2, seededRandom(2));
  // The stock Kaluma image: no native module, the sliced JS path.
  const pico = world.addBoard({ name: 'pico-stock', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000, files: { '/provision.json': encode(provisioned.boards[0].json) } }, 'dist/pico-stock/firmware.js');
  const esp32 = world.addBoard({ name: 'esp32', profile: 'espruino', costs: ESP32_COSTS, heapBytesMax: 229362, watchdogMs: 8000, files: { 'provision.json': encode(provisioned.boards[1].json) } }, 'dist/esp32/firmware.js');
  world.run(1000);
  for (const board of [pico, esp32]) {
    assert.ok(board.log.some((line) => line.startsWith('[NODE_STARTED]')), `${board.name}: ${board.log.join(' | ')}`);
    assert.ok(board.heapPeakBytes > 20000 && board.heapPeakBytes <= (board === pico ? 184312 : 229362), `${board.name} heap ${board.heapPeakBytes}`);
    assert.is(board.stats().member, board === pico ? 1 : 2);
  }
  assert.ok(pico.files.has('/sc-seed'), 'the node persisted its state in LittleFS files');
  assert.ok(esp32.files.has('sc.seed'), 'and in Espruino Storage');
  // Idle, each fills its stock of four signing nonces a slice at a time: within its budget (the emulator
  // fails the run with HEAP_BUDGET_EXCEEDED the moment a board passes it) and its watchdog.
  const stocked = (board: typeof pico, prefix: string) => [0, 1, 2, 3].every((slot) => board.files.has(`${prefix}nonce${slot}`));
  for (let minutes = 0; minutes < 120 && !(stocked(pico, '/sc-') && stocked(esp32, 'sc.')); minutes++) world.run(60000);
  assert.ok(stocked(pico, '/sc-') && stocked(esp32, 'sc.'), `stocks: ${[...pico.files.keys(), ...esp32.files.keys()].join(' ')}`);
  for (const board of [pico, esp32]) assert.is(board.resets, 0, board.log.join(' | '));
  console.log(`    heap peak with a full nonce stock: pico-stock ${pico.heapPeakBytes} B of 184312 B, esp32 ${esp32.heapPeakBytes} B of 229362 B`);
});

test('the pico bundle on our image (smartcrypto) boots with its key known at once, keeps no nonce stock and stays within its budgets', async () => {
  const world = await World.create(1);
  const provisioned = provisionBoards(1, seededRandom(2));
  const description = loadBoard('pico');
  const pico = world.addBoard({ name: 'pico', ...emulatedBoardOptions(description), files: { '/provision.json': encode(provisioned.boards[0].json) } }, 'dist/pico/firmware.js');
  world.run(10 * 60000);
  assert.ok(pico.log.some((line) => line.startsWith('[NODE_STARTED]')), pico.log.join(' | '));
  assert.is(pico.stats().member, 1);
  assert.is(pico.evaluate('smartchain.publicKey.length'), '32');
  assert.ok(pico.files.has('/sc-seed'), 'the node persisted its state in LittleFS files');
  assert.not.ok([...pico.files.keys()].some((name) => name.includes('nonce')), `no nonce stock: ${[...pico.files.keys()].join(' ')}`);
  assert.is(pico.stats().crypto_field_ops, 0, 'no field arithmetic in JS');
  assert.is(pico.resets, 0, pico.log.join(' | '));
  assert.ok(pico.heapPeakBytes > 20000 && pico.heapPeakBytes <= description.heap_bytes_max, `heap ${pico.heapPeakBytes}`);
  console.log(`    pico on smartcrypto: heap peak ${pico.heapPeakBytes} B of ${description.heap_bytes_max} B after ten idle minutes`);
});

test('the pico bundle on the stock image (no smartcrypto) logs NATIVE_CRYPTO_MISSING once and halts', async () => {
  const world = await World.create(1);
  const provisioned = provisionBoards(1, seededRandom(2));
  const stock = emulatedBoardOptions(loadBoard('pico-stock'));
  assert.is(stock.nativeCrypto, undefined, 'the pico-stock board has no native module');
  const pico = world.addBoard({ name: 'pico-on-stock', ...stock, files: { '/provision.json': encode(provisioned.boards[0].json) } }, 'dist/pico/firmware.js');
  world.run(10 * 60000);
  assert.equal(pico.log.filter((line) => line.startsWith('[')).map((line) => line.slice(0, line.indexOf(']') + 1)), ['[NATIVE_CRYPTO_MISSING]'], pico.log.join(' | '));
  assert.is(pico.evaluate('typeof smartchain'), 'undefined', 'no node was started');
  assert.is(pico.nextTimerMs(), Infinity, 'no timer left running: the node halted');
  assert.not.ok(pico.files.has('/sc-seed'), 'nothing was written');
  // Flashed with the stock build instead, the same board runs.
  const fixed = world.addBoard({ name: 'pico-stock', ...stock, files: { '/provision.json': encode(provisioned.boards[0].json) } }, 'dist/pico-stock/firmware.js');
  world.run(1000);
  assert.ok(fixed.log.some((line) => line.startsWith('[NODE_STARTED]')), fixed.log.join(' | '));
});

test('a bundle over its heap budget fails with a clear message', async () => {
  const world = await World.create(1);
  const path = script('var keep = []; for (var i = 0; i < 100; i++) keep.push(new Array(1000).fill(i));');
  assert.throws(
    () => world.addBoard({ name: 'hungry', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: 50000, watchdogMs: 8000 }, path),
    (error: BoardFailure) => error.code === 'HEAP_BUDGET_EXCEEDED' && /hungry: heap \d+ B exceeds its budget of 50000 B/.test(error.message),
  );
});

test('touching what the runtime lacks fails as on the board', async () => {
  const world = await World.create(1);
  for (const [profile, source] of [['espruino', 'var m = new Map();'], ['espruino', 'var s = Symbol("x");'], ['espruino', 'Math.imul(2, 3);'], ['kaluma', 'require("net");'], ['kaluma', 'Serial2.write("x");']] as const) {
    assert.throws(
      () => world.addBoard({ name: `${profile}-missing`, profile, costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000 }, script(source)),
      (error: BoardFailure) => error.code === 'RUNTIME_MISSING',
      `${profile}: ${source}`,
    );
  }
});

test('Kaluma quirks: setTimeout needs a delay; UART write sends the whole buffer behind a subarray', async () => {
  const world = await World.create(1);
  const board = world.addBoard({ name: 'quirks', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000 }, script(`
    var caught = '';
    try { setTimeout(function () {}); } catch (error) { caught = error.name; }
    print('timeout ' + caught);
    var UART = require('uart').UART;
    var port = new UART(0, { baudrate: 115200 });
    var whole = new Uint8Array(10);
    port.write(whole.subarray(2, 4));
  `));
  assert.ok(board.log.includes('timeout TypeError'), board.log.join(' | '));
  assert.is(board.outbox.length + world.stats.uart_bytes, 0 + world.stats.uart_bytes);
  const peer = world.addBoard({ name: 'peer', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000 }, script(`
    var UART = require('uart').UART; var port = new UART(0, {}); var got = 0;
    port.on('data', function (data) { got += data.length; print('got ' + got); });
  `));
  const sender = world.addBoard({ name: 'sender', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000 }, script(`
    var UART = require('uart').UART; var port = new UART(0, {});
    setTimeout(function () { port.write(new Uint8Array(10).subarray(2, 4)); }, 10);
  `));
  world.connectUart(sender, 0, peer, 0, { baud: 115200 });
  world.run(2000);
  assert.ok(peer.log.includes('got 10'), `the whole 10-byte buffer arrived: ${peer.log.join(' | ')}`);
});

test('a board away from its event loop longer than its watchdog is reset, in board time', async () => {
  const world = await World.create(1);
  const board = world.addBoard({ name: 'busy', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000 }, script(`
    setTimeout(function () { var s = 0; for (var i = 0; i < 1000000; i++) s += i; print(s); }, 100);
  `));
  world.run(1000);
  assert.ok(board.resets >= 1, 'a million iterations take about a minute on a pico: past the 8 s watchdog');
  assert.ok(board.log.some((line) => line.startsWith('[WATCHDOG_RESET]')));
});

async function tokenExchange(seed: number, medium: 'uart' | 'lora') {
  const world = await World.create(seed);
  // Two boards: each has one neighbour, so a record needs one token here (k = 1, not the protocol's default).
  const provisioned = provisionBoards(2, seededRandom(seed), { tokensRequired: 1 });
  const boards = provisioned.boards.map((entry, index) =>
    world.addBoard({ name: `ev${index + 1}`, profile: 'emulator', costs: HOST_QUICKJS_COSTS, heapBytesMax: 229362, watchdogMs: 8000, config: entry.json, links: 1 }, 'dist/emulator/firmware.js'),
  );
  if (medium === 'uart') world.connectUart(boards[0], 0, boards[1], 0);
  else world.connectLora(boards.map((board) => ({ board, link: 0 })));
  world.run(500);
  boards[0].evaluate('smartchain.requestIssue({ kind: 2, energyWh: 100, ecash: 10 })');
  // A fresh granter has no nonce yet: it grants once its first one is precomputed, a slice per tick.
  world.run(10000);
  return { world, boards };
}

test('two emulated boards exchange proof-of-time tokens over a virtual UART and over LoRa', async () => {
  for (const medium of ['uart', 'lora'] as const) {
    const { world, boards } = await tokenExchange(7, medium);
    assert.ok((boards[1].stats().tokens_granted as number) >= 1, `${medium}: ${JSON.stringify(boards[1].stats())}`);
    assert.ok((boards[0].stats().tokens_collected as number) >= 1, `${medium}: ${JSON.stringify(boards[0].stats())}`);
    assert.is(boards[1].stats().crypto_sign, 0, 'the fresh granter waited for a sliced nonce: never a one-step signature');
    if (medium === 'lora') assert.ok(world.stats.radio_sent >= 3);
    else assert.ok(world.stats.uart_bytes > 0);
  }
});

test('a token is granted with one SHA-512 (a MAC), and the record is signed with a nonce precomputed in idle time', async () => {
  const world = await World.create(13);
  const provisioned = provisionBoards(2, seededRandom(13), { tokensRequired: 1 }); // one neighbour: k = 1
  const boards = provisioned.boards.map((entry, index) =>
    world.addBoard({ name: `ev${index + 1}`, profile: 'emulator', costs: HOST_QUICKJS_COSTS, heapBytesMax: 229362, watchdogMs: 8000, config: entry.json, links: 1 }, 'dist/emulator/firmware.js'),
  );
  world.connectUart(boards[0], 0, boards[1], 0);
  world.run(60000);
  boards[0].evaluate('smartchain.requestIssue({ kind: 2, energyWh: 100, ecash: 10 })');
  world.run(5000);
  const granter = boards[1].stats();
  assert.ok((granter.tokens_granted as number) >= 1);
  assert.is(granter.signatures_online, 0, 'a grant spends no nonce');
  const issuer = boards[0].stats();
  assert.is(issuer.records_issued, 1, JSON.stringify(issuer));
  assert.is(issuer.signatures_online, 1, 'the record took a precomputed nonce');
  assert.is(issuer.crypto_sign, 0, 'no tweetnacl signature was needed');
});

test('one seed, one run: the same scenario twice gives the same trace and the same stats', async () => {
  const first = await tokenExchange(11, 'lora');
  const second = await tokenExchange(11, 'lora');
  assert.equal(first.world.trace, second.world.trace);
  assert.equal(first.boards.map((board) => board.stats()), second.boards.map((board) => board.stats()));
  assert.ok(first.world.trace.length > 3);
});

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
