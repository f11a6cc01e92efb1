import { describe, expect, it } from 'vitest';
import { createAdam, depthPlan, growDepth, ModelError } from '../../agents/model/index.js';
import { testFrame, tinyModel } from './helpers.js';

const examples = [
  { input: { prompt: 'You are playing Sokoban.', image: testFrame() }, response: '<think>push the box up</think><answer>Up</answer>' },
  { input: { prompt: '3+4=7', image: null }, response: '<answer>Up, Left</answer>' },
];

describe('growDepth', () => {
  it('spreads the new blocks evenly after the old ones', () => {
    expect(depthPlan(3, 5)).toEqual([
      { source: 0, fresh: false }, { source: 0, fresh: true }, { source: 1, fresh: false }, { source: 1, fresh: true }, { source: 2, fresh: false },
    ]);
    expect(depthPlan(2, 4).map((p) => p.fresh)).toEqual([false, true, false, true]);
    expect(depthPlan(1, 3).map((p) => p.source)).toEqual([0, 0, 0]);
  });

  it('computes what the original computes (scores and greedy answers)', async () => {
    const small = await tinyModel(3);
    const big = await growDepth(small, small.config.nLayers + 2);
    expect(big.config.nLayers).toBe(small.config.nLayers + 2);
    expect(big.parameterCount).toBeGreaterThan(small.parameterCount);
    const a = await small.scoreResponses(examples), b = await big.scoreResponses(examples);
    a.forEach((row, i) => row.forEach((v, j) => expect(b[i]![j]).toBeCloseTo(v, 5)));
    const inputs = examples.map((e) => e.input);
    const ga = await small.generate(inputs, { temperature: 0, maxTokens: 12 });
    const gb = await big.generate(inputs, { temperature: 0, maxTokens: 12 });
    expect(gb.map((g) => g.text)).toEqual(ga.map((g) => g.text));
    small.dispose(); big.dispose();
  });

  it('the new blocks learn: one step moves their zeroed output projections', async () => {
    const small = await tinyModel(4);
    const L = small.config.nLayers;
    const big = await growDepth(small, L + 1);
    const fresh = depthPlan(L, L + 1).findIndex((p) => p.fresh);
    const before = (await big.weights()).get(`h${fresh}.out_w`)!;
    expect(before.every((v) => v === 0)).toBe(true);
    const opt = await createAdam(1e-3);
    big.trainStep(() => big.nll(examples), opt);
    const after = (await big.weights()).get(`h${fresh}.out_w`)!;
    expect(after.some((v) => v !== 0)).toBe(true);
    opt.dispose(); small.dispose(); big.dispose();
  });

  it('refuses a depth that is not larger', async () => {
    const small = await tinyModel(5);
    await expect(growDepth(small, small.config.nLayers)).rejects.toThrow(ModelError);
    await expect(growDepth(small, 2.5)).rejects.toThrow(/integer/);
    small.dispose();
  });
});
