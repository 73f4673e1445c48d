// `smartchain build`: bundles the firmware for one board or all of them, prints each bundle's size per
// module, and with --check-budget fails when a bundle is over its board's bundle_bytes_max.
import { BOARDS, BoardFileError, loadBoard } from '../../build/boards';
import { BuildError, buildBoard, formatSizeReport, writeSizeReport } from '../../build/bundle';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommandError, UsageError, parseChoice } from '../command';

export const command: Command = {
  name: 'build',
  summary: 'bundle the firmware for a board (pico, esp32, emulator)',
  usage: `smartchain build --board pico|esp32|emulator|all [--lora] [--check-budget] [--json]

Bundles boards/<board>/main.ts with firmware/ into dist/<board>/firmware.js (one minified IIFE),
refusing syntax and runtime features the board's runtime lacks, and prints the size per module.
  --lora          build the LoRa variant (pico, esp32) into dist/<board>/firmware-lora.js
  --check-budget  fail when a bundle exceeds bundle_bytes_max in boards/<board>/board.json
  --json          print the size reports as one JSON array`,
  options: { board: { type: 'string' }, 'check-budget': { type: 'boolean' }, json: { type: 'boolean' }, lora: { type: 'boolean' } },
  async run(values) {
    const choice = parseChoice(values, 'board', [...BOARDS, 'all'] as const);
    const lora = values.lora === true;
    // The LoRa variant (boards/<board>/main-lora.ts: the radio beside the UART) exists for the pico and the esp32.
    const names = (choice === 'all' ? [...BOARDS] : [choice]).filter((name) => !lora || existsSync(join('boards', name, 'main-lora.ts')));
    if (names.length === 0) throw new UsageError(`${choice} has no LoRa variant`);
    const reports = [];
    for (const name of names) {
      try {
        const board = loadBoard(name);
        const result = await buildBoard(board, lora ? { entry: join('boards', name, 'main-lora.ts'), outfile: join('dist', name, 'firmware-lora.js') } : {});
        if (!lora) writeSizeReport(result);
        reports.push(result);
        if (values.json !== true) console.log(formatSizeReport(result));
        if (values['check-budget'] === true && result.bytes > result.budget) {
          throw new CommandError('BUNDLE_OVER_BUDGET', `${name}: ${result.bytes} bytes exceeds the budget of ${result.budget}`);
        }
      } catch (error) {
        if (error instanceof BuildError || error instanceof BoardFileError) throw new CommandError(error.code, error.message);
        throw error;
      }
    }
    if (values.json === true) console.log(JSON.stringify(reports));
    return 0;
  },
};
