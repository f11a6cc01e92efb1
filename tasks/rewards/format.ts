/**
 * LMM-R1's format rule: the WHOLE response is `<think>...</think><answer>...</answer>`
 * (dot matches newlines, nothing before or after, not even whitespace) and each of the
 * four tags occurs exactly once. Nested or repeated tags therefore fail.
 */
const FORMAT_PATTERN = /^<think>[\s\S]*<\/think><answer>[\s\S]*<\/answer>$/;
const TAGS = ['<think>', '</think>', '<answer>', '</answer>'] as const;

/** Occurrences of `needle` in `text` (non-overlapping). */
export function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** True when `text` follows the strict format (see the module comment). Never throws. */
export function isStrictFormat(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  // Count first: cheap, and it rules out the repeated/nested cases before the regex.
  for (const tag of TAGS) if (countOccurrences(text, tag) !== 1) return false;
  return FORMAT_PATTERN.test(text);
}

/** 1 when the response follows LMM-R1's format rule, else 0. Pure; never throws. */
export function formatReward(text: unknown): 0 | 1 {
  return isStrictFormat(text) ? 1 : 0;
}
