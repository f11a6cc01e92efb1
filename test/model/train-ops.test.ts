// The fused training path (issue 13, round 2): each native training op against tfjs'
// autodiff of the per-op formulas it replaces (values and gradients), the model's packed
// `responseLogProbs` against the per-op padded path, and `scoreResponses` on the fused
// decoder against tfjs. Skips when the addon has no training kernels.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, LmmModel, ModelError, Tokenizer } from '../../agents/model/index.js';
import type { ScoredExample } from '../../agents/model/model.js';
import { attentionMask } from '../../agents/model/layout.js';
import { alibiSlopes } from '../../agents/model/config.js';
import { attentionOp, geluOp, layerNormOp, scatterColumnsOp, tokenLogProbsOp, trainOpsAvailable } from '../../agents/model/train-ops.js';
import { fusedAddon } from '../../agents/model/fused.js';
import { testFrame } from './helpers.js';

const native = trainOpsAvailable();
if (!native) console.warn('test/model/train-ops: fused training ops SKIPPED (addon without the training kernels, or not built)');

/** Largest |a - b| over max(1, |a|) elementwise, as a number. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!)));
  return worst;
}

/** ||a - b|| / ||a|| (with a floor on ||a||). */
function normErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0, dn = 0;
  for (let i = 0; i < a.length; i++) { n += a[i]! ** 2; dn += (a[i]! - b[i]!) ** 2; }
  return Math.sqrt(dn) / Math.max(Math.sqrt(n), 1e-6);
}

/** Value and gradients (w.r.t. xs) of sum(f(xs) * w) for a fixed random w. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], seed = 7): { y: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const y = f(...xs);
    const w = tf.randomUniform(y.shape, -1, 1, 'float32', seed);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)))(xs);
    return { y: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

describe.skipIf(!native)('fused training ops against tfjs autodiff', () => {
  it('layerNormOp: values and gradients of x, gain and bias', async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
    const x = tf.randomNormal([37, 24], 0.5, 2, 'float32', 1), g = tf.randomNormal([24], 1, 0.3, 'float32', 2), b = tf.randomNormal([24], 0, 0.3, 'float32', 3);
    const ref = valueAndGrads((x_, g_, b_) => {
      const { mean, variance } = tf.moments(x_!, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(x_!, mean), tf.rsqrt(tf.add(variance, 1e-5))), g_!), b_!);
    }, [x, g, b]);
    const got = valueAndGrads((x_, g_, b_) => layerNormOp(x_ as tf.Tensor2D, g_!, b_!), [x, g, b]);
    expect(relErr(ref.y, got.y)).toBeLessThan(1e-5);
    ref.grads.forEach((r, i) => expect(normErr(r, got.grads[i]!)).toBeLessThan(1e-5));
  });

  it('geluOp: values and gradient', async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
    const x = tf.randomNormal([50, 33], 0, 3, 'float32', 4);
    const ref = valueAndGrads((x_) => tf.mul(x_!, tf.sigmoid(tf.mul(x_!, 1.702))), [x]);
    const got = valueAndGrads((x_) => geluOp(x_!), [x]);
    expect(relErr(ref.y, got.y)).toBeLessThan(1e-5);
    expect(normErr(ref.grads[0]!, got.grads[0]!)).toBeLessThan(1e-5);
  });

  for (const [name, slopesOf, free] of [
    ['ALiBi, free image keys', (H: number) => alibiSlopes(H), [5, 0, 3, 0, 36]],
    ['ALiBi on every key', (H: number) => alibiSlopes(H), [0, 0, 0, 0, 0]],
    ['no bias (learned positions)', (H: number) => new Float32Array(H), [0, 0, 0, 0, 0]],
  ] as const) {
    it(`attentionOp over packed rows (${name}): the per-row masked softmax attention, and its gradient`, async () => {
      await initBackend({ backend: 'cpu', log: () => {} });
      // Rows shorter and longer than the kernel's query blocks (32): 1, 32 and 70 included.
      const d = 16, H = 2, dh = d / H, lengths = [9, 1, 32, 6, 70];
      const rowStart = new Int32Array(lengths.length + 1);
      lengths.forEach((L, b) => { rowStart[b + 1] = rowStart[b]! + L; });
      const N = rowStart[lengths.length]!, slopes = slopesOf(H);
      const rows = { rowStart, freeKeys: Int32Array.from(free), slopes };
      const qkv = tf.randomNormal([N, 3 * d], 0, 1.5, 'float32', 5);
      const reference = (x: tf.Tensor) => tf.concat(lengths.map((L, b) => {
        const part = x.slice([rowStart[b]!, 0], [L, 3 * d]).reshape([L, 3, H, dh]).transpose([1, 2, 0, 3]);
        const [q, k, v] = tf.unstack(part, 0) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        const mask = tf.tensor3d(attentionMask(Int32Array.of(0), L, L, slopes, Int32Array.of(free[b]!)), [H, L, L]);
        const att = tf.softmax(tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true), mask));
        return tf.matMul(att, v).transpose([1, 0, 2]).reshape([L, d]);
      }), 0);
      const ref = valueAndGrads(reference, [qkv]);
      const got = valueAndGrads((x) => attentionOp(x as tf.Tensor2D, rows, H), [qkv]);
      expect(relErr(ref.y, got.y)).toBeLessThan(1e-5);
      expect(normErr(ref.grads[0]!, got.grads[0]!)).toBeLessThan(1e-5);
    });
  }

  it('tokenLogProbsOp: log-probs and entropies at a temperature, gradients through both', async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
    const M = 23, V = 41, T = 0.7;
    const logits = tf.randomNormal([M, V], 0, 3, 'float32', 6);
    const targets = Int32Array.from({ length: M }, (_, i) => (i * 17) % V);
    const ref = valueAndGrads((z) => {
      const lp = tf.logSoftmax(tf.div(z!, T));
      const picked = tf.sum(tf.mul(lp, tf.oneHot(tf.tensor1d(targets, 'int32'), V)), -1);
      const ent = tf.neg(tf.sum(tf.mul(tf.exp(lp), lp), -1));
      return tf.stack([picked, ent]);
    }, [logits]);
    const got = valueAndGrads((z) => tokenLogProbsOp(z as tf.Tensor2D, targets, T), [logits]);
    expect(relErr(ref.y, got.y)).toBeLessThan(1e-5);
    expect(normErr(ref.grads[0]!, got.grads[0]!)).toBeLessThan(1e-5);
  });

  it('scatterColumnsOp puts packed columns at their slots and gathers the gradient back', async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const slot = Int32Array.of(4, 0, 2);
    expect(scatterColumnsOp(x, slot, 5).arraySync()).toEqual([[2, 0, 3, 0, 1], [5, 0, 6, 0, 4]]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(scatterColumnsOp(a as tf.Tensor2D, slot, 5), tf.tensor2d([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]))))(x);
    expect(g.arraySync()).toEqual([[5, 1, 3], [10, 6, 8]]);
  });

  it('the native kernels reject buffers that do not fit', () => {
    const a = fusedAddon()!;
    expect(() => a.attnForward!(Int32Array.of(16, 3), Int32Array.of(0, 2), Int32Array.of(0), new Float32Array(3), new Float32Array(96), new Float32Array(32), new Float32Array(100))).toThrow(/multiple of H/);
    expect(() => a.attnForward!(Int32Array.of(16, 2), Int32Array.of(0, 3), Int32Array.of(0), new Float32Array(2), new Float32Array(96), new Float32Array(32), new Float32Array(100))).toThrow(/qkv must be/);
    expect(() => a.attnForward!(Int32Array.of(16, 2), Int32Array.of(0, 2), Int32Array.of(0), new Float32Array(2), new Float32Array(96), new Float32Array(32), new Float32Array(7))).toThrow(/P too small/);
    expect(() => a.tokenLogProbs!(5, new Float32Array(10), Int32Array.of(1, 5), 1, new Float32Array(2), new Float32Array(2))).toThrow(/target out of range/);
    expect(() => a.lnForward!(4, new Float32Array(10), new Float32Array(4), new Float32Array(4), new Float32Array(10), new Float32Array(4))).toThrow(/whole rows/);
  });
});

const tokenizer = Tokenizer.build(['You are playing Sokoban. <think>push the box up</think><answer>Up, Left</answer> 3+4=7']);

const examples: ScoredExample[] = [
  { input: { prompt: 'Sokoban: push the box', image: testFrame() }, response: '<think>push</think><answer>Up</answer>' },
  { input: { prompt: 'x' }, response: 'Up, Left' },
  { input: { prompt: 'A longer prompt with more words', image: testFrame(30, 30, 3) }, response: 'L' },
  { input: { prompt: 'y' }, response: '' },
];

async function tiny(config: Record<string, unknown>): Promise<LmmModel> {
  await initBackend({ backend: 'cpu', log: () => {} });
  return LmmModel.create({ preset: 'tiny', tokenizer, seed: 3, config: { initStd: 0.3, ...config } });
}

describe.skipIf(!native)('packed responseLogProbs (fused) against the per-op padded path', () => {
  for (const [name, config] of [
    ['ALiBi, no penalty on the image (presets)', {}],
    ['ALiBi with the penalty on the image', { alibiOnImage: true }],
    ['learned positions', { positions: 'learned' }],
  ] as const) {
    it(`${name}: same log-probs, entropies, mask and gradients of every weight`, async () => {
      const m = await tiny(config);
      const run = (engine: 'fused' | 'tfjs') => {
        let host: { lp: number[][]; ent: number[][]; mask: number[][] } | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const s = m.responseLogProbs(examples, { temperature: 0.7, entropy: true, engine });
          host = { lp: s.logProbs.arraySync(), ent: s.entropy!.arraySync(), mask: s.mask.arraySync() };
          const w = tf.randomUniform(s.logProbs.shape, -1, 1, 'float32', 5), w2 = tf.randomUniform(s.logProbs.shape, -1, 1, 'float32', 6);
          return tf.add(tf.sum(tf.mul(s.logProbs, w)), tf.sum(tf.mul(s.entropy!, w2))) as tf.Scalar;
        }, m.variables);
        const out = { loss: value.dataSync()[0]!, grads: new Map(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array])), ...host! };
        value.dispose(); tf.dispose(Object.values(grads));
        return out;
      };
      const before = tf.memory().numTensors;
      const ref = run('tfjs'), got = run('fused');
      expect(tf.memory().numTensors).toBe(before); // nothing left behind
      expect(got.mask).toEqual(ref.mask);
      expect(relErr(ref.lp.flat(), got.lp.flat())).toBeLessThan(2e-5);
      expect(relErr(ref.ent.flat(), got.ent.flat())).toBeLessThan(2e-5);
      expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      expect([...got.grads.keys()].sort()).toEqual([...ref.grads.keys()].sort());
      for (const [k, g] of ref.grads) expect(normErr(g, got.grads.get(k)!), k).toBeLessThan(2e-5);
    });
  }

  it('all-empty responses fall back to the per-op path (nothing to pack)', async () => {
    const m = await tiny({});
    const s = m.responseLogProbs([{ input: { prompt: 'x' }, response: '' }], { engine: 'fused' });
    expect(s.logProbs.shape).toEqual([1, 1]);
    expect(s.mask.arraySync()).toEqual([[0]]);
    tf.dispose([s.logProbs, s.mask]);
  });
});

describe('training and scoring engines', () => {
  it('scoreResponses on the fused decoder (native and js) gives the tfjs log-probs', async () => {
    for (const config of [{}, { alibiOnImage: true }, { positions: 'learned' }]) {
      const m = await tiny(config);
      const ref = await m.scoreResponses(examples, { temperature: 0.7, engine: 'tfjs' });
      expect(ref.map((r) => r.length)).toEqual([m.tokenizer.encode(examples[0]!.response as string).length, m.tokenizer.encode('Up, Left').length, 1, 0]);
      for (const engine of native ? (['js', 'native'] as const) : (['js'] as const)) {
        const got = await m.scoreResponses(examples, { temperature: 0.7, engine });
        expect(got.map((r) => r.length)).toEqual(ref.map((r) => r.length));
        expect(relErr(ref.flat(), got.flat()), `${engine} ${JSON.stringify(config)}`).toBeLessThan(2e-5);
      }
      m.dispose();
    }
  });

  it('unknown engines are errors, from options or the environment', async () => {
    const m = await tiny({});
    expect(() => m.responseLogProbs(examples, { engine: 'gpu' as never })).toThrow(ModelError);
    await expect(m.scoreResponses(examples, { engine: 'gpu' as never })).rejects.toThrow(/scoring engine/);
    const saved = process.env.LMM_GYM_TRAIN_ENGINE;
    process.env.LMM_GYM_TRAIN_ENGINE = 'nope';
    try {
      expect(() => m.responseLogProbs(examples)).toThrow(/LMM_GYM_TRAIN_ENGINE/);
    } finally {
      if (saved === undefined) delete process.env.LMM_GYM_TRAIN_ENGINE; else process.env.LMM_GYM_TRAIN_ENGINE = saved;
    }
  });
});
