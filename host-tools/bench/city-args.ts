// The command-line options of the benches that run the city simulation (city.ts, lora-medium.ts).

/** The value after `--name` on the command line, or the fallback. */
export function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

/** A simulated duration such as 30m or 2h, in milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+)(m|h)$/.exec(text);
  if (match === null) throw new Error(`--duration must look like 30m or 2h, got ${text}`);
  return Number(match[1]) * (match[2] === 'h' ? 3600000 : 60000);
}
