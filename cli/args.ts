import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { InvalidOptionError } from '../envs/core/errors.js';

/**
 * Parse a subcommand's argv with node:util parseArgs, turning its errors into
 * InvalidOptionError (printed as a one-line message by the CLI).
 */
export function parseCommandArgs<T extends OptionsConfig>(argv: string[], options: T, allowPositionals = true): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: allowPositionals as true, strict: true });
  } catch (e) {
    throw new InvalidOptionError((e as Error).message);
  }
}

/**
 * Env options from repeated `--option key=value` flags. Values are parsed as JSON when
 * they parse (numbers, booleans, arrays, null), else kept as strings.
 */
export function parseKeyValues(pairs: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidOptionError(`expected key=value, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq), raw = pair.slice(eq + 1);
    try { out[key] = JSON.parse(raw); } catch { out[key] = raw; }
  }
  return out;
}

/** A non-negative integer flag value, or a clear error. */
export function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidOptionError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}
