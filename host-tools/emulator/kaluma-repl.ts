// Kaluma 1.2.1's REPL, byte for byte as docs/platforms.md A4 describes it, for an emulated board on a
// pseudo-terminal, so the real `kaluma` command works against it: lines end with \r; `.hi`, `.echo
// on|off`, `.mem`, `.reset`, `.load`, `.flash -w` (YMODEM: 1K and 128-byte packets, CRC-16/XMODEM, the
// header packet, EOT answered at once, the null header, "Done" 500 ms later) and `.flash -e`; any other
// line is JavaScript evaluated on the board. The written program is kept in a file, like flash, and
// survives `.reset`. Runs in real time: a person or a tool is at the other end.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { EmulatedBoard } from './board';

const SOH = 0x01;
const STX = 0x02;
const EOT = 0x04;
const ACK = 0x06;
const NAK = 0x15;
const CA = 0x18;
const CRC_REQUEST = 0x43;
const PROGRAM_BYTES_MAX = 524287; // Kaluma's program area less the NUL terminator
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

  constructor(
    private board: EmulatedBoard,
    private programFile: string,
    private write: (bytes: Uint8Array | string) => void,
  ) {}

  /** Boots the board with the stored program, as power-on does. */
  start(): void {
    this.board.load(this.storedProgram());
    this.flushLog();
    this.write('\r\n> ');
  }

  private storedProgram(): string {
    return existsSync(this.programFile) ? readFileSync(this.programFile, 'utf8') : '';
  }

  /** Prints what the board logged since the last call. */
  flushLog(): void {
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
      const program = Buffer.from(mode.received.slice(0, mode.size)).toString('utf8');
      writeFileSync(this.programFile, program);
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
