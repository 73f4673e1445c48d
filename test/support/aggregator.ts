// Runs `smartchain aggregator` as a user would, a real subprocess on 127.0.0.1, and stops it by a signal.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';

export type RunningAggregator = { child: ChildProcess; url: string; output: () => string };

/** Starts `smartchain aggregator ARGS --http 127.0.0.1:0` and resolves with its URL (20 s at most). */
export function startAggregator(args: string[]): Promise<RunningAggregator> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['host-tools/cli/bin.js', 'aggregator', ...args, '--http', '127.0.0.1:0', '--auction-ms', '0', '--workers', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the aggregator printed no URL within 20 s: ${seen}`));
    }, 20000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => seen });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the aggregator exited with ${code}: ${seen}`));
    });
  });
}

/** Sends `signal` and resolves with the exit code and signal (10 s at most, then SIGKILL and a failure). */
export function stopBy(child: ChildProcess, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) {
      resolve({ code: child.exitCode, signal: null });
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running 10 s after ${signal}`));
    }, 10000);
    child.once('exit', (code, exitSignal) => {
      clearTimeout(timer);
      resolve({ code, signal: exitSignal });
    });
    child.kill(signal);
  });
}

/** Runs `smartchain ARGS` to its end. */
export function smartchain(...args: string[]) {
  const result = spawnSync(process.execPath, ['host-tools/cli/bin.js', ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
