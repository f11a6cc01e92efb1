// OpenRLHF's remote reward protocol: rule-based rewards recomputed statelessly from labels
// (Sokoban plan replay, Countdown, Arithmetic): accuracy + 0.5 x format, deterministic.
import { describe, expect, it } from 'vitest';
import {
  ArithmeticEnv, CountdownEnv, extractResponse, formatLevel, formatPlan, make, RewardScorer, ServeError, sokobanEnvOf, solveCountdown, solveSokoban,
} from '../../index.js';

const PROMPT = '<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nplay<|im_end|>\n<|im_start|>assistant\n';

function sokobanSolution(seed: number): { plan: string; level: string } {
  const env = make('Sokoban-v0');
  env.reset({ seed });
  const level = sokobanEnvOf(env).initialLevel();
  const sol = solveSokoban(level);
  expect(sol.status).toBe('solved');
  return { plan: formatPlan(sol.actions), level: formatLevel(level) };
}

describe('remote reward (OpenRLHF protocol)', () => {
  it('extracts the response from a chat-templated query', () => {
    expect(extractResponse(`${PROMPT}<think>a</think><answer>b</answer><|im_end|>`, PROMPT)).toBe('<think>a</think><answer>b</answer>');
    expect(extractResponse(`${PROMPT}<think>a</think><answer>b</answer><|im_end|>\n<|endoftext|>`)).toBe('<think>a</think><answer>b</answer>');
    expect(extractResponse('<think>a</think><answer>b</answer>')).toBe('<think>a</think><answer>b</answer>');
    // Python's str.strip() set, as LMM-R1's server: \x85 and \x1c go, the BOM stays.
    expect(extractResponse(`${PROMPT}\x1c<think>a</think><answer>b</answer>\x85<|im_end|>`, PROMPT)).toBe('<think>a</think><answer>b</answer>');
    expect(extractResponse(`${PROMPT}<think>a</think><answer>b</answer>\ufeff`, PROMPT)).toBe('<think>a</think><answer>b</answer>\ufeff');
  });

  it('Sokoban plan mode: replays the plan; accuracy + 0.5 x format; same request, same rewards', () => {
    const { plan } = sokobanSolution(7);
    const label = JSON.stringify({ env: 'Sokoban-v0', seed: 7, interaction: 'plan' });
    const responses = [
      `<think>push it</think><answer>${plan}</answer>`, // solved, strict format
      `Sure. <answer>${plan}</answer>`, // solved, format broken
      '<think>hmm</think><answer>up</answer>', // not solved, strict format
      'no idea', // nothing
    ];
    const scorer = new RewardScorer();
    const body = { query: responses.map((r) => `${PROMPT}${r}<|im_end|>`), prompts: responses.map(() => PROMPT), labels: responses.map(() => label) };
    const out = scorer.score(body);
    expect(out.rewards).toEqual([1.5, 1, 0.5, 0]);
    expect(out.scores).toEqual([1, 1, 0, 0]);
    expect(out.extra_logs.format).toEqual([1, 0, 1, 0]);
    expect(out.extra_logs.env_return![0]).toBeGreaterThan(10);
    // Interleaved with other labels, and again on a fresh scorer: identical.
    const other = { query: [`${PROMPT}<think></think><answer>left</answer>`], prompts: [PROMPT], labels: [JSON.stringify({ env: 'Sokoban-v0', seed: 8, interaction: 'plan' })] };
    scorer.score(other);
    expect(scorer.score(body)).toEqual(out);
    expect(new RewardScorer().score(body)).toEqual(out);
  });

  it('Sokoban plan mode from level text (no seed)', () => {
    const { plan, level } = sokobanSolution(21);
    const out = new RewardScorer().score({ query: [`<think>x</think><answer>${plan}</answer>`], labels: [{ env: 'Sokoban-v0', level, interaction: 'plan' }] });
    expect(out.rewards).toEqual([1.5]);
  });

  it('Countdown and Arithmetic: the checker decides accuracy', () => {
    const cd = new CountdownEnv({ difficulty: 'easy' });
    cd.reset({ seed: 3 });
    const expr = solveCountdown(cd.problem)!.expression;
    const ar = new ArithmeticEnv({});
    ar.reset({ seed: 5 });
    const value = ar.problem.answer;
    const labels = [
      { env: 'Countdown-v0', options: { difficulty: 'easy' }, seed: 3 },
      { env: 'Countdown-v0', options: { difficulty: 'easy' }, seed: 3 },
      { env: 'Arithmetic-v0', seed: 5 },
      { env: 'Arithmetic-v0', seed: 5 },
    ];
    const query = [`<think>t</think><answer>${expr}</answer>`, '<think>t</think><answer>1+1</answer>', `<think>t</think><answer>${value}</answer>`, `<answer>${value + 1}</answer>`];
    const out = new RewardScorer().score({ query, prompts: query.map(() => ''), labels });
    expect(out.rewards).toEqual([1.5, 0.5, 1.5, 0]);
  });

  it('rejects malformed requests and labels with 400 naming the item', () => {
    const scorer = new RewardScorer();
    const status = (body: unknown) => {
      try { scorer.score(body); } catch (e) { return [(e as ServeError).status, (e as Error).message]; }
      return [200, ''];
    };
    expect(status({ query: ['a'], labels: ['not json'] })).toEqual([400, expect.stringMatching(/labels\[0\]: a label must be a JSON object/)]);
    expect(status({ query: ['a', 'b'], labels: [{ env: 'Countdown-v0' }, { env: 'Nope-v0' }] })).toEqual([400, expect.stringMatching(/labels\[1\]: unknown env id/)]);
    expect(status({ query: ['a'], labels: [{ env: 'Sokoban-v0', level: '###' }] })[0]).toBe(400);
    expect(status({ query: 'a', labels: [] })[0]).toBe(400);
  });
});
