// The heap-surgery bench on Espruino's real interpreter (the esp32 rows; the pico rows take minutes of
// rp2040js and are run by hand, docs/platforms.md F): the bundle with tweetnacl pruned and without it both
// start their node, and pruning (and packing SHA-512's constants) holds fewer variables and bytes. Skipped, on one line, without the interpreter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ESP32_VARIABLES_MAX, runHeapSurgeryBench } from '../../host-tools/bench/heap-surgery';
import { espruinoMissing } from '../../host-tools/bench/espruino-runner';

const missing = espruinoMissing();
if (missing !== null) {
  console.log(`heap-surgery bench test ${missing}`);
} else {
  test('the esp32 rows: pruning tweetnacl and packing its constants save Espruino variables, and every build starts', async () => {
    const rows = await runHeapSurgeryBench(['esp32'], 0, () => {});
    assert.equal(rows.map((row) => row.off), ['none (every piece on)', 'prune-nacl', 'pack-sha512-constants', 'all']);
    const [pruned, whole, unpacked] = rows;
    assert.ok(pruned.heap !== null && whole.heap !== null, JSON.stringify(rows));
    assert.is(pruned.heap?.unit, 'variables');
    assert.ok(whole.bundle_bytes - pruned.bundle_bytes > 10000, `pruning saves ${whole.bundle_bytes - pruned.bundle_bytes} B`);
    assert.ok((whole.heap?.used ?? 0) - (pruned.heap?.used ?? 0) > 1000, `pruning saves ${(whole.heap?.used ?? 0) - (pruned.heap?.used ?? 0)} variables`);
    // 80 u64 objects against one Int32Array: about 430 variables measured (docs/platforms.md F).
    assert.ok((unpacked.heap?.used ?? 0) - (pruned.heap?.used ?? 0) > 200, `packing saves ${(unpacked.heap?.used ?? 0) - (pruned.heap?.used ?? 0)} variables`);
    assert.ok((pruned.heap?.peak ?? Infinity) < ESP32_VARIABLES_MAX, `${pruned.heap?.peak} variables`);
  });
  test.run();
}
