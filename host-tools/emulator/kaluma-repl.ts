// Kaluma 1.2.1's REPL, byte for byte as docs/platforms.md A4 describes it, for an emulated board on a
// pseudo-terminal, so the real `kaluma` command works against it: lines end with \r; `.hi`, `.echo
// on|off`, `.mem`, `.reset`, `.load`, `.flash -w` (YMODEM: 1K and 128-byte packets, CRC-16/XMODEM, the
// header packet, EOT answered at once, the null header, "Done" 500 ms later) and `.flash -e|-t|-s|-r`
// (erase, area size, stored size, print); any other line is JavaScript evaluated on the board. The written program is kept in a file, like flash, and
// survives `.reset`. Runs in real time: a person or a tool is at the other end.
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatedBoard } from './board';

const SOH = 0x01;
const STX = 0x02;
const EOT = 0x04;
const ACK = 0x06;
const NAK = 0x15;
const CA = 0x18;
const CRC_REQUEST = 0x43;
const PROGRAM_AREA_BYTES = 524288; // KALUMA_PROG_SECTOR_COUNT * KALUMA_FLASH_SECTOR_SIZE
const PROGRAM_BYTES_MAX = PROGRAM_AREA_BYTES - 1; // less the NUL terminator
const ERRORS_MAX = 5;

export function crc16Xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

type Mode = { kind: 'line' } | { kind: 'ymodem'; expected: number; size: number; received: number[]; ended: boolean; errors: number; started: boolean };

export class KalumaRepl {
  private mode: Mode = { kind: 'line' };
  private line = '';
  private echo = true;
  private pending: number[] = [];
  private crcTimer: NodeJS.Timeout | null = null;
  private printed = 0;

  /** The file contents last written to the files folder, to write only what changed. */
  private saved = new Map<string, Uint8Array>();

  constructor(
    private board: EmulatedBoard,
    private programFile: string,
    private write: (bytes: Uint8Array | string) => void,
    private filesDirectory: string | null = null,
  ) {}

  /** Boots the board with the stored program, as power-on does; its files come back from their folder first. */
  start(): void {
    if (this.filesDirectory !== null) {
      mkdirSync(this.filesDirectory, { recursive: true });
      for (const name of readdirSync(this.filesDirectory)) {
        const data = new Uint8Array(readFileSync(join(this.filesDirectory, name)));
        this.board.files.set(decodeURIComponent(name), data);
        this.saved.set(decodeURIComponent(name), data);
      }
    }
    this.board.load(this.storedProgram());
    this.flushLog();
    this.write('\r\n> ');
  }

  /** Writes the board's files that changed since the last call (the board replaces a file's bytes on each write). */
  private saveFiles(): void {
    if (this.filesDirectory === null) return;
    for (const name of [...this.saved.keys()]) {
      if (this.board.files.has(name)) continue;
      this.saved.delete(name);
      const path = join(this.filesDirectory, encodeURIComponent(name));
      if (existsSync(path)) unlinkSync(path);
    }
    for (const [name, data] of this.board.files) {
      if (this.saved.get(name) === data) continue;
      writeFileSync(join(this.filesDirectory, encodeURIComponent(name)), data);
      this.saved.set(name, data);
    }
  }

  /** The stored bytes up to the first NUL: Kaluma keeps the program NUL-terminated (src/prog.c). */
  private storedBytes(): Buffer {
    const bytes = existsSync(this.programFile) ? readFileSync(this.programFile) : Buffer.alloc(0);
    const end = bytes.indexOf(0);
    return end < 0 ? bytes : bytes.subarray(0, end);
  }

  private storedProgram(): string {
    return this.storedBytes().toString('utf8');
  }

  /** Prints what the board logged since the last call. */
  flushLog(): void {
    this.saveFiles();
    while (this.printed < this.board.log.length) this.write(this.board.log[this.printed++].replace(/\n/g, '\r\n') + '\r\n');
    if (this.printed > this.board.log.length) this.printed = this.board.log.length;
  }

  receive(bytes: Uint8Array): void {
    for (const byte of bytes) {
      if (this.mode.kind === 'ymodem') this.receiveYmodem(byte);
      else this.receiveLine(byte);
    }
  }

  private receiveLine(byte: number): void {
    if (byte === 0x03) {
      this.line = '';
      this.write('\r\n> ');
      return;
    }
    if (byte === 0x0a) return;
    if (byte !== 0x0d) {
      this.line += String.fromCharCode(byte);
      if (this.echo) this.write(String.fromCharCode(byte));
      if (this.line.length > 1024) this.line = this.line.slice(-1024);
      return;
    }
    const line = this.line.trim();
    this.line = '';
    this.write('\r\n');
    if (line.length > 0) this.command(line);
    if (this.mode.kind === 'line') this.write('> ');
  }

  private command(line: string): void {
    if (line === '.hi') this.write('Hi, there!\r\n');
    else if (line === '.echo on') this.echo = true;
    else if (line === '.echo off') this.echo = false;
    else if (line === '.mem') {
      const used = this.board.heapUsedBytes();
      this.write(`total: ${this.board.heapBytesMax}, occupied: ${used}, peak: ${Math.max(used, this.board.heapPeakBytes)}\r\n`);
    } else if (line === '.reset' || line === '.load') {
      this.board.load(this.storedProgram());
      this.printed = this.board.log.length > 0 ? Math.min(this.printed, this.board.log.length) : 0;
      this.flushLog();
    } else if (line === '.flash -e') {
      writeFileSync(this.programFile, '');
      this.write('Flash has erased\r\n');
    } else if (line === '.flash -t') {
      this.write(`${PROGRAM_AREA_BYTES}\r\n`);
    } else if (line === '.flash -s') {
      // The stored program's length up to its NUL terminator (src/prog.c km_prog_get_size).
      this.write(`${this.storedBytes().length}\r\n`);
    } else if (line === '.flash -r') {
      this.write(this.storedBytes().toString('latin1').replace(/\n/g, '\r\n') + '\r\n');
    } else if (line === '.flash -w') {
      this.write('Transfer a file via YMODEM... (press \'a\' to abort)\r\n');
      this.mode = { kind: 'ymodem', expected: 0, size: 0, received: [], ended: false, errors: 0, started: false };
      this.pending = [];
      this.requestCrc();
    } else if (line.startsWith('.')) {
      this.write(`Unknown command: ${line}\r\n`);
    } else {
      try {
        const output = this.board.evaluate(line);
        this.printed = this.board.log.length;
        if (output.length > 0) this.write(output.replace(/\n/g, '\r\n') + '\r\n');
      } catch (error) {
        this.write(`${(error as Error).message}\r\n`);
      }
    }
  }

  /** Until the first byte arrives, the board sends 'C' every second (docs/platforms.md A4). */
  private requestCrc(): void {
    this.write(new Uint8Array([CRC_REQUEST]));
    this.crcTimer = setInterval(() => {
      if (this.mode.kind === 'ymodem' && !this.mode.started) this.write(new Uint8Array([CRC_REQUEST]));
    }, 1000);
  }

  private finishYmodem(message: string | null): void {
    if (this.crcTimer) clearInterval(this.crcTimer);
    this.crcTimer = null;
    this.mode = { kind: 'line' };
    this.pending = [];
    if (message !== null) this.write(message);
    this.write('> ');
  }

  private receiveYmodem(byte: number): void {
    const mode = this.mode as Extract<Mode, { kind: 'ymodem' }>;
    mode.started = true;
    this.pending.push(byte);
    const first = this.pending[0];
    if (first === EOT) {
      this.pending = [];
      mode.ended = true;
      this.write(new Uint8Array([ACK]));
      return;
    }
    if (first === 0x61 || first === 0x41 || (first === CA && this.pending[1] === CA)) {
      this.finishYmodem('\r\nAborted\r\n');
      return;
    }
    if (first === CA) return;
    if (first !== STX && first !== SOH) {
      this.pending = [];
      return;
    }
    const size = first === STX ? 1024 : 128;
    if (this.pending.length < size + 5) return;
    const packet = Uint8Array.from(this.pending.splice(0, size + 5));
    const seq = packet[1];
    const payload = packet.subarray(3, 3 + size);
    const crc = (packet[3 + size] << 8) | packet[4 + size];
    if (packet[1] !== (0xff - packet[2] & 0xff) || crc16Xmodem(payload) !== crc) {
      // A bad packet makes the board ask again with 'C'; after five errors it cancels (A4).
      if (++mode.errors > ERRORS_MAX) {
        this.write(new Uint8Array([CA, CA]));
        this.finishYmodem('\r\nFailed\r\n');
      } else this.write(new Uint8Array([CRC_REQUEST]));
      return;
    }
    if (mode.ended) {
      // The null header closes the session.
      this.write(new Uint8Array([ACK]));
      writeFileSync(this.programFile, Buffer.from(mode.received.slice(0, mode.size)));
      setTimeout(() => this.finishYmodem('\r\nDone\r\n'), 500);
      mode.expected = -1;
      return;
    }
    if (seq === 0 && mode.expected === 0) {
      const text = Buffer.from(payload).toString('latin1');
      const sizeText = /^[^\0]*\0(\d+) /.exec(text);
      if (!sizeText || Number(sizeText[1]) > PROGRAM_BYTES_MAX) {
        this.write(new Uint8Array([CA, CA]));
        this.finishYmodem('\r\nFailed\r\n');
        return;
      }
      mode.size = Number(sizeText[1]);
      mode.expected = 1;
      this.write(new Uint8Array([ACK, CRC_REQUEST]));
      return;
    }
    if (seq !== (mode.expected & 0xff)) {
      this.write(new Uint8Array([NAK]));
      return;
    }
    const remaining = mode.size - mode.received.length;
    for (let index = 0; index < Math.min(size, remaining); index++) mode.received.push(payload[index]);
    mode.expected++;
    this.write(new Uint8Array([ACK]));
  }
}
