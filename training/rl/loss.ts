/**
 * The policy-gradient loss: PPO's clipped surrogate on the probability ratio of each
 * generated token, plus an optional KL penalty to a frozen reference policy.
 *
 *   ratio_t = exp(logp_t - oldLogp_t)
 *   pg_t    = -min(ratio_t * A, clip(ratio_t, 1 - clipLow, 1 + clipHigh) * A)
 *             and, when A < 0, at most -dualClip * A (dual-clip PPO, Ye et al. 2019; verl's
 *             clip_ratio_c, default 3): without it a token whose ratio has grown large in a
 *             negative-advantage sequence has an unbounded loss and gradient
 *   term_t  = pg_t + klCoef * w_t * KL_t(logp_t, refLogp_t)  (KL_t: k1/k2/k3, see kl.ts; w_t the
 *             token's klWeight, default 1)
 *
 * A is the advantage of the token's sequence (its episode's, or its turn's under per-turn
 * credit: training/rl/turn-credit.ts). Aggregation over the batch:
 * - 'token':    sum of all terms / number of tokens (long answers weigh more; DAPO);
 * - 'sequence': mean over sequences of each sequence's mean term (GRPO's original);
 * - 'episode':  mean over sequences of weight x the sequence's mean term, the weight
 *               being the sequence's `weight` (default 1). policyUpdate sets it to 1 /
 *               turns of the sequence's episode, rescaled to mean 1 over the update's
 *               sequences, so in step mode (one sequence per turn) every episode weighs
 *               the same however many turns it took: over the whole batch the loss is the
 *               mean over episodes of the mean over their turns, and a minibatch holding
 *               part of the batch contributes its share of that (a minibatch of one long
 *               episode's turns takes a small step). Single-turn episodes: = 'sequence'.
 *
 * Two implementations with the same maths: `policyLossReference` on plain arrays (tests,
 * metrics) and `policyLossTensor` on padded tf tensors (the training step, differentiable
 * in logp).
 */
import * as tf from '@tensorflow/tfjs';
import { RlInputError } from '../errors.js';
import { klTensor, klToken, type KlEstimator } from './kl.js';

export const LOSS_AGGREGATIONS = ['token', 'sequence', 'episode'] as const;
export type LossAggregation = (typeof LOSS_AGGREGATIONS)[number];

export interface PolicyLossOptions {
  /** Lower clip range (ratio >= 1 - clipLow). Default 0.2. */
  clipLow?: number;
  /** Upper clip range (ratio <= 1 + clipHigh). Default = clipLow. */
  clipHigh?: number;
  /** Dual clip: with A < 0 the token loss is at most -dualClip * A (default 3; 0 = off, else > 1). */
  dualClip?: number;
  /** Coefficient of the KL penalty (0 = none; then refLogp is not needed). */
  klCoef?: number;
  klEstimator?: KlEstimator;
  aggregation?: LossAggregation;
}

/** One response's token log-probs under the current, old (sampling) and reference policies. */
export interface SequenceLogProbs {
  logp: ArrayLike<number>;
  oldLogp: ArrayLike<number>;
  refLogp?: ArrayLike<number>;
  advantage: number;
  /** Weight of the sequence under aggregation 'episode' (default 1; must be > 0). Ignored by 'token' and 'sequence'. */
  weight?: number;
  /** Per-token multiplier of klCoef (default all 1), e.g. a stronger KL on a response's prefix (`prefixKlWeights`). */
  klWeight?: ArrayLike<number>;
}

export interface PolicyLossStats {
  loss: number;
  /** Policy-gradient part alone (same aggregation). */
  pgLoss: number;
  /** Mean KL(policy || ref) estimate per token (0 when klCoef is 0 and no refLogp given). */
  kl: number;
  /** Fraction of tokens whose ratio was clipped (the min picked the clipped term). */
  clipFraction: number;
  /** Mean k3 estimate of KL(old || policy): how far the update moved from the sampler. */
  approxKlOld: number;
  tokens: number;
}

interface Resolved { clipLow: number; clipHigh: number; dualClip: number; klCoef: number; klEstimator: KlEstimator; aggregation: LossAggregation }

function resolve(o: PolicyLossOptions): Resolved {
  const clipLow = o.clipLow ?? 0.2;
  const r: Resolved = { clipLow, clipHigh: o.clipHigh ?? clipLow, dualClip: o.dualClip ?? DEFAULT_DUAL_CLIP, klCoef: o.klCoef ?? 0, klEstimator: o.klEstimator ?? 'k3', aggregation: o.aggregation ?? 'token' };
  if (!(r.clipLow > 0 && r.clipLow < 1)) throw new RlInputError(`clipLow must be in (0, 1), got ${r.clipLow}`);
  if (!(r.clipHigh > 0)) throw new RlInputError(`clipHigh must be > 0, got ${r.clipHigh}`);
  if (!(r.dualClip === 0 || (r.dualClip > 1 && Number.isFinite(r.dualClip)))) throw new RlInputError(`dualClip must be 0 (off) or a finite number > 1, got ${r.dualClip}`);
  if (!(r.klCoef >= 0) || !Number.isFinite(r.klCoef)) throw new RlInputError(`klCoef must be a finite number >= 0, got ${r.klCoef}`);
  if (!(LOSS_AGGREGATIONS as readonly string[]).includes(r.aggregation)) throw new RlInputError(`aggregation must be one of ${LOSS_AGGREGATIONS.join(', ')}, got ${JSON.stringify(r.aggregation)}`);
  return r;
}

/** Default dual-clip bound (verl's clip_ratio_c). */
export const DEFAULT_DUAL_CLIP = 3;

/** Clipped surrogate of one token (to be minimised); `clipped` when a clip picked the value. */
export function clippedTokenLoss(logp: number, oldLogp: number, advantage: number, clipLow = 0.2, clipHigh = clipLow, dualClip = DEFAULT_DUAL_CLIP): { loss: number; clipped: boolean } {
  const ratio = Math.exp(logp - oldLogp);
  const unclipped = ratio * advantage;
  const clipped = Math.min(Math.max(ratio, 1 - clipLow), 1 + clipHigh) * advantage;
  const r = clipped < unclipped ? { loss: -clipped, clipped: true } : { loss: -unclipped, clipped: false };
  if (dualClip > 0 && advantage < 0 && r.loss > -dualClip * advantage) return { loss: -dualClip * advantage, clipped: true };
  return r;
}

/** The loss and its statistics on plain arrays (no gradient). */
export function policyLossReference(seqs: readonly SequenceLogProbs[], options: PolicyLossOptions = {}): PolicyLossStats {
  const o = resolve(options);
  let tokens = 0, clippedN = 0, klSum = 0, approxSum = 0;
  let tokTotal = 0, tokPg = 0, seqTotal = 0, seqPg = 0, seqs_ = 0;
  const weighted = o.aggregation === 'episode';
  for (const [b, s] of seqs.entries()) {
    const T = s.logp.length;
    if (s.oldLogp.length !== T) throw new RlInputError(`sequence ${b}: oldLogp has ${s.oldLogp.length} values, logp ${T}`);
    if (o.klCoef > 0 && !s.refLogp) throw new RlInputError(`sequence ${b}: klCoef > 0 needs refLogp`);
    if (s.refLogp && s.refLogp.length !== T) throw new RlInputError(`sequence ${b}: refLogp has ${s.refLogp.length} values, logp ${T}`);
    if (s.klWeight && s.klWeight.length !== T) throw new RlInputError(`sequence ${b}: klWeight has ${s.klWeight.length} values, logp ${T}`);
    const w = weighted ? s.weight ?? 1 : 1;
    if (!(w > 0) || !Number.isFinite(w)) throw new RlInputError(`sequence ${b}: weight must be a finite number > 0, got ${s.weight}`);
    if (T === 0) continue;
    let sumTerm = 0, sumPg = 0;
    for (let t = 0; t < T; t++) {
      const { loss, clipped } = clippedTokenLoss(s.logp[t]!, s.oldLogp[t]!, s.advantage, o.clipLow, o.clipHigh, o.dualClip);
      const kl = s.refLogp ? klToken(s.logp[t]!, s.refLogp[t]!, o.klEstimator) : 0;
      sumPg += loss;
      sumTerm += loss + o.klCoef * (s.klWeight ? s.klWeight[t]! : 1) * kl;
      klSum += kl;
      if (clipped) clippedN++;
      approxSum += klToken(s.oldLogp[t]!, s.logp[t]!, 'k3');
    }
    tokens += T;
    tokTotal += sumTerm; tokPg += sumPg;
    seqTotal += (w * sumTerm) / T; seqPg += (w * sumPg) / T; seqs_++;
  }
  const tokenAgg = o.aggregation === 'token';
  const div = tokenAgg ? Math.max(tokens, 1) : Math.max(seqs_, 1);
  return {
    loss: (tokenAgg ? tokTotal : seqTotal) / div,
    pgLoss: (tokenAgg ? tokPg : seqPg) / div,
    kl: tokens ? klSum / tokens : 0,
    clipFraction: tokens ? clippedN / tokens : 0,
    approxKlOld: tokens ? approxSum / tokens : 0,
    tokens,
  };
}

/** Padded inputs of the tensor loss: [B, T] with `mask` 1 on real response tokens. */
export interface PolicyLossTensors {
  logp: tf.Tensor2D;
  oldLogp: tf.Tensor2D;
  refLogp?: tf.Tensor2D;
  mask: tf.Tensor2D;
  /** [B] one advantage per sequence. */
  advantages: tf.Tensor1D;
  /** [B] sequence weights of aggregation 'episode' (default all 1). */
  weights?: tf.Tensor1D;
  /** [B, T] per-token multiplier of klCoef (default all 1). */
  klWeight?: tf.Tensor2D;
}

/**
 * The same loss as `policyLossReference`, as a differentiable scalar tensor in `logp`.
 * Call it inside the model's gradient function; old/ref log-probs are constants.
 * Rows with an all-zero mask contribute nothing. `divisor` replaces the batch's own count
 * (tokens, or non-empty sequences): a part of a larger batch divides by the whole batch's,
 * so the parts' losses (and gradients) add up to the batch's.
 */
export function policyLossTensor(x: PolicyLossTensors, options: PolicyLossOptions = {}, divisor?: number): tf.Scalar {
  const o = resolve(options);
  if (o.klCoef > 0 && !x.refLogp) throw new RlInputError('klCoef > 0 needs refLogp');
  if (divisor !== undefined && !(divisor > 0)) throw new RlInputError(`divisor must be > 0, got ${divisor}`);
  return tf.tidy(() => {
    const mask = x.mask;
    const adv = x.advantages.expandDims(1) as tf.Tensor2D;
    const ratio = tf.exp(tf.sub(x.logp, x.oldLogp));
    const unclipped = tf.mul(ratio, adv);
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - o.clipLow, 1 + o.clipHigh), adv);
    let term = tf.neg(tf.minimum(unclipped, clipped));
    if (o.dualClip > 0) {
      // Rows with A < 0 are capped at -dualClip * A; rows with A >= 0 keep the plain term.
      const bound = tf.mul(-o.dualClip, adv);
      term = tf.where(tf.less(adv, 0).tile([1, term.shape[1]!]), tf.minimum(term, bound), term);
    }
    if (o.klCoef > 0 && x.refLogp) {
      const kl = tf.mul(o.klCoef, klTensor(x.logp, x.refLogp, o.klEstimator));
      term = tf.add(term, x.klWeight ? tf.mul(kl, x.klWeight) : kl);
    }
    const masked = tf.mul(term, mask);
    if (o.aggregation === 'token') return tf.div(tf.sum(masked), divisor ?? tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
    const perSeqTokens = tf.sum(mask, 1);
    const perSeq = tf.div(tf.sum(masked, 1), tf.maximum(perSeqTokens, 1));
    const nonEmpty = tf.cast(tf.greater(perSeqTokens, 0), 'float32');
    const weighted = o.aggregation === 'episode' && x.weights ? tf.mul(perSeq, x.weights) : perSeq;
    return tf.div(tf.sum(tf.mul(weighted, nonEmpty)), divisor ?? tf.maximum(tf.sum(nonEmpty), 1)) as tf.Scalar;
  });
}

/** Pad ragged per-sequence arrays into a [B, T] Float32Array (row-major) plus a 0/1 mask. */
export function padSequences(rows: readonly ArrayLike<number>[], width?: number): { values: Float32Array; mask: Float32Array; width: number } {
  const T = width ?? rows.reduce((m, r) => Math.max(m, r.length), 0);
  const values = new Float32Array(rows.length * T), mask = new Float32Array(rows.length * T);
  rows.forEach((r, b) => {
    if (r.length > T) throw new RlInputError(`sequence ${b} has ${r.length} tokens, more than the width ${T}`);
    for (let t = 0; t < r.length; t++) { values[b * T + t] = r[t]!; mask[b * T + t] = 1; }
  });
  return { values, mask, width: T };
}
