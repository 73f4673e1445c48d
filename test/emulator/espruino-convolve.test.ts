// The emulated ESP32's E.convolve runs inside the board (host-tools/emulator/profiles/espruino-convolve.ts):
// it must give the host function's answer for every input, take the same QuickJS poll points (so the
// same interrupts and board time as the calibration counted), count its calls for the cost model, and
// leave a board's heap as the host function did.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EmulatedBoard } from '../../host-tools/emulator/board';
import { ESP32_COSTS } from '../../host-tools/emulator/cost-model';
import { hostConvolve } from '../../host-tools/emulator/profiles/espruino-convolve';
import { World, loadQuickJS, seededRandom } from '../../host-tools/emulator/world';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { loadBoard } from '../../host-tools/build/boards';
import { emulatedBoardOptions } from '../../host-tools/emulator/profile';

/** Calls of each E.convolve compared for poll points: 7 poll points each, about 70 interrupts. */
const CALLS = 100000;

/** A board whose watchdog lets a long loop run (the comparison loops are minutes of ESP32 time). */
async function espruinoBoard(): Promise<EmulatedBoard> {
  const board = new EmulatedBoard(await loadQuickJS(), { name: 'esp32', profile: 'espruino', costs: ESP32_COSTS, heapBytesMax: 229362, watchdogMs: 3600000, random: seededRandom(7) });
  board.load('');
  return board;
}

/** Installs the host function beside the board's own, as `hostConvolve`, for the comparison. */
function installHostReference(board: EmulatedBoard): void {
  const vm = board.vm;
  const host = vm.newFunction('hostConvolve', (left, right, offset) => vm.newNumber(hostConvolve(vm, left, right, offset)));
  vm.setProp(vm.global, 'hostConvolve', host);
  host.dispose();
}

test('E.convolve gives the host function answer for every shape of input', async () => {
  const board = await espruinoBoard();
  installHostReference(board);
  // Limbs as the field multiplication and the arithmetic mod L make them (up to 2^21, signed, 38 b), and
  // subarrays, short and long a, integer, negative and fractional offsets, plain Arrays and Int32Arrays.
  const answer = board.evaluate(`(function () {
    var seed = 12345, out = [], same = 0, cases = 0;
    function next() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; }
    function limbs(type, n) { var a = new type(n); for (var i = 0; i < n; i++) a[i] = (next() % 4194304) - 2097152; return a; }
    var shapes = [[16, 32], [16, 40], [7, 40], [16, 47], [1, 3], [17, 40], [33, 64]];
    var offsets = [0, 15, 31, 46, -3, 2.5];
    for (var s = 0; s < shapes.length; s++) for (var k = 0; k < offsets.length; k++) for (var r = 0; r < 20; r++) {
      var a = limbs(Float64Array, shapes[s][0] + 4).subarray(2, 2 + shapes[s][0]), b = limbs(Float64Array, shapes[s][1]);
      var x = E.convolve(a, b, offsets[k]), y = hostConvolve(a, b, offsets[k]);
      cases++; if (x === y || (x !== x && y !== y)) same++;
    }
    var plain = [1, 2, 3], ints = new Int32Array([4, 5, 6, 7]);
    cases += 2; if (E.convolve(plain, ints, 1) === hostConvolve(plain, ints, 1)) same++; if (E.convolve(ints, plain, 2) === hostConvolve(ints, plain, 2)) same++;
    return [cases, same];
  })()`);
  const [cases, same] = JSON.parse(answer) as number[];
  assert.is(cases, 7 * 6 * 20 + 2);
  assert.is(same, cases);
});

test('E.convolve takes the host function poll points, so the same interrupts and board time', async () => {
  const board = await espruinoBoard();
  installHostReference(board);
  board.evaluate('var a = new Float64Array(16), w = new Float64Array(32), p = new Float64Array(20).subarray(0, 9), q = new Float64Array(40); for (var i = 0; i < 40; i++) { if (i < 16) a[i] = i * 977; if (i < 32) w[i] = 38 * i; q[i] = i; }');
  const interrupts = (code: string) => {
    const before = board.work.interrupts;
    board.evaluate(code);
    return board.work.interrupts - before;
  };
  for (const [a, b] of [['a', 'w'], ['p', 'q']]) {
    const own = interrupts(`for (var i = 0; i < ${CALLS}; i++) E.convolve(${a}, ${b}, i & 15);`);
    const host = interrupts(`for (var i = 0; i < ${CALLS}; i++) hostConvolve(${a}, ${b}, i & 15);`);
    // Seven poll points a call over CALLS calls: one point more or less would move it by CALLS / 10,000.
    assert.ok(Math.abs(own - host) <= 1, `${a}, ${b}: ${own} interrupts in the board, ${host} with the host function`);
    assert.ok(own >= 60, `${own} interrupts: the loop ran`);
  }
});

test('E.convolve calls are counted for the cost model', async () => {
  const board = await espruinoBoard();
  const before = board.work.convolveCalls;
  board.evaluate('var a = new Float64Array(16), w = new Float64Array(32); for (var i = 0; i < 1000; i++) E.convolve(a, w, 3); E.convolve([1], [2], 0);');
  assert.is(board.work.convolveCalls - before, 1001);
});

test('the esp32 firmware calls both natives, and the call meter then stops reading its crypto counters', async () => {
  const world = await World.create(3);
  const provisioned = provisionBoards(2, seededRandom(3), { balance: 1000, tokensRequired: 2, slotMs: 600000, heapBytesBudget: 200000 });
  const board = world.addBoard({ name: 'esp32', ...emulatedBoardOptions(loadBoard('esp32')), files: { 'provision.json': new TextEncoder().encode(provisioned.boards[0].json) } }, 'dist/esp32/firmware-lora.js');
  assert.is(board.nativeCryptoUsed, false, 'no field operation yet at boot');
  world.run(60000);
  assert.ok(board.work.convolveCalls > 0 && board.work.nativeHashes > 0, `${board.work.convolveCalls} E.convolve calls, ${board.work.nativeHashes} native hashes`);
  assert.is(board.nativeCryptoUsed, true);
  // Once native, the counters are not read: what they would add is already charged per native call.
  const read = board.lastStats;
  world.run(10000);
  assert.is(board.lastStats, read);
});

test.run();
