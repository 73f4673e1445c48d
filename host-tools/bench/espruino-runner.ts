// Runs a script on the real Espruino interpreter (its Linux build, ../shared/upstream/espruino/, README
// there) and evaluates expressions in it through a request file, one at a time, reporting each
// one's value and the interpreter's CPU time for it (utime + stime from /proc/<pid>/stat, so other
// processes on a busy host do not inflate it). Linux only; tests skip when the interpreter is absent.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The interpreter, relative to the repository root (docs/benchmarks.md says where it comes from). */
export const ESPRUINO_PATH = resolve('../shared/upstream/espruino/espruino');
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
const REPLY_MARK = '@@R';
const ERROR_MARK = '@@E';
/** The file a request is renamed to, in the interpreter's working directory. */
const REQUEST_FILE = 'request.js';
/** How often, in ms, the program looks for a request. */
const REQUEST_POLL_MS = 2;
/**
 * Requests go through a file, never the console. The Linux build reads stdin on a second thread that
 * appends each byte to the event the main loop may be popping, without a lock (targets/linux/
 * jshardware.c, src/jsdevices.c): on a loaded host a typed line now and then failed an assertion and
 * killed the interpreter, even with lines of at most 64 bytes each sent after the last was answered. So
 * stdin stays open and silent; the host writes each expression to a file and renames it into place
 * (atomic), and the program's timer reads it, deletes it, evaluates it and prints the reply.
 */
const REQUEST_HELPER = `var __fs=require("fs");setInterval(function(){if(!__fs.statSync("${REQUEST_FILE}"))return;` +
  `var s=__fs.readFileSync("${REQUEST_FILE}");__fs.unlinkSync("${REQUEST_FILE}");` +
  `try{var v=eval(s);print("${REPLY_MARK}"+JSON.stringify(v));}catch(e){print("${ERROR_MARK}"+e);}},${REQUEST_POLL_MS});`;

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
      // An assertion prints its line, then a trace of every variable: name the line first.
      const assertion = /ASSERT[^\n]*FAILED AT [^\n]*/.exec(this.output)?.[0] ?? 'no assertion printed';
      this.waiting?.reject(new Error(`espruino exited (${assertion}); its output ended with: ${this.output.slice(-400)}`));
      this.waiting = null;
    });
  }

  /** Starts the interpreter on a script (written to a temporary file, removed on close). */
  static start(script: string): EspruinoProcess {
    const directory = mkdtempSync(join(tmpdir(), 'smartchain-espruino-'));
    const file = join(directory, 'program.js');
    // The request timer also keeps the run going (a file run ends once it has nothing left to do).
    // echo(0): no prompt, so replies are the only output.
    writeFileSync(file, script + '\n' + REQUEST_HELPER + '\necho(0);\n');
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

  /**
   * Evaluates one expression; its value as JSON text and the interpreter's CPU time for it (from the
   * request written to the reply read, so it includes at most one idle look for the request).
   */
  async evaluate(expression: string, timeoutMs = 1800000): Promise<Evaluation> {
    if (this.exited) throw new Error('espruino has exited');
    const reply = new Promise<string>((resolvePromise, rejectPromise) => {
      const timer = setTimeout(() => rejectPromise(new Error(`espruino: no reply to ${expression} in ${timeoutMs} ms`)), timeoutMs);
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
    const before = this.cpuMs();
    const pending = join(this.directory, 'request.tmp');
    writeFileSync(pending, expression);
    renameSync(pending, join(this.directory, REQUEST_FILE));
    const value = await reply;
    return { value, cpuMs: this.cpuMs() - before };
  }

  close(): void {
    if (!this.exited) this.child.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
