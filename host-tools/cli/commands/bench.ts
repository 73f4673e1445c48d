// `smartchain bench validation`: the validation bench on one emulated board (host-tools/bench/validation.ts).
import { benchBoard, runNativeValidationBench, runValidationBench } from '../../bench/validation';
import { runEspruinoValidationBench } from '../../bench/validation-espruino';
import { SerialBenchError, runSerialValidationBench } from '../../bench/validation-serial';
import { RP2040_OPERATIONS, Rp2040BenchError, Rp2040Image, Rp2040Operation, runRp2040ValidationBench } from '../../bench/validation-rp2040';
import { Command, CommandError, UsageError, parseChoice, parseIntegerOption } from '../command';

export const command: Command = {
  name: 'bench',
  summary: 'measure validation latency on a board (emulator)',
  usage: `smartchain bench validation --target emulator|espruino|serial:PORT|rp2040 --board pico|pico-stock|esp32 [--repeats N] [--json]

Signing one record, validating two caps, the whole issue-a-record path and, in the same run, the naive
path (plain tweetnacl: verify twice, sign once): min, median and max in host ms, projected board ms
from the emulator's cost model (its basis is printed), and the heap peak. On the pico (our image, native
smartcrypto): signing, one verification, two caps validated cold and the trade-time path, with the
module's board time from board.json.
  --target serial:PORT runs the same bench program on a board over its REPL (Kaluma, --board pico):
    written with kaluma write, each call timed from the line's end to the next prompt, the heap peak
    from .mem; nothing is projected there. The esp32's Espruino console is not driven.
  --target rp2040 runs it on Kaluma's real firmware in the rp2040js chip emulator (--board pico): our
    image (dist/pico/kaluma-smartchain.uf2, make image) when present and the stock image from
    ../shared/upstream/, in one run; board time from Kaluma's micros() (the simulator clock), heap from
    process.memoryUsage(). Slow: on the stock image one verification is minutes of board time, and
    rp2040js runs at 0.4 times real time at best. Default --repeats 1 there.
  --target espruino (--board esp32) runs the bench program on Espruino's own interpreter (its Linux build
    in ../shared/upstream/espruino/) next to QuickJS in the same run, on the JS paths and with the natives
    (native SHA-512, E.convolve), projects ESP32 board time and writes the emulator's esp32 calibration
    (host-tools/emulator/esp32-calibration.json).
  --ops LIST (rp2040 only) which of ${Object.keys(RP2040_OPERATIONS).join(',')} to run (default all);
    issue_record is the trade-time path (validate two caps cold, sign one record, its id)
  --image native|stock (rp2040 only) run one image, not both`,
  options: { target: { type: 'string' }, board: { type: 'string' }, repeats: { type: 'string' }, json: { type: 'boolean' }, ops: { type: 'string' }, image: { type: 'string' } },
  positionals: true,
  async run(values, positionals) {
    if (positionals[0] !== 'validation') throw new UsageError('the only bench here is: smartchain bench validation');
    const target = typeof values.target === 'string' ? values.target : 'emulator';
    if (target !== 'emulator' && target !== 'espruino' && target !== 'rp2040' && !/^serial:.+/.test(target)) throw new UsageError(`--target ${target}: emulator, espruino, serial:PORT or rp2040`);
    const board = parseChoice(values, 'board', ['pico', 'pico-stock', 'esp32'] as const);
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
    const repeats = parseIntegerOption(values, 'repeats', 1, 100, target === 'rp2040' ? 1 : 5);
    if (target === 'rp2040') return runRp2040(board, repeats, values.ops, values.json === true, values.image === undefined ? ['native', 'stock'] : [parseChoice(values, 'image', ['native', 'stock'] as const)]);
    if (values.ops !== undefined || values.image !== undefined) throw new UsageError('--ops and --image are options of --target rp2040');
    let result: Awaited<ReturnType<typeof runValidationBench>> | Awaited<ReturnType<typeof runSerialValidationBench>> | Awaited<ReturnType<typeof runNativeValidationBench>>;
    try {
      result = target === 'emulator' ? await benchBoard(board, repeats) : await runSerialValidationBench(board, target.slice('serial:'.length), repeats);
    } catch (error) {
      if (error instanceof SerialBenchError) throw new CommandError(error.code, error.message);
      throw error;
    }
    if (values.json === true) console.log(JSON.stringify(result));
    else if ('native_crypto' in result) {
      console.log(`${board} (${result.target}, ${result.projected_board_ms.basis})`);
      for (const [name, host, projected] of [
        ['sign one record', result.sign_ms, result.projected_board_ms.sign],
        ['validate two caps', result.validate_two_caps_ms, result.projected_board_ms.validate_two_caps],
        ['trade-time path', result.issue_record_ms, result.projected_board_ms.trade_time_path],
      ] as const) console.log(`  ${name.padEnd(20)} host ${String(host.median).padStart(8)} ms   board ${projected.median.toFixed(1).padStart(8)} ms`);
      console.log(`  ${result.verifications_per_board_hour} verifications per board hour; trade-time target ${result.trade_time_target_ms} ms: ${result.trade_time_within_target ? 'met' : 'not met'}; heap peak ${result.heap_peak_bytes} B`);
    } else {
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

async function runRp2040(board: 'pico' | 'pico-stock' | 'esp32', repeats: number, ops: unknown, json: boolean, images: Rp2040Image[]): Promise<number> {
  const names = Object.keys(RP2040_OPERATIONS) as Rp2040Operation[];
  const operations = typeof ops === 'string' ? ops.split(',') : names;
  for (const operation of operations) if (!(names as string[]).includes(operation)) throw new UsageError(`--ops: ${operation} is not one of ${names.join(', ')}`);
  let result: Awaited<ReturnType<typeof runRp2040ValidationBench>>;
  try {
    result = await runRp2040ValidationBench(board, repeats, operations as Rp2040Operation[], json ? () => {} : (line) => console.log(line), images);
  } catch (error) {
    if (error instanceof Rp2040BenchError) throw new CommandError(error.code, error.message);
    throw error;
  }
  if (json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const columns = Object.keys(result.images);
  console.log(`${board} (rp2040: ${result.basis})`);
  console.log(`  ${'board ms (median)'.padEnd(26)}${columns.map((column) => column.padStart(14)).join('')}`);
  const row = (label: string, value: (image: (typeof result.images)[string]) => number | undefined) =>
    console.log(`  ${label.padEnd(26)}${columns.map((column) => String(value(result.images[column]) ?? '-').padStart(14)).join('')}`);
  row('boot and load the bench', (image) => image.boot_and_load_board_ms);
  for (const operation of operations as Rp2040Operation[]) row(operation.replace(/_/g, ' '), (image) => image.operations[operation]?.board_ms.median);
  for (const operation of operations as Rp2040Operation[]) row(`heap peak after ${operation.replace(/_/g, ' ')} (B)`, (image) => image.operations[operation]?.heap_peak_bytes);
  row('heap used after load (B)', (image) => image.heap_after_load.heapUsed);
  row('image bytes', (image) => image.image_bytes);
  return 0;
}
