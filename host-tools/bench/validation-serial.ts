// The validation bench on a board over its serial REPL (Kaluma's, docs/platforms.md A4): the same bench
// program as on the emulator (validation-entry.ts, bundled for the board) is written with `kaluma write`,
// loaded with `.load`, then driven one line at a time; each call is timed on the host from the line's
// end to the next prompt, so the figures are board time plus the REPL round trip (a few ms at 115200
// baud). The heap peak is the REPL's own `.mem`. Only the pico (Kaluma) is supported: the esp32's
// Espruino console is not driven here.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadBoard } from '../build/boards';
import { buildBoard } from '../build/bundle';
import { flashInvocation } from '../repl/flash';
import type { Spread } from './validation';

/** A bench call on a Pico takes minutes with tweetnacl (one verification is about 691 s of pico time). */
const CALL_TIMEOUT_MS = 3600000;
const PROMPT_TIMEOUT_MS = 20000;
const REPLY_BYTES_MAX = 65536;

export class SerialBenchError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(1));
  return { min: round(sorted[0]), median: round(sorted[Math.floor(sorted.length / 2)]), max: round(sorted[sorted.length - 1]) };
};

/** Kaluma's REPL on a serial port: lines end with \r; the reply ends at the next prompt. */
class KalumaSerial {
  private fd: number;

  constructor(port: string) {
    // A real port must be raw (no echo, no line editing); a pseudo-terminal from the emulator already is.
    spawnSync('stty', ['-F', port, 'raw', '-echo', '115200'], { stdio: 'ignore' });
    this.fd = openSync(port, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Sends a line and returns what the board printed before its next prompt (ANSI sequences removed). */
  async command(line: string, timeoutMs: number): Promise<string> {
    this.drain();
    writeSync(this.fd, line + '\r');
    const buffer = Buffer.alloc(4096);
    let seen = '';
    const deadline = Date.now() + timeoutMs;
    while (!/(^|\n)> $/.test(seen)) {
      if (Date.now() > deadline) throw new SerialBenchError('REPL_TIMEOUT', `no prompt within ${timeoutMs} ms after ${JSON.stringify(line)}; got ${JSON.stringify(seen.slice(-200))}`);
      if (seen.length > REPLY_BYTES_MAX) throw new SerialBenchError('REPL_REPLY_TOO_LONG', `more than ${REPLY_BYTES_MAX} bytes after ${JSON.stringify(line)}`);
      const count = this.read(buffer);
      if (count > 0) seen += buffer.subarray(0, count).toString('latin1').replace(/\x1b\[[0-9;]*[A-Za-z]|\x1b[78]/g, '').replace(/\r/g, '');
      else await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return seen.replace(/(^|\n)> $/, '').trim();
  }

  private read(buffer: Buffer): number {
    try {
      return readSync(this.fd, buffer, 0, buffer.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      throw error;
    }
  }

  private drain(): void {
    const buffer = Buffer.alloc(4096);
    while (this.read(buffer) > 0);
  }
}

export async function runSerialValidationBench(boardName: 'pico' | 'pico-stock' | 'esp32', port: string, repeats: number) {
  if (boardName !== 'pico') throw new SerialBenchError('SERIAL_BOARD_UNSUPPORTED', 'the serial bench drives Kaluma\'s REPL: --board pico only');
  if (!existsSync(port)) throw new SerialBenchError('PORT_MISSING', `no such port ${port}`);
  const folder = mkdtempSync(join(tmpdir(), 'smartchain-vbench-serial-'));
  let flashed: ReturnType<typeof spawnSync>;
  try {
    const outfile = join(folder, 'bench.js');
    await buildBoard(loadBoard(boardName), { entry: 'host-tools/bench/validation-entry.ts', outfile, keepNaclSigning: true });
    const { tool, args } = flashInvocation(boardName, port, outfile);
    flashed = spawnSync(tool, args, { encoding: 'utf8', timeout: 300000 });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  if (flashed.status !== 0) throw new SerialBenchError('FLASH_FAILED', `kaluma write exited with ${flashed.status}: ${flashed.stderr || flashed.stdout}`);
  const repl = new KalumaSerial(port);
  try {
    await repl.command('.echo off', PROMPT_TIMEOUT_MS);
    await repl.command('.load', PROMPT_TIMEOUT_MS);
    const prepared = await repl.command('bench.prepare(), typeof bench', CALL_TIMEOUT_MS);
    if (!/object/.test(prepared)) throw new SerialBenchError('BENCH_NOT_LOADED', `the bench program did not load: ${prepared}`);
    const measure = async (code: (round: number) => string) => {
      const times: number[] = [];
      for (let round = 0; round < repeats; round++) {
        const started = performance.now();
        const reply = await repl.command(code(round), CALL_TIMEOUT_MS);
        times.push(performance.now() - started);
        const value = reply.split('\n').pop() as string;
        if (value !== 'true' && !/^\d+$/.test(value)) throw new SerialBenchError('BENCH_CALL_FAILED', `${code(round)}: ${reply}`);
      }
      return spread(times);
    };
    const sign = await measure((round) => `bench.sign(${100 + round})`);
    const validate = await measure(() => 'bench.validateTwoCaps()');
    const issue = await measure((round) => `bench.issueRecord(${200 + round})`);
    const naive = await measure((round) => `bench.naive(${300 + round})`);
    const memory = /peak: (\d+)/.exec(await repl.command('.mem', PROMPT_TIMEOUT_MS));
    if (memory === null) throw new SerialBenchError('REPL_MEM_UNREADABLE', 'no "peak: N" in the reply to .mem');
    const ratio = Number((naive.median / issue.median).toFixed(2));
    return {
      board: boardName,
      target: `serial:${port}`,
      sign_ms: sign,
      validate_two_caps_ms: validate,
      issue_record_ms: issue,
      naive_ms: naive,
      ratio_to_naive: ratio,
      heap_peak_bytes: Number(memory[1]),
      // On the board itself nothing is projected: these are the measured times.
      projected_board_ms: {
        sign, validate_two_caps: validate, issue_record: issue, naive, ratio_to_naive: ratio,
        basis: 'measured on the board over its REPL (host wall clock from line end to prompt)',
      },
    };
  } finally {
    repl.close();
  }
}
