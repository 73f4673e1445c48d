// `smartchain flash`: writes a board's bundle with the runtime's own tool, so what users run is what the
// vendors support: Kaluma's `kaluma write` (YMODEM over the REPL, @kaluma/cli) for the pico, the
// `espruino` command-line tool for the esp32, storing the code in `.bootcde` so it runs at boot. Before
// writing it checks the port is a serial port or pseudo-terminal (or the esp32's tcp://) and the file is
// a bundle built for that board (its stamp line, host-tools/build/bundle-stamp.ts); after writing it
// reads the stored program's size back over the REPL, since neither tool reports every failure in its
// exit code (kaluma write exits 0 after an ioctl error).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadBoard } from '../../build/boards';
import { BundleError, checkBundle } from '../../build/bundle-stamp';
import { BoardPort, PortError, checkSerialPort, isTcpPort } from '../../repl/board-port';
import { BoardRepl, replDialectOf } from '../../repl/board-repl';
import { Command, CommandError, parseChoice, requireString } from '../command';

const BIN = join(process.cwd(), 'node_modules', '.bin');
/** Kaluma's program area less its NUL terminator (docs/platforms.md A2); no bundle comes near it. */
const BUNDLE_BYTES_MAX = 524287;
const ANSWER_TIMEOUT_MS = 15000;
/** What the tool printed last, for the one-line error when it fails. */
const TOOL_OUTPUT_BYTES_MAX = 65536;

/** The child command a flash runs; exported for the serial bench, which writes its own program. */
export function flashInvocation(board: 'pico' | 'pico-stock' | 'esp32', port: string, file: string): { tool: string; args: string[] } {
  if (loadBoard(board).runtime === 'kaluma-1.2.1') {
    return { tool: join(BIN, 'kaluma'), args: ['write', file, '--port', port] };
  }
  return {
    tool: join(BIN, 'espruino'),
    args: ['--port', port, '-b', '115200', '--no-ble', '--config', 'SAVE_ON_SEND=1', file],
  };
}

/** Runs the tool, keeping the end of what it printed; resolves with its exit status. */
function runTool(tool: string, args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('latin1')).slice(-TOOL_OUTPUT_BYTES_MAX);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolve({ status: 1, output: error.message }));
    child.on('close', (code) => resolve({ status: code ?? 1, output }));
  });
}

const lastLine = (text: string) => text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0).slice(-1)[0] ?? '';

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
      if (!existsSync(file)) throw new CommandError('BUNDLE_MISSING', `${file} does not exist; run smartchain build --board ${board}`);
      if (!statSync(file).isFile()) throw new CommandError('BUNDLE_MISSING', `${file} is not a file`);
      if (statSync(file).size > BUNDLE_BYTES_MAX) throw new CommandError('BUNDLE_TOO_LARGE', `${file} is over ${BUNDLE_BYTES_MAX} bytes, more than a board holds`);
      const bytes = new Uint8Array(readFileSync(file));
      const stamp = checkBundle(bytes, board);
      // The espruino tool also reaches a board over TCP (tcp://host:port, as the emulated esp32 offers).
      if (isTcpPort(port) && board !== 'esp32') throw new CommandError('PORT_NOT_SERIAL', 'only the esp32 is reached over tcp://');
      if (!isTcpPort(port)) checkSerialPort(port);
      const { tool, args } = flashInvocation(board, port, file);
      if (!existsSync(tool)) throw new CommandError('TOOL_MISSING', `${tool} is not installed; run make setup`);
      const run = await runTool(tool, args);
      if (run.status !== 0) throw new CommandError('FLASH_FAILED', `${board} flash tool exited with ${run.status}: ${lastLine(run.output)}`);
      // Read back what the board stored, over its REPL (the tool has closed the port).
      const opened = await BoardPort.open(port, ANSWER_TIMEOUT_MS);
      let stored: { bytes: number; firstLine: string | null };
      try {
        stored = await new BoardRepl(opened, replDialectOf(board)).storedProgram(ANSWER_TIMEOUT_MS);
      } finally {
        opened.close();
      }
      if (stored.bytes !== bytes.length) {
        throw new CommandError('FLASH_VERIFY_FAILED', `the board stored ${stored.bytes < 0 ? 'no program' : `${stored.bytes} bytes`}, not the ${bytes.length} of ${file}${run.output.trim() ? ` (tool: ${lastLine(run.output)})` : ''}`);
      }
      const firstLine = Buffer.from(bytes.subarray(0, bytes.indexOf(0x0a))).toString('latin1');
      if (stored.firstLine !== null && stored.firstLine !== firstLine) throw new CommandError('FLASH_VERIFY_FAILED', 'the stored program does not begin with the bundle\'s stamp');
      console.log(`flashed ${board} on ${port}: ${file} (${stamp.board} bundle, version ${stamp.version}, ${bytes.length} bytes); the board holds ${stored.bytes} bytes`);
      return 0;
    } catch (error) {
      if (error instanceof BundleError || error instanceof PortError) throw new CommandError(error.code, `${error.message}${error instanceof BundleError ? ` (${file})` : ''}`);
      throw error;
    }
  },
};
