// The boards the end-to-end flash-and-provision test runs against, each reached through a port the way a
// user reaches a real one. Now: the emulated pico (Kaluma's REPL on a pseudo-terminal) and the emulated
// esp32 (Espruino's console on a pseudo-terminal, and on TCP for the espruino tool).
//
// Hook for the real-firmware pico (Kaluma 1.2.1's own image in rp2040js): add one entry to
// `boardTargets` whose start() boots that engine on a pseudo-terminal and returns it as both ports
// (kaluma write and the REPL share it), with stop() ending the engine; when its input in
// ../shared/upstream/ is missing, start() prints one line saying it is skipped and why, and returns
// null. test/cli/provision.test.ts then runs the same flash, provision and boot checks on it.
import { startEmulator } from './emulate';

export type StartedBoard = {
  /** Where `smartchain flash` writes the bundle (the esp32's espruino tool needs tcp://). */
  flashPort: string;
  /** Where the REPL or console answers: `smartchain provision` and the test's own questions. */
  replPort: string;
  stop(): void;
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
      return { flashPort: match[1], replPort: match[1], stop: () => child.kill('SIGTERM') };
    },
  },
  {
    name: 'emulated esp32',
    board: 'esp32',
    lineEnd: '\n',
    async start(state) {
      const { child, match } = await startEmulator(['--board', 'esp32', '--state', state], /^(\/dev\/pts\/\d+)\n(tcp:\/\/127\.0\.0\.1:\d+)$/m);
      return { flashPort: match[2], replPort: match[1], stop: () => child.kill('SIGTERM') };
    },
  },
];
