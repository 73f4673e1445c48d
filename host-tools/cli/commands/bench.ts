// `smartchain bench validation`: the validation bench on one emulated board (host-tools/bench/validation.ts).
import { benchBoard, runNativeValidationBench, runValidationBench } from '../../bench/validation';
import { SerialBenchError, runSerialValidationBench } from '../../bench/validation-serial';
import { Command, CommandError, UsageError, parseChoice, parseIntegerOption } from '../command';

export const command: Command = {
  name: 'bench',
  summary: 'measure validation latency on a board (emulator)',
  usage: `smartchain bench validation --target emulator|serial:PORT --board pico|pico-stock|esp32 [--repeats N] [--json]

Signing one record, validating two caps, the whole issue-a-record path and, in the same run, the naive
path (plain tweetnacl: verify twice, sign once): min, median and max in host ms, projected board ms
from the emulator's cost model (its basis is printed), and the heap peak. On the pico (our image, native
smartcrypto): signing, one verification, two caps validated cold and the trade-time path, with the
module's board time from board.json.
  --target serial:PORT runs the same bench program on a board over its REPL (Kaluma, --board pico):
    written with kaluma write, each call timed from the line's end to the next prompt, the heap peak
    from .mem; nothing is projected there. The esp32's Espruino console is not driven.`,
  options: { target: { type: 'string' }, board: { type: 'string' }, repeats: { type: 'string' }, json: { type: 'boolean' } },
  positionals: true,
  async run(values, positionals) {
    if (positionals[0] !== 'validation') throw new UsageError('the only bench here is: smartchain bench validation');
    const target = typeof values.target === 'string' ? values.target : 'emulator';
    if (target !== 'emulator' && !/^serial:.+/.test(target)) throw new UsageError(`--target ${target}: emulator or serial:PORT`);
    const board = parseChoice(values, 'board', ['pico', 'pico-stock', 'esp32'] as const);
    const repeats = parseIntegerOption(values, 'repeats', 1, 100, 5);
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
