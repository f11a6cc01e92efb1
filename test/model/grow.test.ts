import { describe, expect, it } from 'vitest';
import { createAdam, depthPlan, growDepth, growImage, ModelError } from '../../agents/model/index.js';
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

describe('growImage', () => {
  it('keeps every weight and the learned positions of the old grid; new patches get distinct positions', async () => {
    const small = await tinyModel(6);
    const g = small.config.imageSize / small.config.patchSize, dv = small.config.visionWidth;
    // Train a step first so the learned positions differ from their initial code.
    const opt = await createAdam(1e-2);
    small.trainStep(() => small.nll(examples), opt);
    const big = await growImage(small, small.config.imageSize + small.config.patchSize);
    const G = g + 1;
    expect(big.config.imageSize).toBe(small.config.imageSize + small.config.patchSize);
    const a = await small.weights(), b = await big.weights();
    for (const [name, v] of a) if (name !== 'vis.pos') expect(Array.from(b.get(name)!)).toEqual(Array.from(v));
    const oldPos = a.get('vis.pos')!, newPos = b.get('vis.pos')!;
    expect(newPos.length).toBe(G * G * dv);
    const row = (p: Float32Array, grid: number, r: number, c: number) => Array.from(p.subarray((r * grid + c) * dv, (r * grid + c + 1) * dv));
    for (let r = 0; r < g; r++) for (let c = 0; c < g; c++) expect(row(newPos, G, r, c)).toEqual(row(oldPos, g, r, c));
    // The added corner is neither its nearest old patch nor the new patches beside it.
    const corner = row(newPos, G, g, g);
    for (const other of [row(newPos, G, g - 1, g - 1), row(newPos, G, g, g - 1), row(newPos, G, g - 1, g)]) {
      expect(Math.max(...corner.map((v, j) => Math.abs(v - other[j]!)))).toBeGreaterThan(1e-3);
    }
    // It reads the larger image, the added patches included: a frame that differs only in
    // the new bottom-right patch scores differently.
    const S = big.config.imageSize, P = big.config.patchSize;
    const frame = testFrame(S, S);
    const shifted = { ...frame, data: frame.data.slice() };
    for (let y = S - P; y < S; y++) for (let x = S - P; x < S; x++) shifted.data.set([255, 255, 0, 255], (y * S + x) * 4);
    const [s1] = await big.scoreResponses([{ input: { prompt: 'You are playing Sokoban.', image: frame }, response: '<answer>Up</answer>' }]);
    const [s2] = await big.scoreResponses([{ input: { prompt: 'You are playing Sokoban.', image: shifted }, response: '<answer>Up</answer>' }]);
    expect(s1).not.toEqual(s2);
    opt.dispose(); small.dispose(); big.dispose();
  });

  it('refuses a size that is not a larger multiple of the patch size', async () => {
    const small = await tinyModel(7);
    const { imageSize, patchSize } = small.config;
    await expect(growImage(small, imageSize)).rejects.toThrow(ModelError);
    await expect(growImage(small, imageSize + patchSize / 2)).rejects.toThrow(/multiple/);
    await expect(growImage(small, imageSize - patchSize)).rejects.toThrow(/above/);
    small.dispose();
  });
});
