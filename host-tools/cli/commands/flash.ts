// `smartchain flash`: writes a board's bundle with the runtime's own tool (kaluma write for the pico,
// the espruino tool for the esp32) and reads the stored size back; the checks and the writing are
// host-tools/repl/flash.ts, this is the command line around them.
import { join } from 'node:path';
import { BundleError } from '../../build/bundle-stamp';
import { PortError } from '../../repl/board-port';
import { FlashError, flashBundle } from '../../repl/flash';
import { Command, CommandError, parseChoice, requireString } from '../command';

export const command: Command = {
  name: 'flash',
  summary: 'write a board bundle to a board (kaluma write, or the espruino tool)',
  usage: `smartchain flash --board pico|pico-stock|esp32 --port PORT [--file FILE]

Writes dist/<board>/firmware.js (or --file, a bundle smartchain build made for that board) to the
board on PORT with the runtime's own tool, then reads the stored size back over the REPL:
  pico, pico-stock   kaluma write FILE --port PORT   (YMODEM over Kaluma's REPL; then .load runs it; .flash -s)
         (pico needs our Kaluma image with its smartcrypto module, pico-stock the stock one: docs/boards.md)
  esp32  espruino --port PORT -b 115200 --config SAVE_ON_SEND=1 FILE   (stored as .bootcde, runs at boot)
Refused before anything is written: a port that is not a serial port or pseudo-terminal, and a file
without the stamp line the build writes for that board (or whose size or SHA-256 differs from it).
The port may be the emulator's: smartchain emulate --board pico prints a pseudo-terminal for kaluma
write; smartchain emulate --board esp32 prints a pseudo-terminal and a tcp://127.0.0.1:PORT address,
which is what the espruino tool can open (it lists serial ports, and a pseudo-terminal is not one).`,
  options: { board: { type: 'string' }, port: { type: 'string' }, file: { type: 'string' } },
  async run(values) {
    const board = parseChoice(values, 'board', ['pico', 'pico-stock', 'esp32'] as const);
    const port = requireString(values, 'port');
    const file = typeof values.file === 'string' ? values.file : join('dist', board, 'firmware.js');
    try {
      const flashed = await flashBundle(board, port, file);
      console.log(`flashed ${board} on ${port}: ${file} (${flashed.stamp.board} bundle, version ${flashed.stamp.version}, ${flashed.bytes} bytes); the board holds ${flashed.storedBytes} bytes`);
      return 0;
    } catch (error) {
      if (error instanceof FlashError) throw new CommandError(error.code, error.message);
      if (error instanceof BundleError || error instanceof PortError) throw new CommandError(error.code, `${error.message}${error instanceof BundleError ? ` (${file})` : ''}`);
      throw error;
    }
  },
};
