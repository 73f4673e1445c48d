// Runs a script on the real Espruino interpreter (its Linux build, ../shared/upstream/espruino/, README
// there) and evaluates expressions in it through its console on stdin, one at a time, reporting each
// one's value and the interpreter's CPU time for it (utime + stime from /proc/<pid>/stat, so other
// processes on a busy host do not inflate it). Linux only; tests skip when the interpreter is absent.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The interpreter, relative to the repository root (docs/benchmarks.md says where it comes from). */
export const ESPRUINO_PATH = resolve('../shared/upstream/espruino/espruino');
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
const REPLY_MARK = '@@R';
const ERROR_MARK = '@@E';
/**
 * The longest console line sent. The Linux build takes console input at most 64 bytes an event: a longer
 * line arriving at once sometimes failed its `ASSERT(len <= 64)` (src/jsdevices.c) and killed the
 * interpreter, or lost characters, so that a call ran on other numbers than the ones sent. Pacing the
 * writes was not enough on a loaded host (the interpreter may not read for a while), so every line is
 * short and the next is written only after the interpreter answered the last.
 */
const CONSOLE_LINE_MAX = 64;
/** The program's console helpers: __ap appends a piece of an expression, __ev evaluates what was appended. */
const CONSOLE_HELPERS = `var __in="";function __ap(s){__in+=s;print("${REPLY_MARK}");}` +
  `function __ev(){var s=__in;__in="";try{var v=eval(s);print("${REPLY_MARK}"+JSON.stringify(v));}catch(e){print("${ERROR_MARK}"+e);}}`;

/** Null when the interpreter is there, else the one-line reason a test or bench prints. */
export function espruinoMissing(): string | null {
  return existsSync(ESPRUINO_PATH) ? null : `skipped: the Espruino interpreter is not at ${ESPRUINO_PATH} (see ../shared/upstream/README.md)`;
}

export type Evaluation = { value: string; cpuMs: number };

export class EspruinoProcess {
  private output = '';
  private waiting: { resolve: (text: string) => void; reject: (error: Error) => void } | null = null;
  private exited = false;

  private constructor(
    private child: ChildProcessWithoutNullStreams,
    private directory: string,
  ) {
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      this.output += chunk;
      this.deliver();
    });
    child.on('exit', () => {
      this.exited = true;
      this.waiting?.reject(new Error(`espruino exited; its output ended with: ${this.output.slice(-400)}`));
      this.waiting = null;
    });
  }

  /** Starts the interpreter on a script (written to a temporary file, removed on close). */
  static start(script: string): EspruinoProcess {
    const directory = mkdtempSync(join(tmpdir(), 'smartchain-espruino-'));
    const file = join(directory, 'program.js');
    // A file run ends once it has nothing left to do: an hourly no-op timer keeps the console reading
    // stdin. echo(0): the console stops echoing what is typed, so replies are the only output.
    writeFileSync(file, script + '\n' + CONSOLE_HELPERS + '\nsetInterval(function () {}, 3600000);\necho(0);\n');
    const child = spawn(ESPRUINO_PATH, [file], { cwd: directory, stdio: ['pipe', 'pipe', 'pipe'] });
    return new EspruinoProcess(child, directory);
  }

  /** Everything the interpreter printed so far. */
  printed(): string {
    return this.output;
  }

  private deliver(): void {
    if (this.waiting === null) return;
    const match = /@@([RE])([^\n]*)\n/.exec(this.output);
    if (match === null) return;
    this.output = this.output.slice(0, match.index) + this.output.slice(match.index + match[0].length);
    const waiting = this.waiting;
    this.waiting = null;
    if (match[1] === 'R') waiting.resolve(match[2].replace(/\r$/, ''));
    else waiting.reject(new Error(`espruino: ${match[2]}`));
  }

  private cpuMs(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5), counted from the state (field 3) here.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  }

  /** Writes one console line (at most CONSOLE_LINE_MAX bytes) and waits for the interpreter's reply to it. */
  private send(line: string, timeoutMs: number, what: string): Promise<string> {
    if (line.length > CONSOLE_LINE_MAX) throw new Error(`console line of ${line.length} bytes`);
    const reply = new Promise<string>((resolvePromise, rejectPromise) => {
      const timer = setTimeout(() => rejectPromise(new Error(`espruino: no reply to ${what} in ${timeoutMs} ms`)), timeoutMs);
      this.waiting = {
        resolve: (text) => {
          clearTimeout(timer);
          resolvePromise(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          rejectPromise(error);
        },
      };
    });
    this.child.stdin.write(line);
    this.deliver();
    return reply;
  }

  /**
   * Evaluates one expression; its value as JSON text and the interpreter's CPU time for it. The expression
   * goes in as short pieces, each answered (CONSOLE_LINE_MAX), then is evaluated; the CPU time counts the
   * evaluation alone.
   */
  async evaluate(expression: string, timeoutMs = 1800000): Promise<Evaluation> {
    if (this.exited) throw new Error('espruino has exited');
    for (let offset = 0; offset < expression.length; ) {
      let piece = expression.slice(offset, offset + CONSOLE_LINE_MAX);
      while (`__ap(${JSON.stringify(piece)})\n`.length > CONSOLE_LINE_MAX) piece = piece.slice(0, -1);
      await this.send(`__ap(${JSON.stringify(piece)})\n`, timeoutMs, expression);
      offset += piece.length;
    }
    const before = this.cpuMs();
    const value = await this.send('__ev()\n', timeoutMs, expression);
    return { value, cpuMs: this.cpuMs() - before };
  }

  close(): void {
    if (!this.exited) this.child.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
