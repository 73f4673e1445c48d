// `smartchain bench validation`: the validation bench on one emulated board (host-tools/bench/validation.ts).
import { runValidationBench } from '../../bench/validation';
import { runEspruinoValidationBench } from '../../bench/validation-espruino';
import { SerialBenchError, runSerialValidationBench } from '../../bench/validation-serial';
import { Command, CommandError, UsageError, parseChoice, parseIntegerOption } from '../command';

export const command: Command = {
  name: 'bench',
  summary: 'measure validation latency on a board (emulator)',
  usage: `smartchain bench validation --target emulator|espruino|serial:PORT --board pico|esp32 [--repeats N] [--json]

Signing one record, validating two caps, the whole issue-a-record path and, in the same run, the naive
path (plain tweetnacl: verify twice, sign once): min, median and max in host ms, projected board ms
from the emulator's cost model (its basis is printed), and the heap peak.
  --target serial:PORT runs the same bench program on a board over its REPL (Kaluma, --board pico):
    written with kaluma write, each call timed from the line's end to the next prompt, the heap peak
    from .mem; nothing is projected there. The esp32's Espruino console is not driven.
  --target espruino (--board esp32) runs the bench program on Espruino's own interpreter (its Linux build
    in ../shared/upstream/espruino/) next to QuickJS in the same run, on the JS paths and with the natives
    (native SHA-512, E.convolve), projects ESP32 board time and writes the emulator's esp32 calibration
    (host-tools/emulator/esp32-calibration.json).`,
  options: { target: { type: 'string' }, board: { type: 'string' }, repeats: { type: 'string' }, json: { type: 'boolean' } },
  positionals: true,
  async run(values, positionals) {
    if (positionals[0] !== 'validation') throw new UsageError('the only bench here is: smartchain bench validation');
    const target = typeof values.target === 'string' ? values.target : 'emulator';
    if (target !== 'emulator' && target !== 'espruino' && !/^serial:.+/.test(target)) throw new UsageError(`--target ${target}: emulator, espruino or serial:PORT`);
    const board = parseChoice(values, 'board', ['pico', 'esp32'] as const);
    if (target === 'espruino') {
      if (board !== 'esp32') throw new UsageError('--target espruino runs the esp32 bench (--board esp32)');
      const espruinoResult = await runEspruinoValidationBench({ calibrationOut: 'host-tools/emulator/esp32-calibration.json' });
      if (values.json === true) console.log(JSON.stringify(espruinoResult));
      else {
        console.log(`esp32 (espruino: ${espruinoResult.basis})`);
        for (const [mode, rows] of [['before (JS paths)', espruinoResult.before], ['after (natives)', espruinoResult.after]] as const) {
          console.log(`  ${mode}: ${rows.natives}`);
          for (const [name, row] of Object.entries(rows)) {
            if (typeof row !== 'object' || row === null || !('projected_esp32_ms' in row)) continue;
            const figures = row as { espruino_host_cpu_ms: number; quickjs_host_cpu_ms: number; ratio_espruino_to_quickjs: number; projected_esp32_ms: number };
            console.log(`    ${name.padEnd(24)} espruino ${String(figures.espruino_host_cpu_ms).padStart(10)} ms  quickjs ${String(figures.quickjs_host_cpu_ms).padStart(9)} ms  ratio ${String(figures.ratio_espruino_to_quickjs).padStart(6)}  esp32 ${String(figures.projected_esp32_ms).padStart(10)} ms`);
          }
          console.log(`    heap ${JSON.stringify(rows.heap_variables)}`);
        }
      }
      return 0;
    }
    const repeats = parseIntegerOption(values, 'repeats', 1, 100, 5);
    let result: Awaited<ReturnType<typeof runValidationBench>> | Awaited<ReturnType<typeof runSerialValidationBench>>;
    try {
      result = target === 'emulator' ? await runValidationBench(board, repeats) : await runSerialValidationBench(board, target.slice('serial:'.length), repeats);
    } catch (error) {
      if (error instanceof SerialBenchError) throw new CommandError(error.code, error.message);
      throw error;
    }
    if (values.json === true) console.log(JSON.stringify(result));
    else {
      console.log(`${board} (${result.target}, ${result.projected_board_ms.basis})`);
      for (const [name, host, projected] of [
        ['sign one record', result.sign_ms, result.projected_board_ms.sign],
        ['validate two caps', result.validate_two_caps_ms, result.projected_board_ms.validate_two_caps],
        ['issue a record', result.issue_record_ms, result.projected_board_ms.issue_record],
        ['naive (tweetnacl)', result.naive_ms, result.projected_board_ms.naive],
      ] as const) console.log(`  ${name.padEnd(20)} host ${String(host.median).padStart(8)} ms   board ${(projected.median / 1000).toFixed(1).padStart(8)} s`);
      console.log(`  ratio to naive ${result.ratio_to_naive} (host), ${result.projected_board_ms.ratio_to_naive} (board); heap peak ${result.heap_peak_bytes} B`);
    }
    return 0;
  },
};
