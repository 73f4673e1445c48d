// `smartchain build`: placeholder replaced by the esbuild bundler in host-tools/build.
import { Command, parseChoice } from '../command';
export const command: Command = {
  name: 'build',
  summary: 'bundle the firmware for a board',
  usage: 'smartchain build --board pico|esp32|emulator|all [--check-budget]',
  options: { board: { type: 'string' }, 'check-budget': { type: 'boolean' } },
  async run(values) {
    parseChoice(values, 'board', ['pico', 'esp32', 'emulator', 'all'] as const);
    return 0;
  },
};
