/**
 * One policy update: re-score the sampled responses under the current model, build the
 * clipped-ratio loss (+ KL to the reference, - entropy bonus) and take optimizer steps
 * over minibatches, for `ppoEpochs` passes. Returns the statistics for the metrics log.
 * The ratio's denominator is the log-probs recorded at sampling time (no re-scoring of the
 * old policy); each minibatch runs in forward/backward passes of at most `passTokens`
 * positions whose gradients add up to its one step.
 */
import * as tf from '@tensorflow/tfjs';
import type { LmmModel, ScoredExample, TrainStepResult } from '../../agents/model/model.js';
import { readAsync, readSync, type Reads } from '../../agents/model/reads.js';
import type { ModelInput } from '../../agents/model/layout.js';
import { RlInputError } from '../errors.js';
import { DEFAULT_DUAL_CLIP, padSequences, policyLossReference, policyLossTensor } from './loss.js';
import type { KlEstimator } from './kl.js';
import type { LossAggregation } from './loss.js';
import { pushAll } from '../../envs/core/arrays.js';
import { visualTokens } from '../../agents/model/config.js';

/** One generated response to train on. */
export interface TrainSequence {
  input: ModelInput;
  tokenIds: number[];
  /** Log-probs at sampling time (the behaviour policy). */
  oldLogp: number[];
  /** Log-probs under the frozen reference (needed when klCoef > 0). */
  refLogp?: number[];
  advantage: number;
  /**
   * Relative weight under aggregation 'episode' (default 1; the pipeline gives 1 / turns of
   * the sequence's episode). policyUpdate rescales the weights to mean 1 over the update's
   * sequences before splitting them into minibatches. Ignored by 'token' and 'sequence'.
   */
  weight?: number;
  /**
   * Which tokens the update trains (default all): 1 trains the token, 0 leaves it out of
   * the loss (its log-prob still conditions the later ones). The loss of a sequence is then
   * the mean over its trained tokens. E.g. only the answer of `<think>...</think><answer>X</answer>`.
   */
  tokenMask?: number[];
  /**
   * Per-token multiplier of the KL coefficient (default all 1; values >= 0), e.g. a stronger
   * KL on the part of the response that reads the observation (`prefixKlWeights`, kl.ts).
   */
  klWeight?: number[];
}

export interface UpdateSettings {
  /** PPO clip range (ratio in [1 - clip, 1 + clipHigh]). */
  clip: number;
  clipHigh: number;
  /** Dual clip (A < 0: token loss at most -dualClip * A; 0 = off). Default DEFAULT_DUAL_CLIP (3). */
  dualClip?: number;
  klCoef: number;
  klEstimator: KlEstimator;
  aggregation: LossAggregation;
  /** Optimisation passes over each batch of rollouts (1 = on-policy; >1 makes the clip matter). */
  ppoEpochs: number;
  /**
   * Sequences per gradient step (the batch is split into minibatches of this size). 0 =
   * auto: the whole batch when it has at most AUTO_MINI_BATCH sequences, else equal chunks
   * of at most that many. Step mode yields one sequence per turn (G x batch x turns), so
   * the size must follow the responses, not the episodes: one forward over 640 turns took
   * 20 GB.
   */
  miniBatch: number;
  /**
   * Positions (image, prompt and response tokens) one forward/backward pass takes at most:
   * a larger minibatch runs as several passes whose gradients add up before its one
   * optimizer step (same step, the memory of one pass). 0 = one pass per minibatch;
   * undefined = AUTO_PASS_TOKENS.
   */
  passTokens?: number;
  /** Global gradient-norm clip (0 = off). */
  maxGradNorm: number;
  /** Bonus on the mean token entropy (0 = off). */
  entropyCoef: number;
  /** Sampling temperature (the scores divide the logits by it, as generation did). */
  temperature: number;
}

export interface UpdateStats {
  loss: number;
  pgLoss: number;
  /** Mean per-token KL(policy || ref) estimate (k3), before the update. */
  kl: number;
  /** Mean per-token entropy of the policy on the responses (nats). */
  entropy: number;
  clipFraction: number;
  /** k3 estimate of KL(behaviour || policy) at the last minibatch (drift within the update). */
  approxKlOld: number;
  gradNorm: number;
  optimizerSteps: number;
  tokens: number;
}

/** Most sequences one gradient step takes when miniBatch is 0 (auto). */
export const AUTO_MINI_BATCH = 64;

/** The minibatch size used for `n` sequences: `miniBatch`, or with 0 equal chunks of at most AUTO_MINI_BATCH. */
export function effectiveMiniBatch(miniBatch: number, n: number): number {
  if (miniBatch > 0) return miniBatch;
  return n <= AUTO_MINI_BATCH ? n : Math.ceil(n / Math.ceil(n / AUTO_MINI_BATCH));
}

/**
 * Positions per forward/backward pass when `passTokens` is not set: about one step-mode
 * minibatch of 64 responses (36 visual + ~28 prompt + ~60 response tokens). Measured on
 * the fused path, small model: ~0.85 GB of peak RSS above the process's base for passes of
 * ~7.9k positions, ~0.5 GB for 4,096 (at 5-10% more time). Longer answers then take more
 * passes instead of more memory.
 */
export const AUTO_PASS_TOKENS = 8192;

/** Consecutive groups of `seqs` of at most `budget` positions each (a longer sequence alone); budget 0 = one group. */
export function passes<T>(seqs: readonly T[], positions: (q: T) => number, budget: number): T[][] {
  if (!(budget > 0)) return [seqs.slice()];
  const out: T[][] = [];
  let cur: T[] = [], used = 0;
  for (const q of seqs) {
    const n = positions(q);
    if (cur.length && used + n > budget) { out.push(cur); cur = []; used = 0; }
    cur.push(q); used += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Shuffle-free split into chunks of `size` (0 = one chunk). */
function chunks<T>(xs: readonly T[], size: number): T[][] {
  if (size <= 0 || size >= xs.length) return [xs.slice()];
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Score the sequences under a model (no gradients), e.g. the reference policy; batched by `batch`. */
export async function scoreSequences(model: LmmModel, seqs: readonly Pick<TrainSequence, 'input' | 'tokenIds'>[], temperature: number, batch = 32): Promise<number[][]> {
  const out: number[][] = [];
  for (const part of chunks(seqs, batch)) {
    const scored = await model.scoreResponses(part.map((s) => ({ input: s.input, response: s.tokenIds })), { temperature });
    pushAll(out, scored);
  }
  return out;
}

/** Copies of the sequences with their weights (default 1) rescaled to mean 1 (aggregation 'episode'). */
export function normalizedWeights<T extends Pick<TrainSequence, 'weight'>>(seqs: readonly T[]): T[] {
  const total = seqs.reduce((a, q) => a + (q.weight ?? 1), 0);
  return seqs.map((q) => ({ ...q, weight: ((q.weight ?? 1) * seqs.length) / total }));
}

/** Run the update on `model` with `optimizer`. Sequences with no tokens are skipped. */
export function policyUpdate(model: LmmModel, optimizer: tf.Optimizer, sequences: readonly TrainSequence[], s: UpdateSettings): UpdateStats {
  return readSync(policyUpdateReads(model, optimizer, sequences, s), 'policyUpdateAsync');
}

/** `policyUpdate` with asynchronous reads: works on every backend (webgpu too); the training pipeline uses it. */
export function policyUpdateAsync(model: LmmModel, optimizer: tf.Optimizer, sequences: readonly TrainSequence[], s: UpdateSettings): Promise<UpdateStats> {
  return readAsync(policyUpdateReads(model, optimizer, sequences, s));
}

/** The one implementation of the update, as a generator of the tensors it reads (agents/model/reads.ts). */
function* policyUpdateReads(model: LmmModel, optimizer: tf.Optimizer, sequences: readonly TrainSequence[], s: UpdateSettings): Reads<UpdateStats> {
  let seqs = sequences.filter((q) => q.tokenIds.length > 0);
  const stats: UpdateStats = { loss: 0, pgLoss: 0, kl: 0, entropy: 0, clipFraction: 0, approxKlOld: 0, gradNorm: 0, optimizerSteps: 0, tokens: 0 };
  if (seqs.length === 0) return stats;
  for (const [i, q] of seqs.entries()) {
    if (q.oldLogp.length !== q.tokenIds.length) throw new RlInputError(`sequence ${i}: ${q.oldLogp.length} old log-probs for ${q.tokenIds.length} tokens`);
    if (s.klCoef > 0 && (!q.refLogp || q.refLogp.length !== q.tokenIds.length)) throw new RlInputError(`sequence ${i}: klCoef > 0 needs reference log-probs for every token`);
    if (!Number.isFinite(q.advantage)) throw new RlInputError(`sequence ${i}: advantage is not finite`);
    if (q.weight !== undefined && !(q.weight > 0 && Number.isFinite(q.weight))) throw new RlInputError(`sequence ${i}: weight must be a finite number > 0, got ${q.weight}`);
    if (q.klWeight && (q.klWeight.length !== q.tokenIds.length || q.klWeight.some((w) => !(w >= 0 && Number.isFinite(w))))) throw new RlInputError(`sequence ${i}: klWeight must have one finite value >= 0 per token (${q.tokenIds.length})`);
    if (q.tokenMask && (q.tokenMask.length !== q.tokenIds.length || q.tokenMask.some((m) => !(m >= 0 && m <= 1)))) throw new RlInputError(`sequence ${i}: tokenMask must have one value in [0, 1] per token (${q.tokenIds.length})`);
  }
  if (s.aggregation === 'episode') seqs = normalizedWeights(seqs);
  const lossOpts = { clipLow: s.clip, clipHigh: s.clipHigh, dualClip: s.dualClip ?? DEFAULT_DUAL_CLIP, klCoef: s.klCoef, klEstimator: s.klEstimator, aggregation: s.aggregation };
  const budget = s.passTokens ?? AUTO_PASS_TOKENS;
  if (!(budget >= 0) || !Number.isFinite(budget)) throw new RlInputError(`passTokens must be a number >= 0, got ${budget}`);
  const nv = visualTokens(model.config);
  const positions = new Map(seqs.map((q) => [q, (q.input.image ? nv : 0) + 2 + model.encodePrompt(q.input).length + q.tokenIds.length]));
  // Weighted sums for the first pass (stats of the pre-update policy), last-pass drift.
  let entSum = 0, entTok = 0, klSum = 0, clipSum = 0, lossSum = 0, pgSum = 0, first = true, tokens = 0;
  for (let epoch = 0; epoch < s.ppoEpochs; epoch++) {
    for (const part of chunks(seqs, effectiveMiniBatch(s.miniBatch, seqs.length))) {
      // The minibatch's normaliser (tokens, or sequences: every one has tokens), shared by its passes.
      const mbTokens = part.reduce((a, q) => a + q.tokenIds.length, 0);
      const divisor = s.aggregation === 'token' ? mbTokens : part.length;
      const host: { lp: tf.Tensor2D; ent: tf.Scalar }[] = [];
      const lossFns = passes(part, (q) => positions.get(q)!, budget).map((pass) => () => {
        const examples: ScoredExample[] = pass.map((q) => ({ input: q.input, response: q.tokenIds }));
        const old = padSequences(pass.map((q) => q.oldLogp));
        const ref = s.klCoef > 0 ? padSequences(pass.map((q) => q.refLogp!), old.width) : null;
        const shape: [number, number] = [pass.length, old.width];
        const scores = model.responseLogProbs(examples, { temperature: s.temperature, entropy: true });
        const oldT = tf.tensor2d(old.values, shape);
        const refT = ref ? tf.tensor2d(ref.values, shape) : undefined;
        const advT = tf.tensor1d(pass.map((q) => q.advantage));
        const wT = s.aggregation === 'episode' ? tf.tensor1d(pass.map((q) => q.weight!)) : undefined;
        // Optional per-token values (default 1) as a padded [B, T] tensor; undefined when no sequence has them.
        const perToken = (pick: (q: TrainSequence) => number[] | undefined) => (pass.some(pick) ? tf.tensor2d(padSequences(pass.map((q) => pick(q) ?? q.tokenIds.map(() => 1)), old.width).values, shape) : undefined);
        const klW = ref ? perToken((q) => q.klWeight) : undefined;
        const trained = perToken((q) => q.tokenMask);
        const mask = trained ? tf.mul(scores.mask, trained) as tf.Tensor2D : scores.mask;
        const input = { logp: scores.logProbs, oldLogp: oldT, mask, advantages: advT, ...(refT ? { refLogp: refT } : {}), ...(wT ? { weights: wT } : {}), ...(klW ? { klWeight: klW } : {}) };
        let loss = policyLossTensor(input, lossOpts, divisor);
        // This pass's share of the minibatch's mean entropy.
        const ent = tf.div(tf.sum(scores.entropy!), mbTokens);
        if (s.entropyCoef > 0) loss = tf.sub(loss, tf.mul(s.entropyCoef, ent));
        // Kept for host copies of the statistics, read after the step (cheap next to the forward pass).
        host.push({ lp: tf.keep(scores.logProbs.clone()), ent: tf.keep(ent.clone()) as tf.Scalar });
        return loss as tf.Scalar;
      });
      let result: TrainStepResult;
      const lp: number[][] = [];
      let ent = 0;
      try {
        result = yield* model.trainStepReads(lossFns, optimizer, { clipNorm: s.maxGradNorm });
        for (const h of host) {
          const [rows, width] = h.lp.shape;
          const v = Array.from(yield h.lp);
          for (let b = 0; b < rows; b++) lp.push(v.slice(b * width, (b + 1) * width));
          ent += (yield h.ent)[0]!;
        }
      } finally {
        tf.dispose(host.flatMap((h) => [h.lp, h.ent]));
      }
      stats.optimizerSteps++;
      stats.gradNorm = Math.max(stats.gradNorm, result.gradNorm);
      if (host.length !== lossFns.length) continue;
      const ref_ = policyLossReference(part.map((q, b) => ({
        logp: lp[b]!.slice(0, q.tokenIds.length), oldLogp: q.oldLogp, advantage: q.advantage,
        ...(q.refLogp ? { refLogp: q.refLogp } : {}), ...(q.weight !== undefined ? { weight: q.weight } : {}), ...(q.klWeight ? { klWeight: q.klWeight } : {}),
      })), { ...lossOpts, klCoef: s.klCoef });
      stats.approxKlOld = ref_.approxKlOld;
      if (first) {
        const n = ref_.tokens;
        tokens += n;
        entSum += ent * n; entTok += n;
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
