// `smartchain emulate --board pico|pico-stock|esp32`: one emulated board on a pseudo-terminal, in real
// time. Prints the terminal's path and runs until stopped. The picos speak Kaluma's REPL (`kaluma write FILE -p PATH`
// flashes it like a real Pico); the esp32 speaks Espruino's console, also on a TCP port (the line after
// the path), because the `espruino` tool opens only serial ports it can list, and a pseudo-terminal is not.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBoard } from '../../build/boards';
import { EmulatedBoard } from '../../emulator/board';
import { emulatedBoardOptions } from '../../emulator/profile';
import { EspruinoConsole } from '../../emulator/espruino-console';
import { KalumaRepl } from '../../emulator/kaluma-repl';
import { emulateRp2040, EngineError } from '../../emulator/rp2040/emulate';
import { ImageError } from '../../emulator/rp2040/image';
import { MachineError } from '../../emulator/rp2040/machine';
import { resolveImage } from '../../emulator/rp2040/upstream';
import { loadQuickJS, seededRandom } from '../../emulator/world';
import { Command, CommandError, parseChoice, parseIntegerOption, UsageError } from '../command';

const RELAY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'emulator', 'pty-relay.py');

export const command: Command = {
  name: 'emulate',
  summary: 'run an emulated board on a pseudo-terminal (Kaluma REPL, Espruino console)',
  usage: `smartchain emulate --board pico|pico-stock|esp32 [--state DIR] [--seed S] [--watchdog-ms MS] [--tcp PORT]
       smartchain emulate --board pico --engine rp2040 [--image FILE|stock] [--flash FILE]

Starts an emulated board on a new pseudo-terminal and prints its path.
  pico   Kaluma 1.2.1's REPL on our image (its native smartcrypto module). The program written with
         '.flash -w' (kaluma write) is kept in DIR/program.js and survives .reset; files written with
         require('fs') (provision.json) are kept in DIR/fs.
  pico-stock  the same on the stock Kaluma 1.2.1 image (no smartcrypto).
A program that fails (a missing global, over the heap budget) prints its error on the console and
the board stays at its prompt, as a real one does.
  esp32  Espruino's console, as the espruino tool uses it; also on tcp://127.0.0.1:PORT (printed on
         the second line), for the espruino tool, which opens only serial ports it can list. Storage
         files are kept in DIR/storage; .bootcde runs at start and on load().
  --state DIR        where the board's flash lives (default: a temporary folder, removed on exit)
  --watchdog-ms MS   reset a call that keeps the board longer than MS of board time (default: the
                     board's watchdog_ms; 0: none, as on Kaluma 1.2.1 when the program arms no watchdog)
  --tcp PORT         the esp32's TCP port (default: any free port)
  --engine ENGINE    quickjs (default): the bundle in QuickJS under the board's cost model;
                     rp2040: the real Kaluma firmware image in the rp2040js chip emulator (pico only),
                     about 0.4 times real time at best; board time is the simulator's clock
  --image FILE       the rp2040 engine's image, .uf2 or .bin (default dist/pico/kaluma-smartchain.uf2,
                     from make image); 'stock' is Kaluma 1.2.1's own, from ../shared/upstream/
  --flash FILE       keep the rp2040 board's data flash (storage, program, filesystem) in FILE`,
  options: {
    board: { type: 'string' }, state: { type: 'string' }, seed: { type: 'string' }, 'watchdog-ms': { type: 'string' }, tcp: { type: 'string' },
    engine: { type: 'string' }, image: { type: 'string' }, flash: { type: 'string' },
  },
  async run(values) {
    const boardName = parseChoice(values, 'board', ['pico', 'pico-stock', 'esp32'] as const);
    const engine = parseChoice(values, 'engine', ['quickjs', 'rp2040'] as const, 'quickjs');
    if (engine === 'rp2040') {
      if (boardName === 'esp32') throw new UsageError('--engine rp2040 runs the pico only (--image picks our image or the stock one)');
      try {
        await emulateRp2040(resolveImage(values.image as string | undefined), values.flash as string | undefined, (line) => console.log(line));
      } catch (error) {
        if (error instanceof EngineError || error instanceof ImageError || error instanceof MachineError) throw new CommandError(error.code, error.message.slice(error.code.length + 2));
        throw error;
      }
      return 0;
    }
    if (values.image !== undefined || values.flash !== undefined) throw new UsageError('--image and --flash are options of --engine rp2040');
    const description = loadBoard(boardName);
    const watchdogMs = parseIntegerOption(values, 'watchdog-ms', 0, 3600000, description.watchdog_ms);
    const tcpPort = parseIntegerOption(values, 'tcp', 0, 65535, 0);
    const seed = parseIntegerOption(values, 'seed', 0, 2 ** 31 - 1, 1);
    // Without --state the board's flash lives in a temporary folder that goes when the emulator stops.
    const temporary = typeof values.state === 'string' ? null : mkdtempSync(join(tmpdir(), `smartchain-${boardName}-`));
    const state = temporary ?? (values.state as string);
    mkdirSync(state, { recursive: true });
    const options = emulatedBoardOptions(description);
    const board = new EmulatedBoard(await loadQuickJS(), {
      name: boardName, ...options, watchdogMs: watchdogMs === 0 ? Number.MAX_SAFE_INTEGER : watchdogMs,
      random: seededRandom(seed),
      // A bad program prints its error on the console and the board stays at its prompt (docs/emulator.md).
      interactive: true,
    });
    const relay = spawn('python3', [RELAY], { stdio: ['pipe', 'pipe', 'inherit'] });
    const clients = new Set<Socket>();
    const write = (bytes: Uint8Array | string) => {
      const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
      relay.stdin.write(buffer);
      for (const client of clients) client.write(buffer);
    };
    const terminal = options.profile === 'kaluma' ? new KalumaRepl(board, join(state, 'program.js'), write, join(state, 'fs')) : new EspruinoConsole(board, join(state, 'storage'), write);
    const server = options.profile === 'espruino' ? createServer((socket) => {
      clients.add(socket);
      socket.on('data', (chunk: Buffer) => terminal.receive(chunk));
      socket.on('close', () => clients.delete(socket));
      socket.on('error', () => clients.delete(socket));
    }) : null;
    let header = Buffer.alloc(0);
    let ready = false;
    relay.stdout.on('data', async (chunk: Buffer) => {
      if (ready) return terminal.receive(chunk);
      header = Buffer.concat([header, chunk]);
      const newline = header.indexOf(0x0a);
      if (newline < 0) return;
      ready = true;
      console.log(header.subarray(0, newline).toString());
      if (server !== null) {
        await new Promise<void>((resolve) => server.listen(tcpPort, '127.0.0.1', resolve));
        const address = server.address();
        console.log(`tcp://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : tcpPort}`);
      }
      terminal.start();
      if (header.length > newline + 1) terminal.receive(header.subarray(newline + 1));
    });
    const started = Date.now();
    const clock = setInterval(() => {
      board.runUntil(Date.now() - started);
      terminal.flushLog();
    }, 50);
    await new Promise<void>((resolve) => {
      const stop = () => {
        clearInterval(clock);
        relay.kill();
        server?.close();
        for (const client of clients) client.destroy();
        if (temporary !== null) rmSync(temporary, { recursive: true, force: true });
        resolve();
      };
      relay.on('exit', stop);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
