import { countOccurrences, isFormatOk, type FormatRule } from './rewards/format.js';
import type { ParseFailureReason, ParseResult } from './types.js';
import { DIRECTION_SYNONYMS } from '../envs/core/words.js';

/**
 * Direction synonyms accepted by every env whose action names include the target word:
 * the shared table of tasks/keys.ts (compass words, the WASD letters, arrows and glyphs),
 * the same letters `lmm-gym play` uses. Envs add their own through their prompt spec
 * (tasks/prompts.ts), e.g. Sokoban maps "push up" to "up".
 */
export { DIRECTION_SYNONYMS };

export interface ParseOptions {
  /** Most actions accepted in one answer (default: unlimited). */
  maxActions?: number;
  /** What to do with more than maxActions: 'fail' (reason too-many-actions) or 'truncate' (keep the first ones). Default 'fail'. */
  overflow?: 'fail' | 'truncate';
  /** Use DIRECTION_SYNONYMS as well as the given synonyms (default true). */
  directionSynonyms?: boolean;
  /** The format rule behind `formatOk` (tasks/rewards/format.ts): 'server' (default, outer whitespace stripped as LMM-R1's reward server does) or 'strict'. */
  formatRule?: FormatRule;
}

/** Lower-case, NFKC, `_`/`-` as spaces, punctuation dropped, spaces collapsed. */
export function normalizeActionWord(word: string): string {
  return word.normalize('NFKC').toLowerCase().replace(/[_-]+/g, ' ').replace(/[^\p{L}\p{N} ]+/gu, '').replace(/\s+/g, ' ').trim();
}

/** Resolves answer words to action indices for one action vocabulary. */
export class ActionVocabulary {
  private readonly exact = new Map<string, number>();
  constructor(readonly actionNames: readonly string[], synonyms: Readonly<Record<string, string>> = {}, directionSynonyms = true) {
    actionNames.forEach((name, i) => this.exact.set(normalizeActionWord(name), i));
    const add = (word: string, target: string) => {
      const idx = this.exact.get(normalizeActionWord(target));
      if (idx === undefined) return;
      // Raw key too (arrows and '<' vanish under normalisation).
      const raw = word.normalize('NFKC').toLowerCase().trim();
      if (!this.exact.has(raw)) this.exact.set(raw, idx);
      const norm = normalizeActionWord(word);
      if (norm && !this.exact.has(norm)) this.exact.set(norm, idx);
    };
    for (const [w, t] of Object.entries(synonyms)) add(w, t);
    // Env synonyms first: a direction synonym's target may itself be an env synonym ("up" -> "push up").
    if (directionSynonyms) {
      for (const [w, t] of Object.entries(DIRECTION_SYNONYMS)) {
        const idx = this.resolve(t);
        if (idx === null) continue;
        const raw = w.normalize('NFKC').toLowerCase();
        if (!this.exact.has(raw)) this.exact.set(raw, idx);
      }
    }
  }
  /** The action index of one word/phrase, or null. */
  resolve(word: string): number | null {
    const raw = word.normalize('NFKC').toLowerCase().trim();
    const hit = this.exact.get(raw) ?? this.exact.get(normalizeActionWord(word));
    return hit ?? null;
  }
}

/** The shared empty synonym table (parse caches vocabularies by object identity). */
export const NO_SYNONYMS: Readonly<Record<string, string>> = Object.freeze({});
// Cached by identity: action-name arrays and synonym objects are long-lived (env and spec constants).
const vocabCache = new WeakMap<readonly string[], WeakMap<object, [ActionVocabulary | null, ActionVocabulary | null]>>();
function vocabulary(actionNames: readonly string[], synonyms: Readonly<Record<string, string>>, directions: boolean): ActionVocabulary {
  let bySyn = vocabCache.get(actionNames);
  if (!bySyn) vocabCache.set(actionNames, (bySyn = new WeakMap()));
  let pair = bySyn.get(synonyms);
  if (!pair) bySyn.set(synonyms, (pair = [null, null]));
  const i = directions ? 0 : 1;
  return (pair[i] ??= new ActionVocabulary(actionNames, synonyms, directions));
}

/** Separators between actions in an answer: commas, semicolons, newlines, pipes, arrows, "then". */
const SEPARATORS = /[,;\n|]+|->|=>|\bthen\b|\band\b/i;
const MAX_REPORTED_UNKNOWN = 8;

function clip(s: string, n = 40): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

/** The text between the only `open` tag and the `close` tag after it; undefined when absent. */
function between(text: string, open: string, close: string): string | undefined {
  const a = text.indexOf(open);
  if (a < 0) return undefined;
  const b = text.indexOf(close, a + open.length);
  if (b < 0) return undefined;
  return text.slice(a + open.length, b);
}

function failure(reason: ParseFailureReason, message: string, base: Pick<ParseResult, 'formatOk' | 'think' | 'answer'>, unknownWords: string[] = []): ParseResult {
  return { ok: false, reason, message, ...base, actions: null, unknownWords };
}

/**
 * Parse `<think>...</think><answer>...</answer>` into actions. Never throws on any input.
 * - The answer is the text inside the single <answer>...</answer> pair (repeated or nested
 *   answer tags fail: which one would count is ambiguous). Text outside the tags is
 *   tolerated here; the format rule (`options.formatRule`) is reported separately as `formatOk`.
 * - With `actionNames`, the answer is a list of actions separated by commas, semicolons,
 *   newlines, "->" or "then" (or spaces, when every word is an action); words match
 *   case-insensitively, ignoring punctuation, and through `synonyms` + DIRECTION_SYNONYMS.
 * - Without action names (free-text tasks) any non-empty answer parses.
 */
export function parseResponse(text: unknown, actionNames: readonly string[] = [], synonyms: Readonly<Record<string, string>> = NO_SYNONYMS, options: ParseOptions = {}): ParseResult {
  if (typeof text !== 'string' || text.trim() === '') {
    return failure('empty-response', 'the response is empty', { formatOk: false, think: null, answer: null });
  }
  const formatOk = isFormatOk(text, options.formatRule);
  const thinkRaw = between(text, '<think>', '</think>');
  const think = thinkRaw === undefined ? null : thinkRaw.trim();
  const opens = countOccurrences(text, '<answer>'), closes = countOccurrences(text, '</answer>');
  if (opens > 1 || closes > 1) {
    return failure('multiple-answer-tags', `expected one <answer>...</answer>, found ${opens} opening and ${closes} closing tags`, { formatOk, think, answer: null });
  }
  const answerRaw = between(text, '<answer>', '</answer>');
  if (answerRaw === undefined) {
    return failure('no-answer-tag', 'no <answer>...</answer> in the response', { formatOk, think, answer: null });
  }
  const answer = answerRaw.trim();
  const base = { formatOk, think, answer };
  if (answer === '') return failure('empty-answer', 'the answer is empty', base);
  if (actionNames.length === 0) return { ok: true, reason: null, message: null, ...base, actions: null, unknownWords: [] };

  const vocab = vocabulary(actionNames, synonyms, options.directionSynonyms ?? true);
  const max = options.maxActions ?? Infinity;
  const overflow = options.overflow ?? 'fail';
  const actions: number[] = [];
  const unknown: string[] = [];
  // Drop one pair of surrounding brackets/quotes: "[Left, Up]", "(left)".
  const body = answer.replace(/^[[({"'`]+/, '').replace(/[\])}"'`.]+$/, '');
  let start = 0;
  let tooMany = false;
  const re = new RegExp(SEPARATORS.source, 'gi');
  // Walk the chunks lazily so a 1 MB answer stops at the first problem.
  for (;;) {
    const m = re.exec(body);
    const end = m ? m.index : body.length;
    const chunk = body.slice(start, end).replace(/^\s*\d+[.)]\s+/, '').trim();
    if (chunk !== '') {
      const whole = vocab.resolve(chunk);
      const found: number[] = [];
      if (whole !== null) found.push(whole);
      else {
        const words = chunk.split(/\s+/);
        for (const w of words) {
          const idx = vocab.resolve(w);
          if (idx === null) { unknown.push(clip(w)); break; }
          found.push(idx);
        }
        if (unknown.length > 0 && words.length > 1) unknown[unknown.length - 1] = clip(chunk);
      }
      if (unknown.length > 0) break;
      for (const a of found) {
        if (actions.length >= max) { tooMany = true; break; }
        actions.push(a);
      }
      if (tooMany) break;
    }
    if (!m) break;
    if (m[0].length === 0) re.lastIndex++;
    start = m.index + m[0].length;
  }
  if (unknown.length > 0) {
    return failure('unknown-action', `unknown action ${JSON.stringify(unknown[0])}; expected one of: ${actionNames.join(', ')}`, base, unknown.slice(0, MAX_REPORTED_UNKNOWN));
  }
  if (tooMany && overflow === 'fail') {
    return failure('too-many-actions', `more than ${max} action${max === 1 ? '' : 's'} in one answer`, base);
  }
  if (actions.length === 0) return failure('empty-answer', 'the answer holds no action', base);
  return { ok: true, reason: null, message: null, ...base, actions, unknownWords: [] };
}
