// Espruino's console for an emulated ESP32 on a pseudo-terminal or a TCP socket, as far as the `espruino`
// command-line tool uses it (ET 0.1.67: core/utils.js getEspruinoPrompt and executeExpression,
// core/codeWriter.js, plugins/saveOnSend.js): the prompt is `>`; typed characters are echoed unless
// `echo(0)` or the line starts with 0x10 (DLE, echo off for that line); Alt+Enter (ESC LF) continues a
// line; a line runs once it parses as a whole program (acorn), and an echoed line prints `=value`; Ctrl-C
// (0x03) drops the line. `reset()` clears RAM, `load()` runs `.bootcde` from Storage, as power-on does.
// Storage lives in a folder, one file per name, so written code survives a restart. Runs in real time.
import * as acorn from 'acorn';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatedBoard } from './board';

const LINE_BYTES_MAX = 65536;
const BOOT_FILE = '.bootcde';

export class EspruinoConsole {
  private line = '';
  private echo = true;
  private echoOffForLine = false;
  private escape = false;
  private printed = 0;
  private pending: 'reset' | 'load' | null = null;

  constructor(
    private board: EmulatedBoard,
    private storageDirectory: string,
    private write: (text: string) => void,
  ) {
    board.onConsoleCommand = (command, on) => {
      if (command === 'echo') this.echo = on;
      else this.pending = command;
    };
  }

  /** Power-on: Storage from its folder, then `.bootcde` if there is one. */
  start(): void {
    mkdirSync(this.storageDirectory, { recursive: true });
    for (const name of readdirSync(this.storageDirectory)) this.board.files.set(decodeURIComponent(name), new Uint8Array(readFileSync(join(this.storageDirectory, name))));
    this.boot(true);
    this.write('\r\n>');
  }

  private boot(runBootCode: boolean): void {
    const code = this.board.files.get(BOOT_FILE);
    // The board's log outlives a restart: print only what this boot adds.
    this.flushLog();
    this.board.load(runBootCode && code !== undefined ? Buffer.from(code).toString('latin1') : '');
    this.flushLog();
  }

  /** Prints what the board logged since the last call (its print and console.log). */
  flushLog(): void {
    while (this.printed < this.board.log.length) this.write(this.board.log[this.printed++].replace(/\n/g, '\r\n') + '\r\n');
  }

  receive(bytes: Uint8Array): void {
    for (const byte of bytes) this.receiveByte(byte);
  }

  private receiveByte(byte: number): void {
    if (this.escape) {
      this.escape = false;
      // Alt+Enter: a new line in the input that does not run it yet.
      if (byte === 0x0a || byte === 0x0d) this.line += '\n';
      return;
    }
    if (byte === 0x1b) {
      this.escape = true;
      return;
    }
    if (byte === 0x03) {
      this.line = '';
      this.echoOffForLine = false;
      this.write('\r\n>');
      return;
    }
    if (byte === 0x10 && this.line.length === 0) {
      this.echoOffForLine = true;
      return;
    }
    if (byte === 0x0a || byte === 0x0d) {
      if (byte === 0x0a && this.lastWasReturn) {
        this.lastWasReturn = false;
        return;
      }
      this.lastWasReturn = byte === 0x0d;
      this.enter();
      return;
    }
    this.lastWasReturn = false;
    if (this.line.length >= LINE_BYTES_MAX) return;
    this.line += String.fromCharCode(byte);
    if (this.echo && !this.echoOffForLine) this.write(String.fromCharCode(byte));
  }

  private lastWasReturn = false;

  /** A line is run once it is a whole program; an unfinished one (open bracket, string) waits for more. */
  private enter(): void {
    const echoed = this.echo && !this.echoOffForLine;
    if (this.line.trim().length > 0 && !complete(this.line)) {
      this.line += '\n';
      if (echoed) this.write('\r\n:');
      return;
    }
    const code = this.line;
    this.line = '';
    this.echoOffForLine = false;
    if (echoed) this.write('\r\n');
    this.flushLog();
    const result = this.board.evaluateConsole(code);
    this.printed += result.printed.length;
    for (const text of result.printed) this.write(text.replace(/\n/g, '\r\n') + '\r\n');
    if (result.error !== null) this.write(`Uncaught ${result.error}\r\n`);
    else if (echoed) this.write(`=${result.value}\r\n`);
    this.saveStorage();
    if (this.pending !== null) {
      const command = this.pending;
      this.pending = null;
      this.boot(command === 'load');
    }
    if (echoed || this.echo) this.write('>');
  }

  private saveStorage(): void {
    for (const name of readdirSync(this.storageDirectory)) if (!this.board.files.has(decodeURIComponent(name))) unlinkSync(join(this.storageDirectory, name));
    for (const [name, data] of this.board.files) {
      const path = join(this.storageDirectory, encodeURIComponent(name));
      if (!existsSync(path) || !Buffer.from(readFileSync(path)).equals(Buffer.from(data))) writeFileSync(path, data);
    }
  }
}

/** Whether the text parses as a program, or fails before its end (then running it reports the error). */
function complete(text: string): boolean {
  try {
    acorn.parse(text, { ecmaVersion: 2020 });
    return true;
  } catch (error) {
    const position = (error as { pos?: number }).pos;
    return position === undefined || position < text.trimEnd().length;
  }
}
