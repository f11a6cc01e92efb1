import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LmmModel, ModelInput } from '../../agents/model/index.js';
import { ModelError, visualTokens } from '../../agents/model/index.js';
import { testFrame, tinyModel } from './helpers.js';

let model: LmmModel;
beforeAll(async () => { model = await tinyModel(); });
afterAll(() => model.dispose());

const img = testFrame();
const inputs: ModelInput[] = [
  { prompt: 'Sokoban: push the box' },
  { prompt: 'A longer prompt with an image of the board, then more words', image: img },
  { prompt: 'x', image: testFrame(30, 30, 3) },
];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('LmmModel', () => {
  it('has the configured shapes: logits [B, R, V]', () => {
    const logits = model.responseLogits(inputs.map((input) => ({ input, response: 'Up, Left' })));
    const R = model.tokenizer.encode('Up, Left').length;
    expect(logits.shape).toEqual([3, R, model.tokenizer.size]);
    expect(model.variables.reduce((a, v) => a + v.size, 0)).toBe(model.parameterCount);
    logits.dispose();
  });

  it('is causal: changing later response tokens leaves earlier logits unchanged', () => {
    const t = model.tokenizer;
    const a = [...t.encode('<think>push up</think>'), ...t.encode('<answer>Up</answer>')];
    const b = [...a.slice(0, 5), ...t.encode('Left Left Down, no')];
    const la = model.responseLogits([{ input: inputs[1]!, response: a }]);
    const lb = model.responseLogits([{ input: inputs[1]!, response: b }]);
    const V = t.size;
    // Logits at positions 0..5 see response tokens 0..4 only (position r predicts token r).
    const pa = la.slice([0, 0, 0], [1, 6, V]).dataSync(), pb = lb.slice([0, 0, 0], [1, 6, V]).dataSync();
    expect(maxAbsDiff(pa, pb)).toBeLessThan(1e-5);
    const qa = la.slice([0, 6, 0], [1, 1, V]).dataSync(), qb = lb.slice([0, 6, 0], [1, 1, V]).dataSync();
    expect(maxAbsDiff(qa, qb)).toBeGreaterThan(1e-4); // and later ones do change
    tf.dispose([la, lb]);
  });

  it('sees the image: a different frame changes the logits', () => {
    const l1 = model.responseLogits([{ input: { prompt: 'x', image: testFrame() }, response: 'Up' }]);
    const l2 = model.responseLogits([{ input: { prompt: 'x', image: testFrame(24, 20, 8) }, response: 'Up' }]);
    expect(maxAbsDiff(l1.dataSync(), l2.dataSync())).toBeGreaterThan(1e-5);
    tf.dispose([l1, l2]);
  });

  it('scores a row the same alone and padded inside a batch', async () => {
    const alone = await model.scoreResponses([{ input: inputs[0]!, response: 'Up, Left' }]);
    const batched = await model.scoreResponses(inputs.map((input, i) => ({ input, response: i === 0 ? 'Up, Left' : '<think>a much longer response</think>' })));
    expect(maxAbsDiff(alone[0]!, batched[0]!)).toBeLessThan(1e-4);
  });

  it('KV-cache generation logits equal a full recompute', async () => {
    const stepLogits: Float32Array[] = [];
    const gens = await model.generate(inputs, { seed: 5, maxTokens: 12, onLogits: (_, l) => stepLogits.push(l.slice()) });
    const full = model.responseLogits(inputs.map((input, b) => ({ input, response: gens[b]!.tokenIds })));
    const V = model.tokenizer.size, R = full.shape[1];
    const f = full.dataSync();
    let checked = 0;
    gens.forEach((g, b) => g.tokenIds.forEach((_, r) => {
      const cached = stepLogits[r]!.subarray(b * V, (b + 1) * V);
      const recomputed = f.subarray((b * R + r) * V, (b * R + r + 1) * V);
      expect(maxAbsDiff(cached, recomputed)).toBeLessThan(1e-4);
      checked++;
    }));
    expect(checked).toBeGreaterThan(20);
    full.dispose();
  });

  it('generation log-probs equal scoring log-probs (temperature 1 and 0.7)', async () => {
    for (const temperature of [1, 0.7]) {
      const gens = await model.generate(inputs, { seed: 9, maxTokens: 10, temperature });
      const scored = await model.scoreResponses(inputs.map((input, b) => ({ input, response: gens[b]!.tokenIds })), { temperature });
      gens.forEach((g, b) => {
        expect(g.logProbs.length).toBe(g.tokenIds.length);
        expect(maxAbsDiff(g.logProbs, scored[b]!)).toBeLessThan(1e-3);
      });
    }
  });

  it('is deterministic per seed and differs across seeds', async () => {
    const a = await model.generate(inputs, { seed: 42, maxTokens: 16, topP: 0.9 });
    const b = await model.generate(inputs, { seed: 42, maxTokens: 16, topP: 0.9 });
    const c = await model.generate(inputs, { seed: 43, maxTokens: 16, topP: 0.9 });
    expect(b.map((g) => g.tokenIds)).toEqual(a.map((g) => g.tokenIds));
    expect(c.map((g) => g.tokenIds)).not.toEqual(a.map((g) => g.tokenIds));
    for (const g of a) expect(g.text).toBe(model.tokenizer.decode(g.tokenIds));
  });

  it('stops at </answer>, respects maxTokens and greedy is argmax', async () => {
    // Teach the tiny model one answer so it emits the stop tag.
    const student = await model.clone(true);
    const opt = tf.train.adam(1e-2);
    const ex = [{ input: { prompt: 'go' }, response: '<answer>Up</answer>' }];
    for (let i = 0; i < 40; i++) student.trainStep(() => student.nll(ex), opt);
    const [g] = await student.generate([{ prompt: 'go' }], { temperature: 0, maxTokens: 20 });
    expect(g!.text).toBe('<answer>Up</answer>');
    expect(g!.finishReason).toBe('stop');
    const [h] = await student.generate([{ prompt: 'go' }], { temperature: 0, maxTokens: 2 });
    expect(h!.tokenIds.length).toBe(2);
    expect(h!.finishReason).toBe('length');
    opt.dispose();
    student.dispose();
  });

  it('a few SFT steps reduce the loss on a fixed batch', async () => {
    const batch = inputs.map((input, i) => ({ input, response: `<think>step ${i}</think><answer>${['Up', 'Left', 'Down'][i]}</answer>` }));
    const opt = tf.train.adam(1e-2);
    const m = await model.clone(true);
    const first = m.trainStep(() => m.nll(batch), opt).loss;
    let last = first;
    for (let i = 0; i < 8; i++) last = m.trainStep(() => m.nll(batch), opt).loss;
    expect(last).toBeLessThan(first * 0.8);
    // A frozen copy (the KL reference) refuses to train.
    const frozen = await m.clone();
    expect(() => frozen.trainStep(() => frozen.nll(batch), opt)).toThrow(/frozen/);
    frozen.dispose();
    opt.dispose();
    m.dispose();
  });

  it('trainStepAsync takes the same step as trainStep; a non-finite loss skips the step and frees its tensors', async () => {
    const batch = inputs.map((input, i) => ({ input, response: `<think>go ${i}</think><answer>Up</answer>` }));
    const a = await model.clone(true), b = await model.clone(true);
    const optA = tf.train.adam(1e-2), optB = tf.train.adam(1e-2);
    for (let i = 0; i < 2; i++) {
      const ra = a.trainStep(() => a.nll(batch), optA, { clipNorm: 0.5 });
      const rb = await b.trainStepAsync(() => b.nll(batch), optB, { clipNorm: 0.5 });
      expect(rb.loss).toBeCloseTo(ra.loss, 6);
      expect(rb.gradNorm).toBeCloseTo(ra.gradNorm, 6);
      expect(ra.gradNorm).toBeGreaterThan(0.5); // clipping was active
    }
    const [wa, wb] = [await a.weights(), await b.weights()];
    for (const [k, v] of wa) expect(Array.from(wb.get(k)!)).toEqual(Array.from(v));
    const before = tf.memory().numTensors;
    await expect(b.trainStepAsync(() => tf.tidy(() => tf.mul(b.nll(batch), NaN)) as tf.Scalar, optB)).rejects.toThrow(/non-finite/);
    expect(tf.memory().numTensors).toBe(before);
    const after = await b.weights();
    for (const [k, v] of wb) expect(Array.from(after.get(k)!)).toEqual(Array.from(v));
    [optA, optB].forEach((o) => o.dispose());
    a.dispose(); b.dispose();
  });

  it('leaks no tensors across generate, score and train steps', async () => {
    const m = await model.clone(true);
    const opt = tf.train.adam(1e-3);
    const batch = inputs.map((input) => ({ input, response: '<think>x</think><answer>Up</answer>' }));
    m.trainStep(() => m.nll(batch), opt); // creates the optimizer's slots
    await m.generate(inputs, { seed: 1, maxTokens: 4 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await m.generate(inputs, { seed: i, maxTokens: 8 });
      await m.scoreResponses(batch);
      m.trainStep(() => tf.tidy(() => {
        const { logProbs, mask, entropy } = m.responseLogProbs(batch, { entropy: true });
        return tf.sub(tf.div(tf.neg(tf.sum(logProbs)), tf.sum(mask)), tf.mul(0.01, tf.mean(entropy!))) as tf.Scalar;
      }), opt);
    }
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    m.dispose();
  });

  it('rejects bad input with clear errors', async () => {
    const long = 'word '.repeat(400);
    expect(() => model.responseLogits([{ input: { prompt: long }, response: 'x' }])).toThrow(/maxSeq/);
    await expect(model.generate([{ prompt: 'x' }], { topP: 0 })).rejects.toThrow(ModelError);
    expect(() => model.responseLogits([{ input: { prompt: 'x' }, response: [model.tokenizer.size + 3] }])).toThrow(/vocabulary/);
    expect(visualTokens(model.config)).toBe(4);
  });

  it('learned absolute positions (older checkpoints) keep cache, padding and scoring consistent', async () => {
    const learned = await tinyModel(3, 'learned');
    expect(learned.namedVariables().has('pos_emb')).toBe(true);
    expect(model.namedVariables().has('pos_emb')).toBe(false);
    const stepLogits: Float32Array[] = [];
    const gens = await learned.generate(inputs, { seed: 2, maxTokens: 8, onLogits: (_, l) => stepLogits.push(l.slice()) });
    const full = learned.responseLogits(inputs.map((input, b) => ({ input, response: gens[b]!.tokenIds })));
    const V = learned.tokenizer.size, R = full.shape[1], f = full.dataSync();
    gens.forEach((g, b) => g.tokenIds.forEach((_, r) => {
      expect(maxAbsDiff(stepLogits[r]!.subarray(b * V, (b + 1) * V), f.subarray((b * R + r) * V, (b * R + r + 1) * V))).toBeLessThan(1e-4);
    }));
    full.dispose();
    const alone = await learned.scoreResponses([{ input: inputs[0]!, response: 'Up, Left' }]);
    const batched = await learned.scoreResponses(inputs.map((input, i) => ({ input, response: i === 0 ? 'Up, Left' : '<think>longer</think>' })));
    expect(maxAbsDiff(alone[0]!, batched[0]!)).toBeLessThan(1e-4);
    learned.dispose();
  });

  it('stops at the context limit instead of overflowing positions', async () => {
    const nearlyFull = { prompt: 'a'.repeat(model.config.maxSeq - 4) };
    const [g] = await model.generate([nearlyFull], { seed: 1, maxTokens: 50, stop: [] });
    expect(g!.finishReason).toBe('context');
    expect(g!.tokenIds.length).toBeLessThanOrEqual(4);
    const [s] = await model.scoreResponses([{ input: nearlyFull, response: g!.tokenIds }]);
    expect(maxAbsDiff(s!, g!.logProbs)).toBeLessThan(1e-3);
  });
});
