import { describe, expect, it } from 'vitest';
import {
  RandomAgent, OracleAgent, collectDaggerExamples, configHooks, effectiveMiniBatch, AUTO_MINI_BATCH, TrainingConfigError,
} from '../../index.js';
import { validateTrainConfig } from '../../training/pipeline/config.js';

describe('DAgger collection', () => {
  it('labels every state the learner visits with the oracle, and counts disagreements', async () => {
    const r = await collectDaggerExamples(new RandomAgent(4), [{ envId: 'Sokoban-v0', mode: 'text', episodes: 6, maxTurns: 8, seed: 11, reasoning: 'compact' }]);
    expect(r.episodes).toBe(6);
    expect(r.turns).toBe(r.examples.length);
    expect(r.turns).toBeGreaterThanOrEqual(6);
    expect(r.disagreements).toBeGreaterThan(0);
    for (const e of r.examples) {
      // The label is the oracle's at the learner's state: its stated player cell is the prompt's.
      const shown = /Player at row (\d), column (\d)/.exec(e.prompt)!;
      expect(e.response).toMatch(new RegExp(`^<think>P ${shown[1]},${shown[2]} `));
      expect(e.source).toBe('dagger:Sokoban-v0');
    }
  });

  it('an oracle learner never disagrees and wins every episode', async () => {
    const r = await collectDaggerExamples(new OracleAgent('compact'), [{ envId: 'Sokoban-v0', mode: 'image', episodes: 4, maxTurns: 30, reasoning: 'compact' }]);
    expect(r.learnerWins).toBe(4);
    expect(r.disagreements).toBe(0);
    expect(r.examples.every((e) => e.image)).toBe(true);
  });
});

describe('prime stage settings', () => {
  const prime = (extra: Record<string, unknown>, env: Record<string, unknown> = {}) => ({
    name: 't', seed: 1, model: { preset: 'tiny' },
    stages: [{ type: 'prime', envs: [{ id: 'Sokoban-v0', mode: 'image', style: 'step', reasoning: 'compact', ...env }], steps: 5, lr: 3e-4, ...extra }],
  });
  const field = (cfg: unknown) => {
    try { validateTrainConfig(cfg, configHooks); } catch (e) { expect(e).toBeInstanceOf(TrainingConfigError); return (e as TrainingConfigError).field; }
    return null;
  };
  it('accepts warmup, dagger and the reasoning style, and names bad values', () => {
    const c = validateTrainConfig(prime({ warmup: 50, dagger: { rounds: 2, episodes: 32, steps: 100 } }), configHooks);
    const s = c.stages[0]!;
    if (s.type !== 'prime') throw new Error('expected a prime stage');
    expect(s.warmup).toBe(50);
    expect(s.dagger).toEqual({ rounds: 2, episodes: 32, steps: 100, temperature: 0.5 });
    const t = validateTrainConfig(prime({ dagger: { rounds: 1, steps: 5, temperature: 0.8 } }), configHooks).stages[0]!;
    expect(t.type === 'prime' && t.dagger?.temperature).toBe(0.8);
    expect(field(prime({ dagger: { rounds: 1, steps: 5, temperature: -1 } }))).toBe('stages[0].dagger.temperature');
    expect(s.envs[0]!.reasoning).toBe('compact');
    expect(field(prime({}, { reasoning: 'chatty' }))).toBe('stages[0].envs[0].reasoning');
    expect(field(prime({ dagger: { rounds: 1, steps: 0 } }))).toBe('stages[0].dagger.steps');
    expect(field(prime({ dagger: { rounds: 1, steps: 5, extra: 1 } }))).toBe('stages[0].dagger.extra');
    expect(field(prime({ dagger: { steps: 5 } }, { style: 'plan' }))).toBe('stages[0].dagger');
  });
});

describe('RL minibatch', () => {
  it('0 means the whole batch up to the cap, then equal chunks no larger than it', () => {
    expect(effectiveMiniBatch(0, 10)).toBe(10);
    expect(effectiveMiniBatch(0, AUTO_MINI_BATCH)).toBe(AUTO_MINI_BATCH);
    expect(effectiveMiniBatch(0, 640)).toBe(64);
    expect(effectiveMiniBatch(0, 65)).toBe(33);
    expect(effectiveMiniBatch(16, 640)).toBe(16);
  });
});
