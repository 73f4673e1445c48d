// The boards the end-to-end flash-and-provision test runs against, each reached through a port the way a
// user reaches a real one. Now: the emulated pico (Kaluma's REPL on a pseudo-terminal) and the emulated
// esp32 (Espruino's console on a pseudo-terminal, and on TCP for the espruino tool).
//
// And the real-firmware pico: our Kaluma image (make image) in the rp2040 engine, its USB serial on a
// pseudo-terminal that kaluma write and the REPL share, its flash kept in the state folder across a
// restart; without ../shared/upstream/ or the image, start() says on one line that it is skipped.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_IMAGE_PATH, upstreamMissing } from '../../host-tools/emulator/rp2040/upstream';
import { startEmulator, stopEmulator } from './emulate';

export type StartedBoard = {
  /** Where `smartchain flash` writes the bundle (the esp32's espruino tool needs tcp://). */
  flashPort: string;
  /** Where the REPL or console answers: `smartchain provision` and the test's own questions. */
  replPort: string;
  /** Stops the board; resolves once it has exited (and written its flash). */
  stop(): Promise<void>;
};

export type BoardTarget = {
  name: string;
  board: 'pico' | 'esp32';
  /** What ends a line typed at its prompt. */
  lineEnd: string;
  /** Starts the board with its flash in `state` (a folder the test removes), or null when it cannot run here. */
  start(state: string): Promise<StartedBoard | null>;
};

export const boardTargets: BoardTarget[] = [
  {
    name: 'emulated pico',
    board: 'pico',
    lineEnd: '\r',
    async start(state) {
      const { child, match } = await startEmulator(['--board', 'pico', '--state', state]);
      return { flashPort: match[1], replPort: match[1], stop: () => stopEmulator(child) };
    },
  },
  {
    name: 'emulated esp32',
    board: 'esp32',
    lineEnd: '\n',
    async start(state) {
      const { child, match } = await startEmulator(['--board', 'esp32', '--state', state], /^(\/dev\/pts\/\d+)\n(tcp:\/\/127\.0\.0\.1:\d+)$/m);
      return { flashPort: match[2], replPort: match[1], stop: () => stopEmulator(child) };
    },
  },
  {
    name: 'real-firmware pico (our image in rp2040js)',
    board: 'pico',
    lineEnd: '\r',
    async start(state) {
      const missing = upstreamMissing() ?? (existsSync(NATIVE_IMAGE_PATH) ? null : `${NATIVE_IMAGE_PATH} is not built (make image)`);
      if (missing !== null) {
        console.log(`real-firmware pico skipped: ${missing}`);
        return null;
      }
      mkdirSync(state, { recursive: true });
      const { child, match } = await startEmulator(['--board', 'pico', '--engine', 'rp2040', '--flash', join(state, 'flash.bin')]);
      return { flashPort: match[1], replPort: match[1], stop: () => stopEmulator(child) };
    },
  },
];
