// Issue 13, round 2: the RL update on the fused training path (packed sequences, native
// ops) takes the same steps as on the per-op tfjs path: for the same batch, the same loss
// and statistics and the same weights after each optimizer step (SGD, so the weight change
// is the clipped gradient), to float rounding. Tiny model; skips without the addon's
// training kernels.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, LmmModel, Tokenizer } from '../../agents/model/index.js';
import { trainOpsAvailable } from '../../agents/model/train-ops.js';
import { effectiveMiniBatch, passes, policyUpdate, policyUpdateAsync, scoreSequences, type TrainSequence, type UpdateSettings, type UpdateStats } from '../../training/rl/update.js';
import { padSequences, policyLossReference, policyLossTensor } from '../../training/rl/loss.js';
import { RlInputError } from '../../training/errors.js';
import type { ScoredExample } from '../../agents/model/model.js';
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

/** `batch()` with the reference log-probs of another tiny model (for the KL terms). */
async function batchWithRef(): Promise<TrainSequence[]> {
  const seqs = await batch();
  const refModel = await model(4);
  const lp = await scoreSequences(refModel, seqs, 1);
  seqs.forEach((q, i) => { q.refLogp = lp[i]!; });
  refModel.dispose();
  return seqs;
}

/** Shuffle-free split into chunks of `size` (0 = one chunk), as update.ts has it. */
function chunks<T>(xs: readonly T[], size: number): T[][] {
  if (size <= 0 || size >= xs.length) return [xs.slice()];
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * `policyUpdate` as it was before issue 13 round 2 (commit 900e1dc, verbatim): one
 * forward/backward per minibatch on `responseLogProbs`, which was the per-op path then
 * (run it with LMM_GYM_TRAIN_ENGINE=tfjs). The reference the new update is held to.
 */
function policyUpdateBefore(model: LmmModel, optimizer: tf.Optimizer, sequences: readonly TrainSequence[], s: UpdateSettings): UpdateStats {
  const seqs = sequences.filter((q) => q.tokenIds.length > 0);
  const stats: UpdateStats = { loss: 0, pgLoss: 0, kl: 0, entropy: 0, clipFraction: 0, approxKlOld: 0, gradNorm: 0, optimizerSteps: 0, tokens: 0 };
  if (seqs.length === 0) return stats;
  for (const [i, q] of seqs.entries()) {
    if (q.oldLogp.length !== q.tokenIds.length) throw new RlInputError(`sequence ${i}: ${q.oldLogp.length} old log-probs for ${q.tokenIds.length} tokens`);
    if (s.klCoef > 0 && (!q.refLogp || q.refLogp.length !== q.tokenIds.length)) throw new RlInputError(`sequence ${i}: klCoef > 0 needs reference log-probs for every token`);
    if (!Number.isFinite(q.advantage)) throw new RlInputError(`sequence ${i}: advantage is not finite`);
  }
  const lossOpts = { clipLow: s.clip, clipHigh: s.clipHigh, klCoef: s.klCoef, klEstimator: s.klEstimator, aggregation: s.aggregation };
  // Weighted sums for the first pass (stats of the pre-update policy), last-pass drift.
  let entSum = 0, entTok = 0, klSum = 0, clipSum = 0, lossSum = 0, pgSum = 0, first = true, tokens = 0;
  for (let epoch = 0; epoch < s.ppoEpochs; epoch++) {
    for (const part of chunks(seqs, effectiveMiniBatch(s.miniBatch, seqs.length))) {
      const examples: ScoredExample[] = part.map((q) => ({ input: q.input, response: q.tokenIds }));
      const old = padSequences(part.map((q) => q.oldLogp));
      const ref = s.klCoef > 0 ? padSequences(part.map((q) => q.refLogp!), old.width) : null;
      const shape: [number, number] = [part.length, old.width];
      let host: { lp: number[][]; ent: number } | null = null;
      const result = model.trainStep(() => {
        const scores = model.responseLogProbs(examples, { temperature: s.temperature, entropy: true });
        const oldT = tf.tensor2d(old.values, shape);
        const refT = ref ? tf.tensor2d(ref.values, shape) : undefined;
        const advT = tf.tensor1d(part.map((q) => q.advantage));
        const input = { logp: scores.logProbs, oldLogp: oldT, mask: scores.mask, advantages: advT, ...(refT ? { refLogp: refT } : {}) };
        let loss = policyLossTensor(input, lossOpts);
        const ent = tf.div(tf.sum(scores.entropy!), tf.maximum(tf.sum(scores.mask), 1));
        if (s.entropyCoef > 0) loss = tf.sub(loss, tf.mul(s.entropyCoef, ent));
        // Host copies for the statistics (cheap next to the forward pass).
        host = { lp: scores.logProbs.arraySync(), ent: ent.dataSync()[0]! };
        return loss as tf.Scalar;
      }, optimizer, { clipNorm: s.maxGradNorm });
      stats.optimizerSteps++;
      stats.gradNorm = Math.max(stats.gradNorm, result.gradNorm);
      const h = host as { lp: number[][]; ent: number } | null;
      if (!h) continue;
      const ref_ = policyLossReference(part.map((q, b) => ({
        logp: h.lp[b]!.slice(0, q.tokenIds.length), oldLogp: q.oldLogp, advantage: q.advantage,
        ...(q.refLogp ? { refLogp: q.refLogp } : {}),
      })), { ...lossOpts, klCoef: s.klCoef });
      stats.approxKlOld = ref_.approxKlOld;
      if (first) {
        const n = ref_.tokens;
        tokens += n;
        entSum += h.ent * n; entTok += n;
        klSum += ref_.kl * n; clipSum += ref_.clipFraction * n;
        lossSum += result.loss * n; pgSum += ref_.pgLoss * n;
      }
    }
    first = false;
  }
  const n = Math.max(tokens, 1);
  stats.tokens = tokens;
  stats.entropy = entTok ? entSum / entTok : 0;
  stats.kl = klSum / n;
  stats.clipFraction = clipSum / n;
  stats.loss = lossSum / n;
  stats.pgLoss = pgSum / n;
  return stats;
}

const base: UpdateSettings = {
  clip: 0.2, clipHigh: 0.28, klCoef: 0, klEstimator: 'k3', aggregation: 'token', ppoEpochs: 1, miniBatch: 0, maxGradNorm: 1, entropyCoef: 0, temperature: 1,
};

type Update = (m: LmmModel, o: tf.Optimizer, q: readonly TrainSequence[], s: UpdateSettings) => UpdateStats | Promise<UpdateStats>;

async function runUpdate(engine: 'fused' | 'tfjs', seqs: TrainSequence[], s: UpdateSettings, update: Update = policyUpdate) {
  const saved = process.env.LMM_GYM_TRAIN_ENGINE;
  process.env.LMM_GYM_TRAIN_ENGINE = engine;
  try {
    const m = await model(3);
    const before = await m.weights();
    const opt = tf.train.sgd(0.05);
    const stats = await update(m, opt, seqs, s);
    const after = await m.weights();
    opt.dispose(); m.dispose();
    const delta = new Map([...after].map(([k, v]) => [k, v.map((x, i) => x - before.get(k)![i]!)]));
    return { stats, delta };
  } finally {
    if (saved === undefined) delete process.env.LMM_GYM_TRAIN_ENGINE; else process.env.LMM_GYM_TRAIN_ENGINE = saved;
  }
}

/** Stats within float tolerance, and every variable's weight change within 1e-4 of its norm. */
function expectSameUpdate(ref: Awaited<ReturnType<typeof runUpdate>>, got: Awaited<ReturnType<typeof runUpdate>>): void {
  expect(got.stats.optimizerSteps).toBe(ref.stats.optimizerSteps);
  expect(got.stats.tokens).toBe(ref.stats.tokens);
  for (const k of ['loss', 'pgLoss', 'kl', 'entropy', 'clipFraction', 'approxKlOld', 'gradNorm'] as const) {
    expect(Math.abs(got.stats[k] - ref.stats[k]), k).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref.stats[k])));
  }
  let moved = 0;
  for (const [k, d] of ref.delta) {
    const g = got.delta.get(k)!;
    let n = 0, dn = 0;
    for (let i = 0; i < d.length; i++) { n += d[i]! ** 2; dn += (d[i]! - g[i]!) ** 2; }
    if (n > 0) moved++;
    expect(Math.sqrt(dn), k).toBeLessThanOrEqual(1e-4 * Math.max(Math.sqrt(n), 1e-6));
  }
  expect(moved).toBeGreaterThan(20);
}

describe('RL update: the async variant', () => {
  it('policyUpdateAsync takes the same step as policyUpdate, and frees every tensor', async () => {
    const seqs = await batchWithRef();
    const s = { ...base, klCoef: 0.1, entropyCoef: 0.02, miniBatch: 4, passTokens: 40 };
    const before = tf.memory().numTensors;
    const sync = await runUpdate('tfjs', seqs, s);
    const viaAsync = await runUpdate('tfjs', seqs, s, policyUpdateAsync);
    expect(tf.memory().numTensors).toBe(before);
    expect(viaAsync.stats.optimizerSteps).toBe(2);
    expectSameUpdate(sync, viaAsync);
  });
});

describe('RL update: tokenMask', () => {
  it('all ones is the unmasked step; all zeros moves nothing; a wrong length is refused', async () => {
    const seqs = await batch();
    const s = { ...base, miniBatch: 4 };
    const plain = await runUpdate('tfjs', seqs, s);
    const ones = await runUpdate('tfjs', seqs.map((q) => ({ ...q, tokenMask: q.tokenIds.map(() => 1) })), s);
    expectSameUpdate(plain, ones);
    const zeros = await runUpdate('tfjs', seqs.map((q) => ({ ...q, tokenMask: q.tokenIds.map(() => 0) })), s);
    for (const d of zeros.delta.values()) expect(d.every((x) => x === 0)).toBe(true);
    await expect(runUpdate('tfjs', seqs.map((q) => ({ ...q, tokenMask: [1] })), s)).rejects.toThrow(/tokenMask/);
  });

  it('masking a sequence down to its last token changes the step (the loss covers only that token)', async () => {
    const seqs = await batch();
    const s = { ...base, miniBatch: 0 };
    const plain = await runUpdate('tfjs', seqs, s);
    const last = await runUpdate('tfjs', seqs.map((q) => ({ ...q, tokenMask: q.tokenIds.map((_, i) => (i === q.tokenIds.length - 1 ? 1 : 0)) })), s);
    let differ = 0;
    for (const [k, d] of plain.delta) if (d.some((x, i) => Math.abs(x - last.delta.get(k)![i]!) > 1e-7)) differ++;
    expect(differ).toBeGreaterThan(10);
    expect(last.stats.optimizerSteps).toBe(1);
  });
});

describe('RL update: klWeight', () => {
  it('ones are the plain KL step, zeros the step without KL, a boost changes it; a bad weight is refused', async () => {
    const seqs = await batchWithRef();
    const s = { ...base, klCoef: 0.5, miniBatch: 4 };
    const plain = await runUpdate('tfjs', seqs, s);
    expectSameUpdate(plain, await runUpdate('tfjs', seqs.map((q) => ({ ...q, klWeight: q.tokenIds.map(() => 1) })), s));
    const noKl = await runUpdate('tfjs', seqs, { ...s, klCoef: 0 });
    const zeros = await runUpdate('tfjs', seqs.map((q) => ({ ...q, klWeight: q.tokenIds.map(() => 0) })), s);
    for (const [k, d] of noKl.delta) expect(d.every((x, i) => Math.abs(x - zeros.delta.get(k)![i]!) <= 1e-6), k).toBe(true);
    const boosted = await runUpdate('tfjs', seqs.map((q) => ({ ...q, klWeight: q.tokenIds.map((_, t) => (t < 2 ? 20 : 1)) })), s);
    expect(boosted.stats.loss).toBeGreaterThan(plain.stats.loss);
    await expect(runUpdate('tfjs', seqs.map((q) => ({ ...q, klWeight: [1] })), s)).rejects.toThrow(/klWeight/);
    await expect(runUpdate('tfjs', seqs.map((q) => ({ ...q, klWeight: q.tokenIds.map(() => -1) })), s)).rejects.toThrow(/klWeight/);
  });
});

describe('RL update: gradient accumulation over passes', () => {
  it('splits a minibatch into consecutive passes of at most the budget (a longer sequence alone)', () => {
    expect(passes([5, 3, 4, 9, 1, 1], (x) => x, 8)).toEqual([[5, 3], [4], [9], [1, 1]]);
    expect(passes([5, 3, 4], (x) => x, 0)).toEqual([[5, 3, 4]]);
    expect(passes([], (x: number) => x, 8)).toEqual([]);
  });

  for (const aggregation of ['token', 'sequence'] as const) {
    it(`several passes per minibatch take the same step as one (${aggregation} aggregation, entropy and KL terms)`, async () => {
      const seqs = await batchWithRef();
      const s = { ...base, aggregation, klCoef: 0.1, entropyCoef: 0.02, miniBatch: 4 };
      const one = await runUpdate(native ? 'fused' : 'tfjs', seqs, { ...s, passTokens: 0 });
      const many = await runUpdate(native ? 'fused' : 'tfjs', seqs, { ...s, passTokens: 40 });
      expectSameUpdate(one, many);
    });
  }
});

describe.skipIf(!native)('RL update: the fused training path takes the steps the update took before (per-op path)', () => {
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
      const ref = await runUpdate('tfjs', seqs, s, policyUpdateBefore), got = await runUpdate('fused', seqs, s);
      const perOp = await runUpdate('tfjs', seqs, s); // today's update on the per-op path
      expect(tf.memory().numTensors).toBe(before);
      expectSameUpdate(ref, got);
      expectSameUpdate(ref, perOp);
      if (name.startsWith('one')) expect(ref.stats.clipFraction).toBeGreaterThan(0);
    });
  }
});
