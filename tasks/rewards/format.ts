/**
 * LMM-R1's format rule, in two named variants:
 *
 * - `'strict'` — the bare check: the WHOLE text is `<think>...</think><answer>...</answer>`
 *   (dot matches newlines, nothing before or after, not even whitespace) and each of the
 *   four tags occurs exactly once. Nested or repeated tags therefore fail.
 * - `'server'` (the default) — what LMM-R1's reward server scores: it strips the decoded
 *   response with Python's `str.strip()` (openrlhf/models/remote_rm/math_verifier.py,
 *   `get_response_from_query`) before `verify_format`, so a reply that ends with a newline
 *   (as served models write it) still earns the format reward. That is `'strict'` applied
 *   to `stripPythonWhitespace(text)`.
 *
 * On purpose stricter than LMM-R1's code: its `verify_format` counts only `<think>` and
 * `<answer>`, and its pattern only keeps `</think>` out of the think part and `</answer>`
 * out of the answer part, so a stray `</answer>` inside the think part or a stray
 * `</think>` inside the answer part passes there. Its docstring asks for exactly one pair
 * of each tag, and so does this rule: all four tags exactly once.
 */
const FORMAT_PATTERN = /^<think>[\s\S]*<\/think><answer>[\s\S]*<\/answer>$/;
const TAGS = ['<think>', '</think>', '<answer>', '</answer>'] as const;

/** Which format rule counts: 'server' (LMM-R1's reward server: outer whitespace stripped first, the default) or 'strict' (the bare text). */
export type FormatRule = 'server' | 'strict';
export const FORMAT_RULES: readonly FormatRule[] = ['server', 'strict'];
export const DEFAULT_FORMAT_RULE: FormatRule = 'server';

/**
 * The characters Python 3's `str.strip()` removes (those for which `str.isspace()` is
 * true): \t \n \v \f \r, the separators \x1c-\x1f, space, \x85, \xa0, \u1680,
 * \u2000-\u200a, \u2028, \u2029, \u202f, \u205f, \u3000. Unlike JavaScript's `trim()`, it
 * includes \x1c-\x1f and \x85 and leaves \ufeff (BOM) alone.
 */
export const PYTHON_WHITESPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const PY_SPACE = new Set(PYTHON_WHITESPACE);

/** `text` without leading and trailing Python whitespace (Python's `text.strip()`). */
export function stripPythonWhitespace(text: string): string {
  let a = 0, b = text.length;
  while (a < b && PY_SPACE.has(text[a]!)) a++;
  while (b > a && PY_SPACE.has(text[b - 1]!)) b--;
  return a === 0 && b === text.length ? text : text.slice(a, b);
}

/** Occurrences of `needle` in `text` (non-overlapping). */
export function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** True when `text` itself, unstripped, follows the format (the 'strict' rule). Never throws. */
export function isStrictFormat(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  // Count first: cheap, and it rules out the repeated/nested cases before the regex.
  for (const tag of TAGS) if (countOccurrences(text, tag) !== 1) return false;
  return FORMAT_PATTERN.test(text);
}

/** True when `text` follows the format under `rule` (default 'server', see the module comment). Never throws. */
export function isFormatOk(text: unknown, rule: FormatRule = DEFAULT_FORMAT_RULE): boolean {
  if (typeof text !== 'string') return false;
  return isStrictFormat(rule === 'strict' ? text : stripPythonWhitespace(text));
}

/** 1 when the response follows LMM-R1's format rule (`rule`, default 'server'), else 0. Pure; never throws. */
export function formatReward(text: unknown, rule: FormatRule = DEFAULT_FORMAT_RULE): 0 | 1 {
  return isFormatOk(text, rule) ? 1 : 0;
}
