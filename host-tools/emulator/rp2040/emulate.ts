// `smartchain emulate --board pico --engine rp2040`: the real Kaluma image in rp2040js with its USB serial
// on a pseudo-terminal. Prints the terminal's path, then runs until stopped; flash writes (kaluma write,
// storage, the filesystem) persist for the run, and across runs in the flash file when one is given.
import { existsSync } from 'node:fs';
import { readImage } from './image';
import { Rp2040Machine } from './machine';
import { bridgeToPty } from './pty-bridge';
import { loadBootrom, NATIVE_IMAGE_PATH, upstreamMissing } from './upstream';

export class EngineError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

export async function emulateRp2040(imagePath: string, flashFile: string | undefined, print: (line: string) => void): Promise<void> {
  if (!existsSync(imagePath)) {
    const hint = imagePath === NATIVE_IMAGE_PATH ? ' (build it with make image, or pass --image stock)' : '';
    throw new EngineError('IMAGE_MISSING', `${imagePath} does not exist${hint}`);
  }
  const image = readImage(imagePath);
  const missing = upstreamMissing();
  if (missing !== null) throw new EngineError('UPSTREAM_MISSING', `the rp2040 engine needs the RP2040 boot ROM: ${missing}`);
  const machine = new Rp2040Machine({ name: 'pico', image, bootrom: loadBootrom(), flashFile });
  const bridge = await bridgeToPty(machine);
  print(bridge.path);
  const save = setInterval(() => machine.saveFlash(), 1000);
  const stop = () => bridge.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await bridge.stopped;
  clearInterval(save);
  machine.saveFlash();
}
