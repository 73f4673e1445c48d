// An emulated Pico's USB serial on a pseudo-terminal, as a real Pico's appears as /dev/ttyACM0: the
// project's pty relay (../pty-relay.py) owns the terminal; bytes from it go into the device's USB serial
// and the device's output goes back. The board runs flat out (rp2040js runs at about 0.4 times real time
// here), yielding to the host's event loop between short slices so the terminal stays responsive.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Rp2040Machine } from './machine';

const RELAY = join(dirname(fileURLToPath(import.meta.url)), '..', 'pty-relay.py');
/** Host time the board runs before the event loop gets a turn. */
const WALL_MS_PER_TURN = 20;
const BOARD_NS_PER_STEP = 1_000_000;

export type PtyBridge = { path: string; stopped: Promise<void>; stop(): void };

export function bridgeToPty(machine: Rp2040Machine): Promise<PtyBridge> {
  const relay = spawn('python3', [RELAY], { stdio: ['pipe', 'pipe', 'inherit'] });
  machine.onSerial = (bytes) => relay.stdin.write(bytes);
  let running = true;
  const stopped = new Promise<void>((resolve) => relay.on('exit', () => {
    running = false;
    resolve();
  }));
  const turn = () => {
    if (!running) return;
    const wallEnd = Date.now() + WALL_MS_PER_TURN;
    while (Date.now() < wallEnd) machine.runUntil(machine.nowNanos + BOARD_NS_PER_STEP, WALL_MS_PER_TURN);
    setImmediate(turn);
  };
  return new Promise((resolve, reject) => {
    let header = Buffer.alloc(0);
    let ready = false;
    relay.on('error', reject);
    relay.stdout.on('data', (chunk: Buffer) => {
      if (ready) {
        if (!machine.serial.write(chunk)) process.stderr.write('USB_INPUT_FULL: the board is not reading its USB serial; input dropped\n');
        return;
      }
      header = Buffer.concat([header, chunk]);
      const newline = header.indexOf(0x0a);
      if (newline < 0) return;
      ready = true;
      if (header.length > newline + 1) machine.serial.write(header.subarray(newline + 1));
      setImmediate(turn);
      resolve({ path: header.subarray(0, newline).toString(), stopped, stop: () => relay.kill() });
    });
  });
}
