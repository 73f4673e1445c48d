// `smartchain flash`: writes a board's bundle with the runtime's own tool, so what users run is what the
// vendors support: Kaluma's `kaluma write` (YMODEM over the REPL, @kaluma/cli) for the pico, the
// `espruino` command-line tool for the esp32, storing the code in `.bootcde` so it runs at boot.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadBoard } from '../../build/boards';
import { Command, CommandError, parseChoice, requireString } from '../command';

const BIN = join(process.cwd(), 'node_modules', '.bin');

/** The child command a flash runs; exported for the test that checks the arguments. */
export function flashInvocation(board: 'pico' | 'pico-stock' | 'esp32', port: string, file: string): { tool: string; args: string[] } {
  if (loadBoard(board).runtime === 'kaluma-1.2.1') {
    return { tool: join(BIN, 'kaluma'), args: ['write', file, '--port', port] };
  }
  return {
    tool: join(BIN, 'espruino'),
    args: ['--port', port, '-b', '115200', '--no-ble', '--config', 'SAVE_ON_SEND=1', file],
  };
}

export const command: Command = {
  name: 'flash',
  summary: 'write a board bundle to a board (kaluma write, or the espruino tool)',
  usage: `smartchain flash --board pico|pico-stock|esp32 --port PORT [--file FILE]

Writes dist/<board>/firmware.js (or --file) to the board on PORT with the runtime's own tool:
  pico, pico-stock   kaluma write FILE --port PORT   (YMODEM over Kaluma's REPL; then .load runs it)
         (pico needs our Kaluma image with its smartcrypto module, pico-stock the stock one: docs/boards.md)
  esp32  espruino --port PORT -b 115200 --config SAVE_ON_SEND=1 FILE   (stored as .bootcde, runs at boot)
The port may be the emulator's: smartchain emulate --board pico prints a pseudo-terminal for kaluma
write; smartchain emulate --board esp32 prints a pseudo-terminal and a tcp://127.0.0.1:PORT address,
which is what the espruino tool can open (it lists serial ports, and a pseudo-terminal is not one).`,
  options: { board: { type: 'string' }, port: { type: 'string' }, file: { type: 'string' } },
  async run(values) {
    const board = parseChoice(values, 'board', ['pico', 'pico-stock', 'esp32'] as const);
    const port = requireString(values, 'port');
    const file = typeof values.file === 'string' ? values.file : join('dist', board, 'firmware.js');
    if (!existsSync(file)) throw new CommandError('BUNDLE_MISSING', `${file} does not exist; run smartchain build --board ${board}`);
    // The espruino tool also reaches a board over TCP (tcp://host:port, as the emulated esp32 offers).
    if (!(board === 'esp32' && /^tcp:\/\/[^/]+:\d+$/.test(port)) && !existsSync(port)) throw new CommandError('PORT_MISSING', `no such port ${port}`);
    const { tool, args } = flashInvocation(board, port, file);
    if (!existsSync(tool)) throw new CommandError('TOOL_MISSING', `${tool} is not installed; run make setup`);
    const status = await new Promise<number>((resolve) => {
      const child = spawn(tool, args, { stdio: 'inherit' });
      child.on('error', () => resolve(1));
      child.on('exit', (code) => resolve(code ?? 1));
    });
    if (status !== 0) throw new CommandError('FLASH_FAILED', `${board} flash exited with ${status}`);
    return 0;
  },
};
