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

/** A mistake in how the command was called: exit code 2 and one line with a code (OPTION_INVALID, ...). */
export class UsageError extends Error {
  constructor(message: string, public code = 'USAGE_INVALID') {
    super(message);
  }
}

/** A failure the user can act on, reported as one line without a stack trace: exit code 1. */
export class CommandError extends Error {
  constructor(public code: string, message: string) {
    super(message);
  }
}

/**
 * Joins `--name -3` into `--name=-3` for string options, so a negative or malformed number reaches the
 * option's own range check (node:util parseArgs refuses a value that starts with a dash as ambiguous).
 */
function joinDashedValues(command: Command, argv: string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const name = argv[index].startsWith('--') ? argv[index].slice(2) : null;
    const next = argv[index + 1];
    if (name !== null && command.options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`--${name}=${next}`);
      index++;
    } else joined.push(argv[index]);
  }
  return joined;
}

/** node:util's parse errors, said in the project's words with a code. */
function usageErrorFrom(error: Error & { code?: string }): UsageError {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? '';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${option}`, 'OPTION_UNKNOWN');
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const needsValue = /argument missing|ambiguous/.test(error.message);
    return new UsageError(needsValue ? `${option} needs a value` : `${option} takes no value`, 'OPTION_INVALID');
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument ${/'([^']*)'/.exec(error.message)?.[1] ?? ''}`, 'ARGUMENT_UNEXPECTED');
  return new UsageError(error.message);
}

export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({
      args: joinDashedValues(command, argv),
      options: { ...command.options, help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' } },
      allowPositionals: command.positionals === true,
      strict: true,
    });
  } catch (error) {
    throw usageErrorFrom(error as Error & { code?: string });
  }
}

/** Reads a required string option or throws a UsageError naming it. */
export function requireString(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`missing --${name}`, 'OPTION_MISSING');
  return value;
}

/** Parses an integer option within [min, max], or throws a UsageError naming it. */
export function parseIntegerOption(values: Record<string, unknown>, name: string, min: number, max: number, fallback?: number): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`missing --${name}`, 'OPTION_MISSING');
    return fallback;
  }
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${String(raw)}`, 'OPTION_INVALID');
  }
  return value;
}

/** Parses a choice option, or throws a UsageError listing the choices. */
export function parseChoice<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback?: T): T {
  const raw = values[name] ?? fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}`, raw === undefined ? 'OPTION_MISSING' : 'OPTION_INVALID');
  }
  return raw as T;
}
