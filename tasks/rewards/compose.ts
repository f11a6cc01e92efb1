import { LmmGymError } from '../../envs/core/errors.js';

/** The reward components of one response / turn. Missing components count as 0. */
export interface RewardComponents {
  /** Win / accuracy: 0 or 1. */
  accuracy?: number;
  /** Strict format: 0 or 1. */
  format?: number;
  /** The env's own (shaped) reward. */
  env?: number;
  /** Any extra named terms (e.g. a length bonus, a repeat penalty). */
  [name: string]: number | undefined;
}

/** Weight per component name; unnamed components get weight 0. */
export type RewardWeights = Record<string, number>;

/** LMM-R1's default: total = accuracy + 0.5 * format. */
export const DEFAULT_REWARD_WEIGHTS: Readonly<RewardWeights> = Object.freeze({ accuracy: 1, format: 0.5, env: 0 });

export class RewardConfigError extends LmmGymError {}

export interface ComposedReward {
  total: number;
  /** The components as given (finite numbers only), for logging per component. */
  components: Record<string, number>;
}

/** Check a weights object: finite numbers only. Throws RewardConfigError naming the bad key. */
export function validateRewardWeights(weights: unknown): RewardWeights {
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights)) {
    throw new RewardConfigError(`reward weights must be an object of numbers, got ${JSON.stringify(weights)}`);
  }
  for (const [k, v] of Object.entries(weights)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RewardConfigError(`reward weight "${k}" must be a finite number, got ${JSON.stringify(v)}`);
  }
  return weights as RewardWeights;
}

/**
 * Weighted sum of reward components: total = sum_k weights[k] * components[k].
 * Defaults to DEFAULT_REWARD_WEIGHTS; user weights are merged over the defaults.
 * Non-finite component values count as 0 (a NaN must never reach the optimiser).
 */
export function composeReward(components: RewardComponents, weights: Partial<RewardWeights> = {}): ComposedReward {
  const w: RewardWeights = { ...DEFAULT_REWARD_WEIGHTS, ...validateRewardWeights(weights) };
  let total = 0;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(components)) {
    const value = typeof v === 'number' && Number.isFinite(v) ? v : 0;
    out[k] = value;
    total += (w[k] ?? 0) * value;
  }
  return { total, components: out };
}
