// Runs the uvu test files named on the command line (all of test/ when none) in one process, in order,
// and exits non-zero when any test fails. Each test file also runs alone: node --import tsx FILE.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run } from 'uvu/run';

function findTests(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) return findTests(path);
      return name.endsWith('.test.ts') ? [path] : [];
    });
}

const files = process.argv.length > 2 ? process.argv.slice(2) : findTests('test');
await run(
  files.map((file) => ({ name: file, file: resolve(file) })),
  { bail: false },
);
