// The `smartchain` command: finds the subcommand, parses its options, runs it, and maps failures to
// exit codes (1 failure, 2 bad usage) with one line of explanation and its code; --verbose adds the
// stack trace.
import { readFileSync } from 'node:fs';
import { Command, CommandError, UsageError, parseCommandArgs } from './command';
import { commands } from './commands';

/** The version in the project's package.json, which `smartchain --version` prints. */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

const GENERAL_USAGE = `usage: smartchain <command> [options]

commands:
${Object.values(commands)
  .map((entry) => `  ${entry.name.padEnd(12)} ${entry.summary}`)
  .join('\n')}

Run 'smartchain <command> --help' for a command's options; 'smartchain --version' prints the version.`;

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(GENERAL_USAGE);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(GENERAL_USAGE);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(`smartchain ${packageVersion()}`);
    return 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    console.error(`smartchain: COMMAND_UNKNOWN: unknown command '${name}' (see smartchain --help)`);
    return 2;
  }
  let command: Command | undefined;
  try {
    command = await entry.load();
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help === true) {
      console.log(command.usage);
      return 0;
    }
    return await command.run(values, positionals);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`smartchain ${name}: ${error.code}: ${error.message} (see smartchain ${name} --help)`);
      return 2;
    }
    const code = error instanceof CommandError ? `${error.code}: ` : '';
    console.error(`smartchain ${name}: ${code}${(error as Error).message}`);
    if (verbose) console.error((error as Error).stack);
    return 1;
  }
}
