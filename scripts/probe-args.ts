/**
 * The `key=value` options of the measurement scripts: an unknown key is an error (a typo
 * would otherwise run the default silently).
 */
export function probeArgs(args: readonly string[], keys: readonly string[]): Record<string, string> {
  const arg: Record<string, string> = Object.fromEntries(args.map((a) => a.split('=') as [string, string]));
  for (const k of Object.keys(arg)) if (!keys.includes(k)) throw new Error(`unknown option ${k}; expected one of ${keys.join(', ')}`);
  return arg;
}
