import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { InvalidOptionError } from '../envs/core/errors.js';

/**
 * Parse a subcommand's argv with node:util parseArgs, turning its errors into
 * InvalidOptionError (printed as a one-line message by the CLI). An unknown flag names the
 * closest known ones ("did you mean --episodes?") and lists them all.
 */
export function parseCommandArgs<T extends OptionsConfig>(argv: string[], options: T, allowPositionals = true): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: allowPositionals as true, strict: true });
  } catch (e) {
    const unknown = (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /Unknown option '([^']+)'/.exec((e as Error).message) : null;
    if (unknown) throw new InvalidOptionError(unknownFlagMessage(unknown[1]!, options));
    throw new InvalidOptionError((e as Error).message);
  }
}

/**
 * The message for an unknown `flag`: "unknown flag --epsiodes; did you mean --episodes?",
 * or, with no close match, the list of the command's flags.
 */
export function unknownFlagMessage(flag: string, options: OptionsConfig): string {
  const guesses = flag.startsWith('--') ? suggest(flag.slice(2).split('=')[0]!, Object.keys(options)) : [];
  if (guesses.length) return `unknown flag ${flag}; did you mean ${guesses.map((name) => `--${name}`).join(' or ')}?`;
  return `unknown flag ${flag}; flags: ${Object.keys(options).map((name) => `--${name}`).join(', ')}`;
}

/**
 * The candidates close to `word`, best first: the same up to case, '-' and '_'
 * (maxSteps for max-steps), or within an edit distance of about a third of its length.
 */
export function suggest(word: string, candidates: readonly string[], max = 2): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const w = norm(word);
  const limit = Math.max(1, Math.floor(w.length / 3));
  return candidates
    .map((c) => ({ c, d: norm(c) === w ? 0 : editDistance(w, norm(c)) }))
    .filter(({ c, d }) => d <= limit || (w.length >= 3 && norm(c).startsWith(w)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, max)
    .map(({ c }) => c);
}

/** Edit distance with adjacent transpositions (optimal string alignment): epsiodes -> episodes is 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1, cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
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

/** An integer flag value >= `min` (default 0), or an error that names the flag. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new InvalidOptionError(`--${name} must be ${what}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The repeatable `--import MODULE` flag of every command that takes an env id. */
export const IMPORT_OPTION = { import: { type: 'string', multiple: true } } as const;

/** Its line in the commands' help. */
export const IMPORT_HELP = '  --import MODULE      import a module first, e.g. one that registers a third-party env\n                       (a path: ./my-env.js, relative to the working directory; or a package name; repeatable)';

/**
 * Import the `--import` modules, in order: a specifier starting with `.` or `/` is a file
 * (resolved from the working directory), anything else a package name.
 */
export async function importModules(modules: readonly string[] | undefined): Promise<void> {
  for (const mod of modules ?? []) {
    const specifier = /^[./]/.test(mod) ? pathToFileURL(resolve(mod)).href : mod;
    try {
      await import(specifier);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(mod.replace(/^\.\//, ''))) {
        throw new InvalidOptionError(`--import ${mod}: cannot find the module (a file needs a ./ or / path; anything else is a package name)`);
      }
      throw e;
    }
  }
}
