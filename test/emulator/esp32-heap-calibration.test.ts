// The esp32's heap model against Espruino's real interpreter: the calibration bench
// (host-tools/bench/calibrate-esp32.ts) runs the esp32 bundles on both engines, and the model as it is in
// the tree (HEAP_MODELS.espruino) must stay within 10 % of the real figure (variables x 14 B) on every
// workload of the node, and the real figures within the budget the model is held to. Needs make build;
// skipped, on one line, when the interpreter is absent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard } from '../../host-tools/build/boards';
import { calibrateEsp32 } from '../../host-tools/bench/calibrate-esp32';
import { espruinoMissing } from '../../host-tools/bench/espruino-runner';

/** The error the calibrated model may have against the real interpreter (the pico's bound, issue 12). */
const MODEL_ERROR_PERCENT_MAX = 10;
const missing = espruinoMissing();

if (missing !== null) {
  console.log(`esp32-heap-calibration: ${missing}`);
} else {
  test('the esp32 heap model is within 10 % of Espruino on the node\'s workloads, and the real heap within the budget', async () => {
    const calibration = await calibrateEsp32(0);
    const budget = loadBoard('esp32').heap_bytes_max;
    const nodeRows = calibration.rows.filter((row) => row.node);
    assert.ok(nodeRows.length >= 4, JSON.stringify(calibration.rows));
    for (const row of nodeRows) {
      console.log(`  ${row.workload}: real ${row.real_bytes} B (${row.espruino_variables} variables), model ${row.model_in_tree_bytes} B (${row.model_in_tree_error_percent} %)`);
      assert.ok(Math.abs(row.model_in_tree_error_percent) <= MODEL_ERROR_PERCENT_MAX, `${row.workload}: ${JSON.stringify(row)}`);
      assert.ok(row.real_bytes < budget, `${row.workload}: real ${row.real_bytes} B of ${budget} B`);
    }
    assert.ok(Math.abs(calibration.fitted.quickjsPerBoardByte - calibration.heap_model_in_tree.quickjsPerBoardByte) <= 0.1, `refit: ${JSON.stringify(calibration.fitted)}`);
  });
  test.run();
}
