/**
 * Group advantage estimators for outcome (sequence-level) rewards. The batch is laid out
 * group by group: `rewards[g * groupSize + i]` is sample i of group g, where a group is G
 * responses to the same prompt / start state (same env seed). No critic: the baseline
 * comes from the group itself.
 *
 * - `grpo`:               (r - mean_g) / (std_g + eps), std with Bessel's correction (as
 *                         torch.std in OpenRLHF's group_norm and TRL's GRPO).
 * - `reinforce_baseline`: r - mean_g (LMM-R1's default "REINFORCE++ with group-mean
 *                         baseline"; no std division). `normalize: 'batch'` then whitens
 *                         over the whole batch, as REINFORCE++ does.
 * - `rloo`:               r - mean of the OTHER G-1 samples = G/(G-1) * (r - mean_g).
 * - `reinforce`:          r (no baseline; with batch normalisation this is plain REINFORCE++).
 */
import { RlInputError } from '../errors.js';

export const ADVANTAGE_ESTIMATORS = ['grpo', 'reinforce_baseline', 'rloo', 'reinforce'] as const;
export type AdvantageEstimator = (typeof ADVANTAGE_ESTIMATORS)[number];

export interface AdvantageOptions {
  estimator: AdvantageEstimator;
  /** Responses per prompt (G). Must divide rewards.length; >= 2 for rloo. */
  groupSize: number;
  /** 'batch': subtract the batch mean and divide by the batch std afterwards (REINFORCE++). Default 'none'. */
  normalize?: 'none' | 'batch';
  /** Added to std before dividing (default 1e-6; a group with equal rewards gets advantage 0). */
  eps?: number;
}

export function isAdvantageEstimator(x: unknown): x is AdvantageEstimator {
  return typeof x === 'string' && (ADVANTAGE_ESTIMATORS as readonly string[]).includes(x);
}

function mean(xs: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i]!;
  return s / (to - from);
}

/** Sample standard deviation (n - 1 in the denominator; 0 for n < 2). */
function sampleStd(xs: ArrayLike<number>, from: number, to: number, m: number): number {
  const n = to - from;
  if (n < 2) return 0;
  let s = 0;
  for (let i = from; i < to; i++) s += (xs[i]! - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Advantages for a flat batch of sequence rewards (one per response). Pure; throws RlInputError on bad shapes. */
export function computeAdvantages(rewards: ArrayLike<number>, opts: AdvantageOptions): Float64Array {
  const { estimator, groupSize: G } = opts;
  const eps = opts.eps ?? 1e-6;
  const n = rewards.length;
  if (!isAdvantageEstimator(estimator)) throw new RlInputError(`unknown advantage estimator ${JSON.stringify(estimator)}; expected one of ${ADVANTAGE_ESTIMATORS.join(', ')}`);
  if (!Number.isSafeInteger(G) || G < 1) throw new RlInputError(`groupSize must be a positive integer, got ${G}`);
  if (n % G !== 0) throw new RlInputError(`batch of ${n} rewards is not a whole number of groups of ${G}`);
  if (estimator === 'rloo' && G < 2) throw new RlInputError('rloo needs groupSize >= 2 (the baseline is the other samples of the group)');
  for (let i = 0; i < n; i++) if (!Number.isFinite(rewards[i]!)) throw new RlInputError(`reward ${i} is not finite (${rewards[i]})`);
  const adv = new Float64Array(n);
  for (let g = 0; g < n; g += G) {
    const m = mean(rewards, g, g + G);
    const sd = estimator === 'grpo' ? sampleStd(rewards, g, g + G, m) : 0;
    for (let i = g; i < g + G; i++) {
      const r = rewards[i]!;
      switch (estimator) {
        case 'grpo': adv[i] = (r - m) / (sd + eps); break;
        case 'reinforce_baseline': adv[i] = r - m; break;
        case 'rloo': adv[i] = (G / (G - 1)) * (r - m); break;
        case 'reinforce': adv[i] = r; break;
      }
    }
  }
  if ((opts.normalize ?? 'none') === 'batch') whiten(adv, eps);
  return adv;
}

/** In place: subtract the mean and divide by the (sample) std + eps. A constant batch becomes zeros. */
export function whiten(xs: Float64Array, eps = 1e-6): Float64Array {
  if (xs.length === 0) return xs;
  const m = mean(xs, 0, xs.length);
  const sd = sampleStd(xs, 0, xs.length, m);
  for (let i = 0; i < xs.length; i++) xs[i] = (xs[i]! - m) / (sd + eps);
  return xs;
}

/** Whether the `groupSize` rewards from `start` are all equal: the group carries no learning signal under a group baseline. */
export function isDegenerateGroup(rewards: ArrayLike<number>, start: number, groupSize: number): boolean {
  const first = rewards[start]!;
  for (let i = 1; i < groupSize; i++) if (Math.abs(rewards[start + i]! - first) > 1e-12) return false;
  return true;
}

/** Fraction of groups whose rewards are all equal (`isDegenerateGroup`). */
export function degenerateGroupFraction(rewards: ArrayLike<number>, groupSize: number): number {
  const groups = Math.floor(rewards.length / groupSize);
  if (groups === 0) return 0;
  let same = 0;
  for (let g = 0; g < groups; g++) if (isDegenerateGroup(rewards, g * groupSize, groupSize)) same++;
  return same / groups;
}
