#!/usr/bin/env node
// Entry point of the `smartchain` command: registers the TypeScript loader, then hands over to main.ts.
import { register } from 'tsx/esm/api';

// Under `npx` the command runs as npm, then a shell, then this process, and a signal to npx stops npm
// and the shell without reaching this process: a server would be left running, orphaned. Started by
// npm, the command therefore stops as on SIGTERM (closing what it opened) once its parent is gone.
const PARENT_POLL_MS = 500;
if (process.env.npm_command === 'exec') {
  const parent = process.ppid;
  const watch = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      clearInterval(watch);
      process.kill(process.pid, 'SIGTERM');
    }
  }, PARENT_POLL_MS);
  watch.unref();
}

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
