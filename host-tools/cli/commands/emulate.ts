// `smartchain emulate --board pico`: one emulated Kaluma board on a pseudo-terminal, in real time. Prints
// the terminal's path and runs until stopped; `kaluma write FILE -p PATH` flashes it like a real Pico.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBoard } from '../../build/boards';
import { EmulatedBoard } from '../../emulator/board';
import { PICO_COSTS } from '../../emulator/cost-model';
import { KalumaRepl } from '../../emulator/kaluma-repl';
import { loadQuickJS, seededRandom } from '../../emulator/world';
import { Command, UsageError, parseChoice, parseIntegerOption } from '../command';

const RELAY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'emulator', 'pty-relay.py');

export const command: Command = {
  name: 'emulate',
  summary: 'run an emulated board on a pseudo-terminal (Kaluma REPL)',
  usage: `smartchain emulate --board pico [--state DIR] [--seed S] [--watchdog-ms MS]

Starts an emulated Pico running Kaluma 1.2.1's REPL on a new pseudo-terminal and prints its path.
The program written with '.flash -w' (kaluma write) is kept in DIR/program.js and survives .reset.
  --state DIR        where the board's flash lives (default: a new temporary folder)
  --watchdog-ms MS   reset a call that keeps the board longer than MS of board time (default: the
                     board's watchdog_ms; 0: none, as on Kaluma 1.2.1 when the program arms no watchdog)
The esp32 board's Espruino console is not emulated on a terminal.`,
  options: { board: { type: 'string' }, state: { type: 'string' }, seed: { type: 'string' }, 'watchdog-ms': { type: 'string' } },
  async run(values) {
    const boardName = parseChoice(values, 'board', ['pico', 'esp32'] as const);
    if (boardName !== 'pico') throw new UsageError('only --board pico has a terminal (Kaluma REPL) in this version');
    const description = loadBoard('pico');
    const watchdogMs = parseIntegerOption(values, 'watchdog-ms', 0, 3600000, description.watchdog_ms);
    const state = typeof values.state === 'string' ? values.state : mkdtempSync(join(tmpdir(), 'smartchain-pico-'));
    mkdirSync(state, { recursive: true });
    const board = new EmulatedBoard(await loadQuickJS(), {
      name: 'pico', profile: 'kaluma', costs: PICO_COSTS, heapBytesMax: description.heap_bytes_max, watchdogMs: watchdogMs === 0 ? Number.MAX_SAFE_INTEGER : watchdogMs,
      random: seededRandom(Number(values.seed ?? 1)),
    });
    const relay = spawn('python3', [RELAY], { stdio: ['pipe', 'pipe', 'inherit'] });
    const repl = new KalumaRepl(board, join(state, 'program.js'), (bytes) => relay.stdin.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes));
    let header = Buffer.alloc(0);
    let ready = false;
    relay.stdout.on('data', (chunk: Buffer) => {
      if (ready) return repl.receive(chunk);
      header = Buffer.concat([header, chunk]);
      const newline = header.indexOf(0x0a);
      if (newline < 0) return;
      ready = true;
      console.log(header.subarray(0, newline).toString());
      repl.start();
      if (header.length > newline + 1) repl.receive(header.subarray(newline + 1));
    });
    const started = Date.now();
    const clock = setInterval(() => {
      board.runUntil(Date.now() - started);
      repl.flushLog();
    }, 50);
    await new Promise<void>((resolve) => {
      const stop = () => {
        clearInterval(clock);
        relay.kill();
        resolve();
      };
      relay.on('exit', stop);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
