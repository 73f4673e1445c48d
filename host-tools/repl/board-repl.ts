// What the host does on a board through its REPL (pico: Kaluma 1.2.1, docs/platforms.md A4) or console
// (esp32: Espruino, B3): evaluate an expression, write a file where the board's firmware reads it (pico:
// LittleFS through `fs`; esp32: `Storage`), read it back, read the stored program's size, and reset.
// Each expression prints a marker line that its own echo cannot contain ('SC' + '1f2e3d#7' echoes as
// typed, prints as SC1f2e3d#7), so output is matched whatever else the board prints. Lines stay under Kaluma's
// 1,024-byte line buffer and are typed in paced pieces (Kaluma drops input typed faster than it echoes).
import { randomBytes } from 'node:crypto';
import { BoardPort, PortError } from './board-port';
import { boardProfile } from '../build/board-profile';

/** The REPL a board speaks: Kaluma's (pico, pico-stock) or Espruino's console (esp32), from board.json's runtime. */
export type ReplDialect = 'kaluma' | 'espruino';

export function replDialectOf(board: string): ReplDialect {
  const profile = boardProfile(board);
  if (profile === 'emulator') throw new Error(`the ${board} board runs in the host's emulator and has no REPL of its own`);
  return profile;
}

/** Kaluma's REPL keeps 1,024 bytes of a line (src/repl.c); a written chunk stays well under it. */
const LINE_BYTES_MAX = 900;
const FILE_CHUNK_CHARS = 512;
const TYPE_PIECE_BYTES = { kaluma: 32, espruino: 256 } as const;
const TYPE_PAUSE_MS = 10;
/** A provisioning file holds at most 64 members of about 110 bytes each (boards/common/provision.ts). */
export const FILE_CHARS_MAX = 16384;

export class BoardRepl {
  private sequence = 0;
  /** Marks differ per session, so an answer left on the port by an earlier session never matches. */
  private session = randomBytes(3).toString('hex');

  constructor(private port: BoardPort, private dialect: ReplDialect) {}

  private async type(text: string): Promise<void> {
    const piece = TYPE_PIECE_BYTES[this.dialect];
    for (let offset = 0; offset < text.length; offset += piece) {
      this.port.write(text.slice(offset, offset + piece));
      await new Promise((resolve) => setTimeout(resolve, TYPE_PAUSE_MS));
    }
  }

  /** Sends one line (the esp32's with echo off for it: 0x10 first). */
  private async line(code: string): Promise<void> {
    if (code.length > LINE_BYTES_MAX) throw new Error(`a REPL line of ${code.length} bytes exceeds ${LINE_BYTES_MAX}`);
    await this.type(this.dialect === 'kaluma' ? code + '\r' : '\x10' + code + '\n');
  }

  /** Evaluates `expression` on the board and returns String(value), or throws REPL_ERROR with the board's error. */
  async evaluate(expression: string, timeoutMs: number): Promise<string> {
    const mark = `SC${this.session}#${++this.sequence}`;
    const [head, tail] = [mark.slice(0, 2), mark.slice(2)];
    // The answer ends with its own end mark: Kaluma sends a print's line end only with its next output,
    // so the REPL's echo of the call's value (undefined) follows the answer on the same line.
    const end = `END${tail}`;
    await this.line(`(function(){try{print('${head}'+'${tail} ok '+(${expression})+' EN'+'D${tail}')}catch(e){print('${head}'+'${tail} error '+e+' EN'+'D${tail}')}})()`);
    const match = await this.port.waitFor(new RegExp(`${mark} (ok|error) ([^\\r\\n]*?) ${end}`), timeoutMs, `answer to ${expression.slice(0, 60)}`);
    if (match[1] === 'error') throw new PortError('REPL_ERROR', `the board refused ${expression.slice(0, 60)}: ${match[2]}`);
    return match[2];
  }

  /** Writes an ASCII text file where the board's firmware reads it (pico: fs `/NAME`; esp32: Storage `NAME`). */
  async writeFile(name: string, text: string, timeoutMs: number): Promise<void> {
    if (!/^[\x20-\x7e]*$/.test(text) || text.length > FILE_CHARS_MAX) throw new Error(`a board file must be printable ASCII of at most ${FILE_CHARS_MAX} characters`);
    const chunks: string[] = [];
    for (let offset = 0; offset < text.length; offset += FILE_CHUNK_CHARS) chunks.push(text.slice(offset, offset + FILE_CHUNK_CHARS));
    if (this.dialect === 'espruino') {
      // Storage.write(name, data, offset, size): the first call makes the file of its whole size.
      let offset = 0;
      for (const chunk of chunks) {
        const size = offset === 0 ? `,0,${text.length}` : `,${offset}`;
        await this.evaluate(`require("Storage").write(${JSON.stringify(name)},${JSON.stringify(chunk)}${size})`, timeoutMs);
        offset += chunk.length;
      }
      return;
    }
    // Kaluma's fs writes bytes: the text is gathered on the board, then written as a Uint8Array at once
    // (LittleFS commits a file on close, so a reset leaves the old file or the new one).
    await this.evaluate(`(globalThis.__scFile=[]).length`, timeoutMs);
    for (const chunk of chunks) await this.evaluate(`globalThis.__scFile.push(${JSON.stringify(chunk)})`, timeoutMs);
    await this.evaluate(
      `(function(){var s=globalThis.__scFile.join(''),b=new Uint8Array(s.length);for(var i=0;i<s.length;i++)b[i]=s.charCodeAt(i);require('fs').writeFile(${JSON.stringify('/' + name)},b);delete globalThis.__scFile;return b.length})()`,
      timeoutMs,
    );
  }

  /** Reads a text file back from where writeFile put it; null when there is none. */
  async readFile(name: string, timeoutMs: number): Promise<string | null> {
    const text = this.dialect === 'espruino'
      ? await this.evaluate(`(function(){var s=require("Storage").read(${JSON.stringify(name)});return s===undefined?'absent':'file '+s})()`, timeoutMs)
      : await this.evaluate(
        `(function(){var f=require('fs'),p=${JSON.stringify('/' + name)};if(!f.exists(p))return 'absent';var b=f.readFile(p),s='';for(var i=0;i<b.length;i++)s+=String.fromCharCode(b[i]);return 'file '+s})()`,
        timeoutMs,
      );
    return text === 'absent' ? null : text.replace(/^file /, '');
  }

  /** The stored program: its size, and its first line (the bundle stamp) on the esp32. */
  async storedProgram(timeoutMs: number): Promise<{ bytes: number; firstLine: string | null }> {
    if (this.dialect === 'kaluma') {
      // `.flash -s` prints the program's length up to its NUL terminator (src/repl.c, src/prog.c).
      await this.line('.flash -s');
      const match = await this.port.waitFor(/\.flash -s\r?\n(\d+)\r?\n/, timeoutMs, 'size from .flash -s');
      return { bytes: Number(match[1]), firstLine: null };
    }
    const answer = await this.evaluate(`(function(){var s=require("Storage").read(".bootcde");return s===undefined?'-1 ':s.length+' '+s.substr(0,Math.max(0,s.indexOf("\\n")))})()`, timeoutMs);
    const match = /^(-?\d+) (.*)$/.exec(answer);
    if (match === null) throw new PortError('REPL_ERROR', `unexpected answer about .bootcde: ${answer.slice(0, 80)}`);
    return { bytes: Number(match[1]), firstLine: match[2] };
  }

  /** Restarts the board's program as power-on does: Kaluma's `.load` (`.reset` would not run it), Espruino's `load()` (runs `.bootcde`). */
  async reset(): Promise<void> {
    this.port.discard();
    await this.line(this.dialect === 'kaluma' ? '.load' : 'load()');
  }
}
