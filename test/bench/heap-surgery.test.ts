// The heap-surgery bench on Espruino's real interpreter (the esp32 rows; the pico rows take minutes of
// rp2040js and are run by hand, docs/platforms.md F): the bundle with tweetnacl pruned and without it both
// start their node, and pruning holds fewer variables and bytes. Skipped, on one line, without the interpreter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ESP32_VARIABLES_MAX, runHeapSurgeryBench } from '../../host-tools/bench/heap-surgery';
import { espruinoMissing } from '../../host-tools/bench/espruino-runner';

const missing = espruinoMissing();
if (missing !== null) {
  console.log(`heap-surgery bench test ${missing}`);
} else {
  test('the esp32 rows: pruning tweetnacl saves bundle bytes and Espruino variables, and both builds start', async () => {
    const rows = await runHeapSurgeryBench(['esp32'], 0, () => {});
    assert.equal(rows.map((row) => row.off), ['none (every piece on)', 'prune-nacl']);
    const [pruned, whole] = rows;
    assert.ok(pruned.heap !== null && whole.heap !== null, JSON.stringify(rows));
    assert.is(pruned.heap?.unit, 'variables');
    assert.ok(whole.bundle_bytes - pruned.bundle_bytes > 10000, `pruning saves ${whole.bundle_bytes - pruned.bundle_bytes} B`);
    assert.ok((whole.heap?.used ?? 0) - (pruned.heap?.used ?? 0) > 1000, `pruning saves ${(whole.heap?.used ?? 0) - (pruned.heap?.used ?? 0)} variables`);
    assert.ok((pruned.heap?.peak ?? Infinity) < ESP32_VARIABLES_MAX, `${pruned.heap?.peak} variables`);
  });
  test.run();
}
