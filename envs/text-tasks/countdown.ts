import { BaseEnv, type ResetResult, type StepResult } from '../core/env.js';
import { InvalidOptionError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { Text } from '../core/spaces.js';
import type { Frame } from '../render/frame.js';
import { evaluateExpression, fractionToString } from './expression.js';
import { renderTextFrame } from './text-frame.js';

export type TaskDifficulty = 'easy' | 'medium' | 'hard';

export interface CountdownOptions {
  /** Preset for the fields left null: easy 3 numbers <= 20, medium 4 <= 50, hard 5 <= 100. */
  difficulty: TaskDifficulty;
  /** How many numbers are given (2..6). */
  count: number | null;
  /** Numbers are drawn from 1..maxNumber. */
  maxNumber: number | null;
  minTarget: number | null;
  maxTarget: number | null;
  /** Require every number to be used (default false: each at most once). */
  useAll: boolean;
}

export const COUNTDOWN_DEFAULTS: CountdownOptions = { difficulty: 'medium', count: null, maxNumber: null, minTarget: null, maxTarget: null, useAll: false };

const PRESETS: Record<TaskDifficulty, { count: number; maxNumber: number; minTarget: number; maxTarget: number }> = {
  easy: { count: 3, maxNumber: 20, minTarget: 10, maxTarget: 100 },
  medium: { count: 4, maxNumber: 50, minTarget: 10, maxTarget: 200 },
  hard: { count: 5, maxNumber: 100, minTarget: 100, maxTarget: 999 },
};

/** One Countdown problem. */
export interface CountdownProblem {
  numbers: number[];
  target: number;
  useAll: boolean;
}

export interface CountdownVerdict {
  correct: boolean;
  /** The answer's exact value ("7" or "7/2"), null when it did not evaluate. */
  value: string | null;
  /** Why the answer is wrong (null when correct). */
  reason: string | null;
}

/** Resolved generator settings (preset + overrides), validated. */
export function countdownSettings(o: CountdownOptions): { count: number; maxNumber: number; minTarget: number; maxTarget: number; useAll: boolean } {
  if (!(o.difficulty in PRESETS)) throw new InvalidOptionError(`Countdown difficulty must be easy, medium or hard, got ${JSON.stringify(o.difficulty)}`);
  const p = PRESETS[o.difficulty];
  const s = { count: o.count ?? p.count, maxNumber: o.maxNumber ?? p.maxNumber, minTarget: o.minTarget ?? p.minTarget, maxTarget: o.maxTarget ?? p.maxTarget, useAll: o.useAll };
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isSafeInteger(v) || v < lo || v > hi) throw new InvalidOptionError(`Countdown ${name} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  };
  int('count', s.count, 2, 6);
  int('maxNumber', s.maxNumber, 2, 1000);
  int('minTarget', s.minTarget, 1, 100_000);
  int('maxTarget', s.maxTarget, s.minTarget, 100_000);
  if (typeof s.useAll !== 'boolean') throw new InvalidOptionError(`Countdown useAll must be a boolean, got ${JSON.stringify(s.useAll)}`);
  return s;
}

/**
 * A solvable problem: draw the numbers, then build the target by combining some of them
 * (all of them with useAll) with random operations that keep every intermediate a
 * positive integer. Retries until the target lands in [minTarget, maxTarget] and is not
 * simply one of the numbers; falls back to the closest-in-range sum so it always returns.
 */
export function generateCountdown(rng: Rng, settings: ReturnType<typeof countdownSettings>): CountdownProblem {
  const { count, maxNumber, minTarget, maxTarget, useAll } = settings;
  for (let attempt = 0; attempt < 2000; attempt++) {
    const numbers = Array.from({ length: count }, () => rng.intBetween(1, maxNumber));
    const k = useAll ? count : rng.intBetween(Math.min(2, count), count);
    const pool = rng.shuffle(numbers.slice()).slice(0, k);
    while (pool.length > 1) {
      const a = pool.splice(rng.int(pool.length), 1)[0]!;
      const b = pool.splice(rng.int(pool.length), 1)[0]!;
      const hi = Math.max(a, b), lo = Math.min(a, b);
      const ops: number[] = [hi + lo, hi * lo];
      if (hi - lo > 0) ops.push(hi - lo);
      if (lo > 1 && hi % lo === 0) ops.push(hi / lo);
      pool.push(rng.pick(ops));
    }
    const target = pool[0]!;
    if (target >= minTarget && target <= maxTarget && !numbers.includes(target)) return { numbers, target, useAll };
  }
  // Practically unreachable with the presets; keeps the generator total for odd settings.
  const numbers = Array.from({ length: count }, () => rng.intBetween(1, maxNumber));
  return { numbers, target: numbers.reduce((a, b) => a + b, 0), useAll: true };
}

/**
 * Split a trailing "= N" that models like to add: the expression is judged, and a stated
 * result that disagrees with it makes the answer wrong (`17+17-13 = 999` is not 21).
 */
function splitEquals(answer: string): { expression: string; stated: string | null } {
  const i = answer.lastIndexOf('=');
  if (i < 0) return { expression: answer, stated: null };
  return { expression: answer.slice(0, i), stated: answer.slice(i + 1).trim() };
}

/**
 * Check an answer expression: it must parse (numbers, + - * /, parentheses; no unary
 * minus), use only the given numbers, each at most once (all of them with useAll), and
 * evaluate exactly to the target. Never throws.
 */
export function checkCountdownAnswer(problem: CountdownProblem, answer: unknown): CountdownVerdict {
  if (typeof answer !== 'string' || answer.trim() === '') return { correct: false, value: null, reason: 'empty answer' };
  const { expression, stated } = splitEquals(answer);
  const r = evaluateExpression(expression, { allowUnaryMinus: false, maxLength: 500 });
  if (!r.ok) return { correct: false, value: null, reason: r.reason };
  if (stated !== null) {
    const s = evaluateExpression(stated, { allowUnaryMinus: true, maxLength: 100 });
    if (!s.ok) return { correct: false, value: fractionToString(r.value), reason: `the stated result ${JSON.stringify(stated.slice(0, 40))} after "=" is not a number (${s.reason})` };
    if (s.value.num !== r.value.num || s.value.den !== r.value.den) {
      return { correct: false, value: fractionToString(r.value), reason: `the answer states ${fractionToString(s.value)} but the expression equals ${fractionToString(r.value)}` };
    }
  }
  const available = new Map<number, number>();
  for (const n of problem.numbers) available.set(n, (available.get(n) ?? 0) + 1);
  for (const n of r.numbers!) {
    const left = available.get(n) ?? 0;
    if (left === 0) return { correct: false, value: fractionToString(r.value), reason: problem.numbers.includes(n) ? `${n} is used more often than given` : `${n} is not one of the given numbers` };
    available.set(n, left - 1);
  }
  if (problem.useAll && r.numbers!.length !== problem.numbers.length) return { correct: false, value: fractionToString(r.value), reason: 'not every number is used' };
  const value = fractionToString(r.value);
  if (r.value.den !== 1 || r.value.num !== problem.target) return { correct: false, value, reason: `the expression equals ${value}, not ${problem.target}` };
  return { correct: true, value, reason: null };
}

/** The task statement shown to the agent. */
export function countdownStatement(p: CountdownProblem): string {
  return [
    `Countdown: using the numbers [${p.numbers.join(', ')}], write an arithmetic expression that equals ${p.target}.`,
    `Use + - * / and parentheses; ${p.useAll ? 'use every number exactly once' : 'each number at most once'}.`,
  ].join('\n');
}

/**
 * Countdown-v0: a single-step text task. Observation: the statement (text). Action: the
 * answer expression (a string). Reward 1 when it equals the target under the rules, else
 * 0; the episode ends after one answer. info: numbers, target, and after the answer
 * success, value and reason.
 */
export class CountdownEnv extends BaseEnv<string, string> {
  readonly actionSpace = new Text(1024);
  readonly observationSpace = new Text(4096);
  override readonly metadata = { renderModes: ['rgb_array', 'text'], renderFps: 1 };
  readonly settings: ReturnType<typeof countdownSettings>;
  private current: CountdownProblem = { numbers: [1, 1], target: 2, useAll: false };
  private verdict: (CountdownVerdict & { answer: string }) | null = null;
  private frame: Frame | null = null;

  constructor(options: Partial<CountdownOptions> = {}) {
    super();
    this.settings = countdownSettings({ ...COUNTDOWN_DEFAULTS, ...options });
  }

  /** The current problem (for oracles and tests). */
  get problem(): CountdownProblem {
    return { ...this.current, numbers: [...this.current.numbers] };
  }

  protected onReset(): ResetResult<string> {
    this.current = generateCountdown(this.rng, this.settings);
    this.verdict = null;
    this.frame = null;
    return { observation: this.describe(), info: { numbers: [...this.current.numbers], target: this.current.target } };
  }

  protected onStep(answer: string): StepResult<string> {
    const v = checkCountdownAnswer(this.current, answer);
    this.verdict = { ...v, answer };
    this.frame = null;
    return {
      observation: this.describe(),
      reward: v.correct ? 1 : 0,
      terminated: true,
      truncated: false,
      info: { success: v.correct, value: v.value, reason: v.reason, numbers: [...this.current.numbers], target: this.current.target },
    };
  }

  /** The statement drawn as text (drawn once per state with canvas, then cached). */
  render(): Frame {
    this.frame ??= renderTextFrame(this.describe());
    return this.frame;
  }

  describe(): string {
    const s = countdownStatement(this.current);
    if (!this.verdict) return s;
    const a = this.verdict.answer.length > 80 ? this.verdict.answer.slice(0, 80) + '…' : this.verdict.answer;
    return `${s}\nAnswer: ${a} -> ${this.verdict.correct ? 'correct' : `wrong (${this.verdict.reason})`}`;
  }
}

/** One step of a Countdown solution: a op b = result. */
export interface CountdownStep {
  a: number;
  op: '+' | '-' | '*' | '/';
  b: number;
  result: number;
}

/**
 * Solve a problem exactly (depth-first over pairs, integer intermediates, memoised),
 * returning the expression and its steps, or null when none exists. Fast for <= 6 numbers.
 */
export function solveCountdown(problem: CountdownProblem): { expression: string; steps: CountdownStep[] } | null {
  const seen = new Set<string>();
  // Each item carries the steps that built it, so the answer lists only the steps it uses.
  type Item = { v: number; e: string; leaf: boolean; steps: CountdownStep[] };
  const wrap = (x: Item) => (x.leaf ? x.e : `(${x.e})`);
  const search = (items: Item[]): { expression: string; steps: CountdownStep[] } | null => {
    for (const it of items) {
      if (it.v === problem.target && (!problem.useAll || items.length === 1)) return { expression: it.e, steps: it.steps };
    }
    if (items.length < 2) return null;
    const key = items.map((x) => x.v).sort((a, b) => a - b).join(',');
    if (seen.has(key)) return null;
    seen.add(key);
    for (let i = 0; i < items.length; i++) {
      for (let j = 0; j < items.length; j++) {
        if (i === j) continue;
        const a = items[i]!, b = items[j]!;
        const rest = items.filter((_, k) => k !== i && k !== j);
        const cands: [CountdownStep['op'], number][] = [];
        if (i < j) { cands.push(['+', a.v + b.v]); cands.push(['*', a.v * b.v]); }
        if (a.v > b.v) cands.push(['-', a.v - b.v]);
        if (b.v > 1 && a.v % b.v === 0) cands.push(['/', a.v / b.v]);
        for (const [op, v] of cands) {
          if (!Number.isSafeInteger(v)) continue;
          const e = `${wrap(a)} ${op} ${wrap(b)}`;
          const r = search([...rest, { v, e, leaf: false, steps: [...a.steps, ...b.steps, { a: a.v, op, b: b.v, result: v }] }]);
          if (r) return r;
        }
      }
    }
    return null;
  };
  return search(problem.numbers.map((v) => ({ v, e: String(v), leaf: true, steps: [] })));
}
