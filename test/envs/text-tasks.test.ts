import { describe, expect, it } from 'vitest';
import { Rng, checkEnv, make, InvalidOptionError } from '../../envs/index.js';
import {
  ArithmeticEnv, CountdownEnv, arithmeticSettings, checkCountdownAnswer, countdownSettings, evaluateExpression,
  generateArithmetic, generateCountdown, parseExpression, parseIntegerAnswer, solveCountdown, COUNTDOWN_DEFAULTS, ARITHMETIC_DEFAULTS,
} from '../../envs/text-tasks/index.js';

describe('safe expression evaluator', () => {
  it('evaluates with precedence, parentheses and exact fractions', () => {
    const v = (s: string) => { const r = evaluateExpression(s); return r.ok ? `${r.value.num}/${r.value.den}` : r.reason; };
    expect(v('2 + 3 * 4')).toBe('14/1');
    expect(v('(2 + 3) * 4')).toBe('20/1');
    expect(v('7 / 2 * 2')).toBe('7/1');
    expect(v('1 / 3 + 1 / 6')).toBe('1/2');
    expect(v('10 - 2 - 3')).toBe('5/1');
    expect(v('8 / 4 / 2')).toBe('1/1');
    expect(v('3 × 4 ÷ 2')).toBe('6/1');
  });

  it('rejects everything that is not arithmetic, without eval', () => {
    for (const bad of ['', '2 +', '(1 + 2', '1 + 2)', '2 ** 3', 'Math.max(1)', 'process.exit()', '1; 2', '1.5 + 2', '2e3', '$1', '1 / 0', '1 / (2 - 2)']) {
      const r = evaluateExpression(bad);
      expect(r.ok, bad).toBe(false);
    }
    expect(evaluateExpression('-3 + 5').ok).toBe(false);
    expect(evaluateExpression('-3 + 5', { allowUnaryMinus: true })).toMatchObject({ ok: true, value: { num: 2, den: 1 } });
    expect(evaluateExpression(42 as unknown as string).ok).toBe(false);
  });

  it('survives hostile sizes: deep nesting, very long input, huge numbers', () => {
    expect(parseExpression('('.repeat(10_000) + '1' + ')'.repeat(10_000), { maxLength: 100_000 })).toMatchObject({ ok: false });
    expect(parseExpression('-'.repeat(5000) + '1', { allowUnaryMinus: true, maxLength: 10_000 })).toMatchObject({ ok: false });
    expect(parseExpression('1+'.repeat(600) + '1')).toMatchObject({ ok: false, reason: expect.stringMatching(/longer than/) });
    expect(evaluateExpression('999999999999999 * 999999999999999')).toMatchObject({ ok: false, reason: expect.stringMatching(/too large/) });
  });
});

describe('Countdown', () => {
  const problem = { numbers: [25, 5, 3, 7], target: 60, useAll: false };

  it('checks answers: right value, only given numbers, each at most once', () => {
    expect(checkCountdownAnswer(problem, '(25 - 5) * 3').correct).toBe(true);
    expect(checkCountdownAnswer(problem, '(25 - 5) * 3 = 60').correct).toBe(true);
    expect(checkCountdownAnswer(problem, '25 * 3 - 5').reason).toMatch(/equals 70/);
    expect(checkCountdownAnswer(problem, '(25 - 5) * 3 * 1').reason).toMatch(/1 is not one of the given numbers/);
    expect(checkCountdownAnswer(problem, '(25 + 5) * (5 - 3)').reason).toMatch(/5 is used more often/);
    expect(checkCountdownAnswer(problem, '60').reason).toMatch(/not one of/);
    expect(checkCountdownAnswer(problem, '').correct).toBe(false);
    expect(checkCountdownAnswer(problem, 'sixty').correct).toBe(false);
    expect(checkCountdownAnswer({ ...problem, useAll: true }, '(25 - 5) * 3').reason).toMatch(/every number/);
    expect(checkCountdownAnswer({ numbers: [3, 7], target: 1, useAll: false }, '7 / 7').reason).toMatch(/more often/);
    expect(checkCountdownAnswer({ numbers: [6, 4], target: 1, useAll: false }, '6 / 4').reason).toMatch(/3\/2/);
  });

  it('generates deterministic, always solvable problems for every difficulty', () => {
    for (const difficulty of ['easy', 'medium', 'hard'] as const) {
      const s = countdownSettings({ ...COUNTDOWN_DEFAULTS, difficulty });
      for (let seed = 0; seed < 40; seed++) {
        const a = generateCountdown(new Rng(seed), s), b = generateCountdown(new Rng(seed), s);
        expect(a).toEqual(b);
        expect(a.numbers).toHaveLength(s.count);
        expect(a.target).toBeGreaterThanOrEqual(s.minTarget);
        expect(a.target).toBeLessThanOrEqual(s.maxTarget);
        const sol = solveCountdown(a);
        expect(sol, `${difficulty} seed ${seed}`).not.toBeNull();
        expect(checkCountdownAnswer(a, sol!.expression).correct).toBe(true);
      }
    }
    const all = countdownSettings({ ...COUNTDOWN_DEFAULTS, difficulty: 'easy', useAll: true });
    const p = generateCountdown(new Rng(5), all);
    expect(checkCountdownAnswer(p, solveCountdown(p)!.expression).correct).toBe(true);
  });

  it('the env passes checkEnv, rewards 1 for a right answer and ends after one answer', () => {
    expect(checkEnv(make('Countdown-v0'))).toBeGreaterThan(10);
    const env = make('Countdown-v0', { difficulty: 'easy' });
    const r0 = env.reset({ seed: 9 });
    expect(r0.observation).toMatch(/Countdown: using the numbers/);
    const p = (env.unwrapped as CountdownEnv).problem;
    const r = env.step(solveCountdown(p)!.expression);
    expect(r).toMatchObject({ reward: 1, terminated: true, info: { success: true } });
    env.reset({ seed: 9 });
    expect(env.step('1 + 1').reward).toBe(0);
    const f = env.render();
    expect(f.width * f.height * 4).toBe(f.data.length);
  });

  it('rejects bad options', () => {
    expect(() => make('Countdown-v0', { difficulty: 'insane' })).toThrow(InvalidOptionError);
    expect(() => make('Countdown-v0', { count: 9 })).toThrow(/count/);
    expect(() => make('Countdown-v0', { minTarget: 50, maxTarget: 10 })).toThrow(/maxTarget/);
  });
});

describe('Arithmetic', () => {
  it('generates integer problems deterministically and checks integer answers', () => {
    for (const difficulty of ['easy', 'medium', 'hard'] as const) {
      const s = arithmeticSettings({ ...ARITHMETIC_DEFAULTS, difficulty });
      for (let seed = 0; seed < 20; seed++) {
        const a = generateArithmetic(new Rng(seed), s);
        expect(generateArithmetic(new Rng(seed), s)).toEqual(a);
        const v = evaluateExpression(a.expression);
        expect(v.ok && v.value.den === 1 && v.value.num === a.answer).toBe(true);
      }
    }
    expect(parseIntegerAnswer(' -1,234. ')).toBe(-1234);
    expect(parseIntegerAnswer('12.5')).toBeNull();
    expect(parseIntegerAnswer('twelve')).toBeNull();
  });

  it('the env passes checkEnv and scores answers', () => {
    expect(checkEnv(make('Arithmetic-v0', { difficulty: 'hard' }))).toBeGreaterThan(10);
    const env = make('Arithmetic-v0');
    env.reset({ seed: 1 });
    const answer = (env.unwrapped as ArithmeticEnv).problem.answer;
    expect(env.step(String(answer))).toMatchObject({ reward: 1, terminated: true });
    env.reset({ seed: 1 });
    expect(env.step(String(answer + 1)).reward).toBe(0);
    expect(() => make('Arithmetic-v0', { operators: '+%' })).toThrow(/operators/);
  });
});

describe('exact judging (issue 18)', () => {
  it('Countdown: an answer with "=" is judged on its expression, and a stated result that disagrees is wrong', () => {
    const p = { numbers: [17, 17, 13], target: 21, useAll: false };
    expect(checkCountdownAnswer(p, '17+17-13').correct).toBe(true);
    expect(checkCountdownAnswer(p, '17+17-13 = 21').correct).toBe(true);
    const wrong = checkCountdownAnswer(p, '17+17-13 = 999');
    expect(wrong.correct).toBe(false);
    expect(wrong.reason).toBe('the answer states 999 but the expression equals 21');
    expect(checkCountdownAnswer(p, '17+17-13 = twenty-one').reason).toMatch(/stated result .* is not a number/);
    expect(checkCountdownAnswer(p, '17+17 = 34 - 13').correct).toBe(false);
  });

  it('evaluateExpression is exact past 2^53 in its intermediate products, and refuses results it cannot hold', () => {
    // The raw denominator 94906267^2 is past 2^53; the reduced sum is not.
    const r = evaluateExpression('1/94906267 + 1/94906267');
    expect(r.ok && r.value).toEqual({ num: 2, den: 94906267 });
    const d = evaluateExpression('94906267 * 94906267 / 94906267');
    expect(d.ok).toBe(false);
    expect(!d.ok && d.reason).toMatch(/too large/);
    const big = evaluateExpression('999999999999999 * 9 + 1');
    expect(big.ok && big.value).toEqual({ num: 8999999999999992, den: 1 });
  });
});

