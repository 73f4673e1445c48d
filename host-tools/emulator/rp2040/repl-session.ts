// A host talking to Kaluma's REPL on an emulated Pico's USB serial, for tests and benchmarks: it types
// (input waits for the device as USB would, usb-serial.ts) and waits for output, bounded both in board
// time and in host time. Yields to the host's event loop between slices, so child processes (kaluma
// write on a pseudo-terminal) keep talking meanwhile.
import type { Rp2040Machine } from './machine';

/** Output kept for matching; older text is dropped (a running node prints without end). */
export const OUTPUT_CHARS_MAX = 1 << 20;
const SLICE_NS = 5_000_000;
const WALL_MS_BETWEEN_YIELDS = 40;

export class ReplTimeout extends Error {
  constructor(readonly code: 'REPL_BOARD_TIMEOUT' | 'REPL_WALL_TIMEOUT', expected: string, tail: string) {
    super(`${code}: ${expected} did not appear; last output: ${JSON.stringify(tail.slice(-400))}`);
  }
}

export class ReplSession {
  /** What the board printed since the last `take`. */
  output = '';

  /**
   * `advance` runs the board (and whatever it is wired to, e.g. a UART hub's other boards) to a board time;
   * by default only this board runs.
   */
  constructor(
    readonly machine: Rp2040Machine,
    private tee: (bytes: Uint8Array) => void = () => {},
    private advance: (untilNanos: number, wallMsMax: number) => void = (untilNanos, wallMsMax) => machine.runUntil(untilNanos, wallMsMax),
  ) {
    machine.onSerial = (bytes) => {
      this.output = (this.output + Buffer.from(bytes).toString('latin1')).slice(-OUTPUT_CHARS_MAX);
      this.tee(bytes);
    };
  }

  type(text: string): void {
    if (!this.machine.serial.write(Buffer.from(text, 'latin1'))) throw new Error('REPL_INPUT_FULL: the host queue to the board is full');
  }

  /** Runs the board until `pattern` appears in the output; returns the match and drops the output up to its end. */
  async waitFor(pattern: RegExp, boardMsMax: number, wallMsMax = 600_000): Promise<RegExpExecArray> {
    const boardEnd = this.machine.nowNanos + boardMsMax * 1e6;
    const wallEnd = Date.now() + wallMsMax;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) {
        this.output = this.output.slice(match.index + match[0].length);
        return match;
      }
      if (this.machine.nowNanos >= boardEnd) throw new ReplTimeout('REPL_BOARD_TIMEOUT', `${pattern} within ${boardMsMax} ms of board time`, this.output);
      if (Date.now() >= wallEnd) throw new ReplTimeout('REPL_WALL_TIMEOUT', `${pattern} within ${wallMsMax} ms of host time`, this.output);
      const sliceWallEnd = Date.now() + WALL_MS_BETWEEN_YIELDS;
      while (Date.now() < sliceWallEnd && this.machine.nowNanos < boardEnd && !pattern.test(this.output)) {
        this.advance(Math.min(boardEnd, this.machine.nowNanos + SLICE_NS), WALL_MS_BETWEEN_YIELDS);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Evaluates one line of JS at the prompt and returns what it printed between two markers: `expression`
   * is printed with print(). The marker is built at run time, so the REPL's echo of the line never matches.
   */
  async evaluate(expression: string, boardMsMax: number, wallMsMax?: number): Promise<string> {
    const marker = `R${Math.floor(Math.random() * 1e9)}`;
    this.type(`print('<${marker}'+'>'+(${expression})+'</${marker}'+'>')\r`);
    // Kaluma prints an uncaught error in red (ESC[31m) instead of the result: fail at once with its text.
    const match = await this.waitFor(new RegExp(`<${marker}>([\\s\\S]*?)</${marker}>|\x1b\\[31m([^\r\n]*)`), boardMsMax, wallMsMax);
    if (match[2] !== undefined) throw new Error(`REPL_ERROR: ${expression} threw ${match[2]}`);
    return match[1];
  }
}
