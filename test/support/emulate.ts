// `smartchain emulate` for the tests that talk to an emulated board over its pseudo-terminal: start it and
// wait for what it prints, and converse with the terminal (both bounded in time).
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';

/** Starts `smartchain emulate ARGS` and resolves once its standard output matches `ready` (20 s at most). */
export function startEmulator(args: string[], ready: RegExp = /^(\/dev\/pts\/\d+)/m): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'emulate', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error(`the emulator printed nothing matching ${ready} within 20 s`)), 20000);
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = ready.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output: () => seen });
      }
    });
  });
}

/**
 * Stops an emulator started above and resolves once it has exited (SIGTERM; SIGKILL after `graceMs`): an
 * emulator writes its flash as it stops, so its state folder is neither read again nor removed before.
 */
export function stopEmulator(child: ChildProcess, graceMs = 10000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Writes to the terminal and reads it until `expected` appears or `timeoutMs` passes; returns what it read. */
export async function converse(pty: string, text: string, expected: RegExp, timeoutMs = 10000): Promise<string> {
  const fd = openSync(pty, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  try {
    writeSync(fd, text);
    const buffer = Buffer.alloc(65536);
    let seen = '';
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !expected.test(seen)) {
      try {
        seen += buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, null)).toString('latin1');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return seen;
  } finally {
    closeSync(fd);
  }
}
