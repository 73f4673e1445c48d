// The board emulator: the real bundles in their runtime profiles within budget, what a runtime lacks
// failing as it would on the board, Kaluma's quirks, the watchdog in board time, two boards exchanging
// proof-of-time tokens over a virtual UART and over LoRa, and one seed giving one run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoardFailure } from '../../host-tools/emulator/board';
import { ESP32_COSTS, HOST_QUICKJS_COSTS, PICO_COSTS } from '../../host-tools/emulator/cost-model';
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

test('the pico and esp32 bundles boot provisioned in their runtime profiles and fill their nonce stocks, within their heap budgets', async () => {
  const world = await World.create(1);
  const provisioned = provisionBoards(2, seededRandom(2));
  const pico = world.addBoard({ name: 'pico', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000, files: { '/provision.json': encode(provisioned.boards[0].json) } }, 'dist/pico/firmware.js');
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
  console.log(`    heap peak with a full nonce stock: pico ${pico.heapPeakBytes} B of 184312 B, esp32 ${esp32.heapPeakBytes} B of 229362 B`);
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
  const provisioned = provisionBoards(2, seededRandom(seed));
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
  const provisioned = provisionBoards(2, seededRandom(13));
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
