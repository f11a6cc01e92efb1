// Issue 13, round 2: the RL update on the fused training path (packed sequences, native
// ops) takes the same steps as on the per-op tfjs path: for the same batch, the same loss
// and statistics and the same weights after each optimizer step (SGD, so the weight change
// is the clipped gradient), to float rounding. Tiny model; skips without the addon's
// training kernels.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, LmmModel, Tokenizer } from '../../agents/model/index.js';
import { trainOpsAvailable } from '../../agents/model/train-ops.js';
import { policyUpdate, scoreSequences, type TrainSequence, type UpdateSettings } from '../../training/rl/update.js';
import { testFrame } from '../model/helpers.js';

const native = trainOpsAvailable();
const tokenizer = Tokenizer.build(['You are playing Sokoban. <think>push the box up</think><answer>Up, Left</answer> 3+4=7']);

async function model(seed: number): Promise<LmmModel> {
  await initBackend({ backend: 'cpu', log: () => {} });
  return LmmModel.create({ preset: 'tiny', tokenizer, seed, config: { initStd: 0.2 } });
}

/** Sampled responses of the tiny model with their sampling log-probs, rewards spread around 0. */
async function batch(): Promise<TrainSequence[]> {
  const m = await model(11);
  const inputs = [
    { prompt: 'Sokoban: push the box', image: testFrame() },
    { prompt: 'x' },
    { prompt: 'A longer prompt with an image of the board', image: testFrame(30, 30, 3) },
    { prompt: 'Sokoban: push the box', image: testFrame() },
    { prompt: 'y' },
    { prompt: 'z', image: testFrame(20, 20, 1) },
  ];
  const gens = await m.generate(inputs, { maxTokens: 12, seed: 5, stop: [], temperature: 1, engine: 'js' });
  m.dispose();
  const seqs = gens.map((g, i) => ({ input: inputs[i]!, tokenIds: g.tokenIds.slice(0, 3 + 2 * i), oldLogp: g.logProbs.slice(0, 3 + 2 * i), advantage: [1, -0.5, 0.25, -1, 0.75, -0.25][i]! }));
  // Off-policy a little (as after an earlier epoch), so the clip is active on some tokens.
  for (const s of seqs) s.oldLogp = s.oldLogp.map((v, t) => v + (t % 3 === 0 ? 0.3 : -0.2));
  seqs.push({ input: { prompt: 'empty' }, tokenIds: [], oldLogp: [], advantage: 1 }); // skipped by the update
  return seqs;
}

const base: UpdateSettings = {
  clip: 0.2, clipHigh: 0.28, klCoef: 0, klEstimator: 'k3', aggregation: 'token', ppoEpochs: 1, miniBatch: 0, maxGradNorm: 1, entropyCoef: 0, temperature: 1,
};

async function runUpdate(engine: 'fused' | 'tfjs', seqs: TrainSequence[], s: UpdateSettings) {
  const saved = process.env.LMM_GYM_TRAIN_ENGINE;
  process.env.LMM_GYM_TRAIN_ENGINE = engine;
  try {
    const m = await model(3);
    const before = await m.weights();
    const opt = tf.train.sgd(0.05);
    const stats = policyUpdate(m, opt, seqs, s);
    const after = await m.weights();
    opt.dispose(); m.dispose();
    const delta = new Map([...after].map(([k, v]) => [k, v.map((x, i) => x - before.get(k)![i]!)]));
    return { stats, delta };
  } finally {
    if (saved === undefined) delete process.env.LMM_GYM_TRAIN_ENGINE; else process.env.LMM_GYM_TRAIN_ENGINE = saved;
  }
}

describe.skipIf(!native)('RL update: fused training path = per-op path', () => {
  const cases: [string, Partial<UpdateSettings>][] = [
    ['one minibatch, token aggregation, clip active', {}],
    ['entropy bonus, temperature 0.8, no gradient clipping', { entropyCoef: 0.05, temperature: 0.8, maxGradNorm: 0 }],
    ['KL to a reference, sequence aggregation, 2 epochs of minibatches of 2', { klCoef: 0.1, klEstimator: 'k3', aggregation: 'sequence', ppoEpochs: 2, miniBatch: 2 }],
  ];
  for (const [name, over] of cases) {
    it(name, async () => {
      const seqs = await batch();
      const s = { ...base, ...over };
      if (s.klCoef > 0) {
        const ref = await model(4);
        const lp = await scoreSequences(ref, seqs, s.temperature);
        seqs.forEach((q, i) => { q.refLogp = lp[i]!; });
        ref.dispose();
      }
      const before = tf.memory().numTensors;
      const ref = await runUpdate('tfjs', seqs, s), got = await runUpdate('fused', seqs, s);
      expect(tf.memory().numTensors).toBe(before);
      expect(got.stats.optimizerSteps).toBe(ref.stats.optimizerSteps);
      expect(got.stats.tokens).toBe(ref.stats.tokens);
      for (const k of ['loss', 'pgLoss', 'kl', 'entropy', 'clipFraction', 'approxKlOld', 'gradNorm'] as const) {
        expect(Math.abs(got.stats[k] - ref.stats[k]), k).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.stats[k])));
      }
      if (name.startsWith('one')) expect(ref.stats.clipFraction).toBeGreaterThan(0);
      // The weight change of every variable (the summed SGD steps).
      let moved = 0;
      for (const [k, d] of ref.delta) {
        const g = got.delta.get(k)!;
        let n = 0, dn = 0;
        for (let i = 0; i < d.length; i++) { n += d[i]! ** 2; dn += (d[i]! - g[i]!) ** 2; }
        if (n > 0) moved++;
        expect(Math.sqrt(dn), k).toBeLessThanOrEqual(1e-4 * Math.max(Math.sqrt(n), 1e-6));
      }
      expect(moved).toBeGreaterThan(20);
    });
  }
});
