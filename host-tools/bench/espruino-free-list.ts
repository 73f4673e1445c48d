// How Espruino's allocations slow down between garbage collections (docs/benchmarks.md, "SHA-512 as the
// node makes it"): on the real interpreter (../shared/upstream/espruino/), native SHA-512 of a record's
// size in batches of BATCH, each batch's microseconds per hash by the interpreter's own clock, first
// with no collection between batches, then with one before each batch (what boards/esp32/collect.ts does).
// Usage: node --import tsx host-tools/bench/espruino-free-list.ts
import { EspruinoProcess, espruinoMissing } from './espruino-runner';

const BATCH = 100;
const BATCHES = 10;
/** A record's signed bytes and signature, about what the node hashes for a record id. */
const MESSAGE_BYTES = 166;

const PROGRAM = `var C=require("crypto");var input=new Uint8Array(${MESSAGE_BYTES});
function batches(collect){var out=[];for(var b=0;b<${BATCHES};b++){if(collect)process.memory();var s=getTime();
for(var i=0;i<${BATCH};i++)C.SHA512(input);out.push(Math.round((getTime()-s)*1e7/${BATCH})/10);}return out;}`;

export async function runFreeListBench(): Promise<{ batch: number; us_per_hash_without_collection: number[]; us_per_hash_collected_before_each_batch: number[] }> {
  const espruino = EspruinoProcess.start(PROGRAM);
  try {
    await espruino.evaluate('1');
    // A collection first, so both series start from a list in address order.
    await espruino.evaluate('process.memory(),1');
    const without = JSON.parse((await espruino.evaluate('batches(false)')).value) as number[];
    const collected = JSON.parse((await espruino.evaluate('batches(true)')).value) as number[];
    return { batch: BATCH, us_per_hash_without_collection: without, us_per_hash_collected_before_each_batch: collected };
  } finally {
    espruino.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const missing = espruinoMissing();
  console.log(JSON.stringify(missing !== null ? { skipped: missing } : await runFreeListBench()));
}
