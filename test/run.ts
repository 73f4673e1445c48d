// Runs the uvu test files named on the command line (all of test/ when none) in one process, in order,
// and exits non-zero when any test fails, or when fewer tests passed than ran: uvu stops a file without a
// word when a test throws something that is not an Error. Each test file also runs alone: node --import tsx FILE.
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
let output = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  return write(chunk, ...rest);
}) as typeof process.stdout.write;
await run(
  files.map((file) => ({ name: file, file: resolve(file) })),
  { bail: false },
);
const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
// uvu's summary comes last.
const count = (label: string) => Number([...plain.matchAll(new RegExp(`${label}:\\s+(\\d+)`, 'g'))].pop()?.[1] ?? NaN);
const [total, passed, skipped] = [count('Total'), count('Passed'), count('Skipped')];
const failed = Number.isFinite(total) ? total - passed - skipped : NaN;
// The plain closing line that CI systems read, alone on its line.
write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
if (!(failed === 0)) {
  write(`${total - passed - skipped} of ${total} tests did not pass (a file stopped early, or failed)\n`);
  process.exitCode = 1;
}
