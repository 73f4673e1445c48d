// A conversation with a board's REPL or console over its port: a serial device or pseudo-terminal (set
// raw with stty, read without blocking), or, for the esp32, `tcp://host:port` (the emulated esp32 offers
// one). Every wait is bounded in time and in bytes. A path that is not a terminal (a regular file,
// /dev/null, a folder) is refused before anything is written to it.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readSync, writeSync } from 'node:fs';
import { Socket, connect } from 'node:net';
import { isatty } from 'node:tty';

/** What a wait keeps of a board's output: a provisioning file read back is a few KB. */
const REPLY_BYTES_MAX = 262144;
const POLL_MS = 20;
const TCP_PATTERN = /^tcp:\/\/([^/:]+):(\d{1,5})$/;

export class PortError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

/** Whether `port` names a TCP console (`tcp://host:port`). */
export function isTcpPort(port: string): boolean {
  return TCP_PATTERN.test(port);
}

/** Throws PORT_MISSING or PORT_NOT_SERIAL unless `port` is a terminal device (serial port or pty). */
export function checkSerialPort(port: string): void {
  if (!existsSync(port)) throw new PortError('PORT_MISSING', `no such port ${port}`);
  let fd: number;
  try {
    fd = openSync(port, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch (error) {
    throw new PortError('PORT_NOT_SERIAL', `${port} cannot be opened as a serial port (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const terminal = isatty(fd);
  closeSync(fd);
  if (!terminal) throw new PortError('PORT_NOT_SERIAL', `${port} is not a serial port or pseudo-terminal`);
}

export class BoardPort {
  private received = '';
  private fd: number | null = null;
  private socket: Socket | null = null;
  private failure: Error | null = null;

  private constructor() {}

  /** Opens a serial port or pseudo-terminal (115200 baud, raw), or a `tcp://host:port` console. */
  static async open(port: string, timeoutMs: number): Promise<BoardPort> {
    const opened = new BoardPort();
    const tcp = TCP_PATTERN.exec(port);
    if (tcp !== null) {
      const socket = connect(Number(tcp[2]), tcp[1]);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new PortError('PORT_UNREACHABLE', `${port} did not answer within ${timeoutMs} ms`)), timeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(new PortError('PORT_UNREACHABLE', `${port}: ${error.message}`));
        });
      });
      socket.on('data', (chunk: Buffer) => opened.keep(chunk.toString('latin1')));
      socket.on('error', (error) => (opened.failure = error));
      opened.socket = socket;
      return opened;
    }
    checkSerialPort(port);
    // A real port must be raw (no echo, no line editing); the emulator's pseudo-terminal already is.
    spawnSync('stty', ['-F', port, 'raw', '-echo', '115200'], { stdio: 'ignore' });
    opened.fd = openSync(port, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    return opened;
  }

  private keep(text: string): void {
    this.received += text;
    if (this.received.length > REPLY_BYTES_MAX) this.received = this.received.slice(-REPLY_BYTES_MAX);
  }

  private poll(): void {
    if (this.fd === null) return;
    const buffer = Buffer.alloc(4096);
    for (let reads = 0; reads < REPLY_BYTES_MAX / buffer.length; reads++) {
      let count = 0;
      try {
        count = readSync(this.fd, buffer, 0, buffer.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return;
        throw error;
      }
      if (count === 0) return;
      this.keep(buffer.subarray(0, count).toString('latin1'));
    }
  }

  /** Drops what the board printed so far (its boot messages), so the next wait sees only new output. */
  discard(): void {
    this.poll();
    this.received = '';
  }

  write(text: string): void {
    if (this.failure !== null) throw new PortError('PORT_FAILED', this.failure.message);
    if (this.socket !== null) this.socket.write(Buffer.from(text, 'latin1'));
    else if (this.fd !== null) writeSync(this.fd, Buffer.from(text, 'latin1'));
  }

  /**
   * Waits until the output since the last wait matches `pattern` (ANSI escape sequences removed), and
   * returns the match; what came before and in it is consumed. Throws REPL_TIMEOUT after `timeoutMs`.
   */
  async waitFor(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.poll();
      const clean = this.received.replace(/\x1b\[[0-9;]*[A-Za-z]|\x1b[78]/g, '');
      const match = pattern.exec(clean);
      if (match !== null) {
        this.received = clean.slice(match.index + match[0].length);
        return match;
      }
      if (this.failure !== null) throw new PortError('PORT_FAILED', this.failure.message);
      if (Date.now() > deadline) {
        const tail = clean.slice(-160).replace(/\s+/g, ' ').trim();
        throw new PortError('REPL_TIMEOUT', `no ${what} within ${timeoutMs} ms${tail.length > 0 ? `; the board printed: ${tail}` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.socket?.destroy();
    this.socket = null;
  }
}
