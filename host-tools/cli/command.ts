// The contract every `smartchain` subcommand follows: declared options (node:util parseArgs), a usage
// text shown by --help, and a run function that returns the exit code (0 success, 1 failure).
import { parseArgs } from 'node:util';

export type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean };

export type Command = {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  positionals?: boolean;
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number>;
};

/** A mistake in how the command was called: exit code 2 and one line of explanation. */
export class UsageError extends Error {}

/** A failure the user can act on, reported as one line without a stack trace: exit code 1. */
export class CommandError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' } },
      allowPositionals: command.positionals === true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Reads a required string option or throws a UsageError naming it. */
export function requireString(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`missing --${name}`);
  return value;
}

/** Parses an integer option within [min, max], or throws a UsageError naming it. */
export function parseIntegerOption(values: Record<string, unknown>, name: string, min: number, max: number, fallback?: number): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`missing --${name}`);
    return fallback;
  }
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${String(raw)}`);
  }
  return value;
}

/** Parses a choice option, or throws a UsageError listing the choices. */
export function parseChoice<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback?: T): T {
  const raw = values[name] ?? fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}`);
  }
  return raw as T;
}
