// How a board's heap is measured (heap-model.ts, call-meter.ts): the recorded peak is never below the heap
// a working call leaves, and QuickJS's own allocator total cannot stand in for the walk that measures it
// (docs/emulator.md, "Why every working call is measured").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard } from '../../host-tools/build/boards';
import { PICO_COSTS } from '../../host-tools/emulator/cost-model';
import { quickjsMemoryUsed } from '../../host-tools/emulator/heap-model';
import { emulatedBoardOptions } from '../../host-tools/emulator/profile';
import { provisionBoards } from '../../host-tools/emulator/provision';
import { World, seededRandom } from '../../host-tools/emulator/world';

const directory = mkdtempSync(join(tmpdir(), 'smartchain-heap-'));
const encode = (text: string) => new TextEncoder().encode(text);

/** The allocator's line of QuickJS's JS_DumpMemoryUsage: live allocations and their malloc_size. */
function allocatorTotals(dump: string): { count: number; bytes: number } {
  const line = /^memory allocated\s+(\d+)\s+(\d+)/m.exec(dump);
  assert.ok(line !== null, `no allocator line in the dump: ${dump}`);
  return { count: Number(line[1]), bytes: Number(line[2]) };
}

test('QuickJS\'s malloc_size counts 8 B per live allocation in this build and is far below memory_used_size: it bounds no heap figure', async () => {
  // JS_ComputeMemoryUsage (quickjs.c 2025-09-13, as quickjs-emscripten 0.32 builds it) adds to malloc_size
  // js_def_malloc_usable_size(ptr) + MALLOC_OVERHEAD per allocation, and the usable size is 0 under
  // EMSCRIPTEN: so malloc_size is 8 x malloc_count whatever the sizes, and a gate that skipped the walk
  // when `runtimeBytes + (malloc_size - baseline) / ratio` stays under the peak would skip unsoundly.
  const world = await World.create(1);
  const provisioned = provisionBoards(1, seededRandom(2));
  const pico = world.addBoard({ name: 'pico', ...emulatedBoardOptions(loadBoard('pico')), files: { '/provision.json': encode(provisioned.boards[0].json) } }, 'dist/pico/firmware.js');
  world.run(10 * 60000);
  assert.ok(pico.log.some((line) => line.startsWith('[NODE_STARTED]')), pico.log.join(' | '));
  const used = quickjsMemoryUsed(pico.runtime, pico.vm);
  const allocator = allocatorTotals(pico.runtime.dumpMemoryUsage());
  assert.is(allocator.bytes, 8 * allocator.count, 'malloc_size is 8 B per live allocation');
  assert.ok(used > 4 * allocator.bytes, `memory_used_size ${used} B against malloc_size ${allocator.bytes} B`);
  console.log(`    idle pico node: memory_used_size ${used} B, malloc_size ${allocator.bytes} B for ${allocator.count} live allocations`);
});

test('the recorded peak is never below the heap a working call leaves, and reaches each new high', async () => {
  // Each tick does work the cost model sees (a loop past QuickJS's poll points), so each is measured,
  // and keeps what it allocated: a measurement skipped where the heap rose would leave the peak behind.
  const path = join(directory, 'grower.js');
  writeFileSync(path, [
    'var keep = [], tick = 0;',
    'setInterval(function () {',
    '  var sum = 0;',
    '  for (var i = 0; i < 15000; i++) sum += i;',
    '  tick++;',
    '  if (tick % 3 !== 0) keep.push(new Uint8Array(100 * tick));',
    '  else keep.pop();',
    '}, 1000);',
  ].join('\n'));
  const world = await World.create(1);
  const board = world.addBoard({ name: 'grower', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: 184312, watchdogMs: 8000 }, path);
  let highest = 0;
  let rises = 0;
  // The interval starts when the program's evaluation, charged its own board time, sets it: half a second
  // in, each window of a second below holds exactly one tick.
  world.run(1500);
  for (let step = 0; step < 60; step++) {
    const interruptsBefore = board.work.interrupts;
    world.run(1000);
    assert.ok(board.work.interrupts > interruptsBefore, `tick ${step}: the call did work the cost model sees`);
    const heap = board.heapUsedBytes();
    if (heap > highest) {
      highest = heap;
      rises++;
    }
    assert.ok(board.heapPeakBytes >= heap, `tick ${step}: peak ${board.heapPeakBytes} B below the heap in use ${heap} B`);
  }
  assert.is(board.heapPeakBytes, highest, 'the peak is the highest heap a call left');
  assert.ok(rises >= 30, `the heap rose on ${rises} ticks`);
  assert.is(board.resets, 0, board.log.join(' | '));
});

test.after(() => rmSync(directory, { recursive: true, force: true }));

test.run();
