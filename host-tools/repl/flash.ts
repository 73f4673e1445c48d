// Writes a board's bundle with the runtime's own tool, so what users run is what the vendors support:
// Kaluma's `kaluma write` (YMODEM over the REPL, @kaluma/cli) for the pico, the `espruino` command-line
// tool for the esp32, storing the code in `.bootcde` so it runs at boot. Before writing it checks the
// port is a serial port or pseudo-terminal (or the esp32's tcp://) and the file is a bundle built for that
// board (its stamp line, host-tools/build/bundle-stamp.ts); after writing it reads the stored program's
// size back over the REPL, since neither tool reports every failure in its exit code (kaluma write exits
// 0 after an ioctl error). `smartchain flash` and the serial bench use it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { boardProfile } from '../build/board-profile';
import { Stamp, checkBundle } from '../build/bundle-stamp';
import { BoardPort, checkSerialPort, isTcpPort } from './board-port';
import { BoardRepl, replDialectOf } from './board-repl';

export type FlashBoard = 'pico' | 'pico-stock' | 'esp32';

const BIN = join(process.cwd(), 'node_modules', '.bin');
/** Kaluma's program area less its NUL terminator (docs/platforms.md A2); no bundle comes near it. */
const BUNDLE_BYTES_MAX = 524287;
const ANSWER_TIMEOUT_MS = 15000;
/** What the tool printed last, for the one-line error when it fails. */
const TOOL_OUTPUT_BYTES_MAX = 65536;

/** A flash refused or failed; `code` is the one-line error's code. */
export class FlashError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

/** The child command a flash runs; exported for the serial bench, which writes its own program. */
export function flashInvocation(board: FlashBoard, port: string, file: string): { tool: string; args: string[] } {
  if (boardProfile(board) === 'kaluma') {
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

/**
 * Checks, writes and reads back `file` on the board at `port`. Throws FlashError, BundleError (the
 * file's stamp) or PortError (the port), each with a code, before anything is written when it can.
 */
export async function flashBundle(board: FlashBoard, port: string, file: string): Promise<{ stamp: Stamp; bytes: number; storedBytes: number }> {
  if (!existsSync(file)) throw new FlashError('BUNDLE_MISSING', `${file} does not exist; run smartchain build --board ${board}`);
  if (!statSync(file).isFile()) throw new FlashError('BUNDLE_MISSING', `${file} is not a file`);
  if (statSync(file).size > BUNDLE_BYTES_MAX) throw new FlashError('BUNDLE_TOO_LARGE', `${file} is over ${BUNDLE_BYTES_MAX} bytes, more than a board holds`);
  const bytes = new Uint8Array(readFileSync(file));
  const stamp = checkBundle(bytes, board);
  // The espruino tool also reaches a board over TCP (tcp://host:port, as the emulated esp32 offers).
  if (isTcpPort(port) && board !== 'esp32') throw new FlashError('PORT_NOT_SERIAL', 'only the esp32 is reached over tcp://');
  if (!isTcpPort(port)) checkSerialPort(port);
  const { tool, args } = flashInvocation(board, port, file);
  if (!existsSync(tool)) throw new FlashError('TOOL_MISSING', `${tool} is not installed; run make setup`);
  const run = await runTool(tool, args);
  if (run.status !== 0) throw new FlashError('FLASH_FAILED', `${board} flash tool exited with ${run.status}: ${lastLine(run.output)}`);
  // Read back what the board stored, over its REPL (the tool has closed the port).
  const opened = await BoardPort.open(port, ANSWER_TIMEOUT_MS);
  let stored: { bytes: number; firstLine: string | null };
  try {
    stored = await new BoardRepl(opened, replDialectOf(board)).storedProgram(ANSWER_TIMEOUT_MS);
  } finally {
    opened.close();
  }
  if (stored.bytes !== bytes.length) {
    throw new FlashError('FLASH_VERIFY_FAILED', `the board stored ${stored.bytes < 0 ? 'no program' : `${stored.bytes} bytes`}, not the ${bytes.length} of ${file}${run.output.trim() ? ` (tool: ${lastLine(run.output)})` : ''}`);
  }
  const firstLine = Buffer.from(bytes.subarray(0, bytes.indexOf(0x0a))).toString('latin1');
  if (stored.firstLine !== null && stored.firstLine !== firstLine) throw new FlashError('FLASH_VERIFY_FAILED', 'the stored program does not begin with the bundle\'s stamp');
  return { stamp, bytes: bytes.length, storedBytes: stored.bytes };
}
