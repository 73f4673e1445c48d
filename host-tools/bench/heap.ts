// Heap peak per board: each real bundle, provisioned, booted in the emulator under its profile and left
// to run idle for a simulated minute (for the esp32 and emulator boards that includes precomputing
// signing nonces). Prints one JSON object. Run after `make build`: node --import tsx host-tools/bench/heap.ts
import { loadBoard } from '../build/boards';
import { COSTS } from '../emulator/cost-model';
import { provisionBoards } from '../emulator/provision';
import { World, seededRandom } from '../emulator/world';

const encode = (text: string) => new TextEncoder().encode(text);
const world = await World.create(1);
const provisioned = provisionBoards(3, seededRandom(1));
const result: Record<string, { heap_peak_bytes: number; heap_bytes_max: number; resets: number }> = {};
for (const [index, name] of (['pico', 'esp32', 'emulator'] as const).entries()) {
  const board = loadBoard(name);
  const json = provisioned.boards[index].json;
  const emulated = world.addBoard({
    name, profile: name === 'pico' ? 'kaluma' : name === 'esp32' ? 'espruino' : 'emulator', costs: COSTS[name],
    heapBytesMax: board.heap_bytes_max, watchdogMs: board.watchdog_ms,
    files: name === 'pico' ? { '/provision.json': encode(json) } : name === 'esp32' ? { 'provision.json': encode(json) } : {},
    config: json, links: 1,
  }, `dist/${name}/firmware.js`);
  world.run(60000);
  result[name] = { heap_peak_bytes: emulated.heapPeakBytes, heap_bytes_max: board.heap_bytes_max, resets: emulated.resets };
}
console.log(JSON.stringify(result));
