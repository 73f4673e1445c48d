// `smartchain bench validation`: the validation bench on one emulated board (host-tools/bench/validation.ts).
import { runValidationBench } from '../../bench/validation';
import { Command, UsageError, parseChoice, parseIntegerOption } from '../command';

export const command: Command = {
  name: 'bench',
  summary: 'measure validation latency on a board (emulator)',
  usage: `smartchain bench validation --target emulator --board pico|esp32 [--repeats N] [--json]

Signing one record, validating two caps, the whole issue-a-record path and, in the same run, the naive
path (plain tweetnacl: verify twice, sign once): min, median and max in host ms, projected board ms
from the emulator's cost model (its basis is printed), and the heap peak.
  --target serial:PORT (a real board over its REPL) is not supported by this version.`,
  options: { target: { type: 'string' }, board: { type: 'string' }, repeats: { type: 'string' }, json: { type: 'boolean' } },
  positionals: true,
  async run(values, positionals) {
    if (positionals[0] !== 'validation') throw new UsageError('the only bench here is: smartchain bench validation');
    const target = typeof values.target === 'string' ? values.target : 'emulator';
    if (target !== 'emulator') throw new UsageError(`--target ${target}: only the emulator is supported in this version`);
    const board = parseChoice(values, 'board', ['pico', 'esp32'] as const);
    const result = await runValidationBench(board, parseIntegerOption(values, 'repeats', 1, 100, 5));
    if (values.json === true) console.log(JSON.stringify(result));
    else {
      console.log(`${board} (emulator, ${result.projected_board_ms.basis})`);
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
