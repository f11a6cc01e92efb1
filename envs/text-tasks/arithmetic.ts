import { BaseEnv, type ResetResult, type StepResult } from '../core/env.js';
import { InvalidOptionError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { Text } from '../core/spaces.js';
import type { Frame } from '../render/frame.js';
import type { TaskDifficulty } from './countdown.js';
import { evaluateExpression, parseExpression, type ExprNode } from './expression.js';
import { renderTextFrame } from './text-frame.js';

export interface ArithmeticOptions {
  /** Preset for the fields left null: easy 2-3 numbers <= 20 (+ -), medium 3-4 <= 50 (+ - *), hard 4-6 <= 100 (+ - * / and parentheses). */
  difficulty: TaskDifficulty;
  /** Numbers per expression (2..10). */
  terms: number | null;
  maxNumber: number | null;
  /** Operators to use, a string of + - * / (e.g. "+-*"). */
  operators: string | null;
  /** Allow parenthesised groups. */
  parentheses: boolean | null;
}

export const ARITHMETIC_DEFAULTS: ArithmeticOptions = { difficulty: 'medium', terms: null, maxNumber: null, operators: null, parentheses: null };

const PRESETS: Record<TaskDifficulty, { minTerms: number; maxTerms: number; maxNumber: number; operators: string; parentheses: boolean }> = {
  easy: { minTerms: 2, maxTerms: 3, maxNumber: 20, operators: '+-', parentheses: false },
  medium: { minTerms: 3, maxTerms: 4, maxNumber: 50, operators: '+-*', parentheses: false },
  hard: { minTerms: 4, maxTerms: 6, maxNumber: 100, operators: '+-*/', parentheses: true },
};

export interface ArithmeticSettings { minTerms: number; maxTerms: number; maxNumber: number; operators: string; parentheses: boolean }

export function arithmeticSettings(o: ArithmeticOptions): ArithmeticSettings {
  if (!(o.difficulty in PRESETS)) throw new InvalidOptionError(`Arithmetic difficulty must be easy, medium or hard, got ${JSON.stringify(o.difficulty)}`);
  const p = PRESETS[o.difficulty];
  if (o.terms !== null && (!Number.isSafeInteger(o.terms) || o.terms < 2 || o.terms > 10)) throw new InvalidOptionError(`Arithmetic terms must be an integer in [2, 10], got ${JSON.stringify(o.terms)}`);
  if (o.maxNumber !== null && (!Number.isSafeInteger(o.maxNumber) || o.maxNumber < 2 || o.maxNumber > 10_000)) throw new InvalidOptionError(`Arithmetic maxNumber must be an integer in [2, 10000], got ${JSON.stringify(o.maxNumber)}`);
  if (o.operators !== null && (typeof o.operators !== 'string' || !/^[-+*/]+$/.test(o.operators))) throw new InvalidOptionError(`Arithmetic operators must be a non-empty string of + - * /, got ${JSON.stringify(o.operators)}`);
  if (o.parentheses !== null && typeof o.parentheses !== 'boolean') throw new InvalidOptionError(`Arithmetic parentheses must be a boolean, got ${JSON.stringify(o.parentheses)}`);
  return {
    minTerms: o.terms ?? p.minTerms,
    maxTerms: o.terms ?? p.maxTerms,
    maxNumber: o.maxNumber ?? p.maxNumber,
    operators: o.operators ?? p.operators,
    parentheses: o.parentheses ?? p.parentheses,
  };
}

export interface ArithmeticProblem {
  expression: string;
  answer: number;
}

/**
 * A random expression with an integer value: terms joined by random operators, with an
 * optional parenthesised pair; redrawn until every division is exact (so the answer is
 * an integer) and |answer| <= 10^6.
 */
export function generateArithmetic(rng: Rng, s: ArithmeticSettings): ArithmeticProblem {
  for (;;) {
    const n = rng.intBetween(s.minTerms, s.maxTerms);
    const nums = Array.from({ length: n }, () => rng.intBetween(1, s.maxNumber));
    const ops = Array.from({ length: n - 1 }, () => rng.pick([...s.operators]));
    const open = s.parentheses && n >= 3 && rng.next() < 0.6 ? rng.int(n - 1) : -1;
    const close = open >= 0 ? rng.intBetween(open + 1, n - 1) : -1;
    let expr = '';
    for (let i = 0; i < n; i++) {
      if (i > 0) expr += ` ${ops[i - 1]} `;
      if (i === open) expr += '(';
      expr += String(nums[i]);
      if (i === close) expr += ')';
    }
    const v = evaluateExpression(expr);
    if (v.ok && v.value.den === 1 && Math.abs(v.value.num) <= 1e6) return { expression: expr, answer: v.value.num };
  }
}

/** Parse an integer answer ("42", "-7", "1,234", " 42. "); null when it is not one. */
export function parseIntegerAnswer(answer: unknown): number | null {
  if (typeof answer !== 'string') return null;
  const t = answer.trim().replace(/\.$/, '').replace(/(\d),(\d{3})\b/g, '$1$2').replace(/^\+/, '').replace(/^−/, '-');
  if (!/^-?\d{1,16}$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** The steps a careful solver writes, innermost operations first: ["7 * 4 = 28", ...]. */
export function arithmeticSteps(expression: string): string[] {
  const p = parseExpression(expression, { allowUnaryMinus: true });
  if (!p.ok) return [];
  const steps: string[] = [];
  const walk = (node: ExprNode): string => {
    if (node.kind === 'num') return String(node.value);
    if (node.kind === 'neg') return `-${walk(node.arg)}`;
    const a = walk(node.left), b = walk(node.right);
    const v = evaluateExpression(`${a} ${node.op} ${b}`, { allowUnaryMinus: true });
    const value = v.ok ? (v.value.den === 1 ? String(v.value.num) : `${v.value.num}/${v.value.den}`) : '?';
    steps.push(`${a} ${node.op} ${b} = ${value}`);
    return value.startsWith('-') ? `(${value})` : value;
  };
  walk(p.node);
  return steps;
}

/**
 * Arithmetic-v0: evaluate an integer expression. Single-step text task: observation is
 * the question, action the answer (an integer as text), reward 1 when right.
 */
export class ArithmeticEnv extends BaseEnv<string, string> {
  readonly actionSpace = new Text(1024);
  readonly observationSpace = new Text(4096);
  override readonly metadata = { renderModes: ['rgb_array', 'text'], renderFps: 1 };
  readonly settings: ArithmeticSettings;
  private current: ArithmeticProblem = { expression: '1 + 1', answer: 2 };
  private verdict: { answer: string; correct: boolean } | null = null;
  private frame: Frame | null = null;

  constructor(options: Partial<ArithmeticOptions> = {}) {
    super();
    this.settings = arithmeticSettings({ ...ARITHMETIC_DEFAULTS, ...options });
  }

  get problem(): ArithmeticProblem {
    return { ...this.current };
  }

  protected onReset(): ResetResult<string> {
    this.current = generateArithmetic(this.rng, this.settings);
    this.verdict = null;
    this.frame = null;
    return { observation: this.describe(), info: { expression: this.current.expression } };
  }

  protected onStep(answer: string): StepResult<string> {
    const n = parseIntegerAnswer(answer);
    const correct = n !== null && n === this.current.answer;
    this.verdict = { answer, correct };
    this.frame = null;
    return {
      observation: this.describe(),
      reward: correct ? 1 : 0,
      terminated: true,
      truncated: false,
      info: { success: correct, expected: this.current.answer, parsed: n, reason: correct ? null : n === null ? 'the answer is not an integer' : `expected ${this.current.answer}` },
    };
  }

  render(): Frame {
    this.frame ??= renderTextFrame(this.describe());
    return this.frame;
  }

  describe(): string {
    const q = `Arithmetic: compute ${this.current.expression}\nAnswer with the integer value only.`;
    if (!this.verdict) return q;
    const a = this.verdict.answer.length > 40 ? this.verdict.answer.slice(0, 40) + '…' : this.verdict.answer;
    return `${q}\nAnswer: ${a} -> ${this.verdict.correct ? 'correct' : 'wrong'}`;
  }
}
