/**
 * Per-token KL estimators between the policy and a frozen reference policy, from the
 * log-probs of the SAMPLED tokens only (Schulman, "Approximating KL Divergence"):
 * with d = logp_ref - logp (log of the ratio ref / policy),
 * - k1 = -d                      unbiased, can be negative;
 * - k2 = d^2 / 2                 biased, always >= 0;
 * - k3 = exp(d) - d - 1          unbiased, always >= 0 (GRPO's choice), capped at K3_MAX.
 * These estimate KL(policy || ref) when the tokens come from the policy.
 *
 * Why the cap (verl's `low_var_kl` clamps the same way): k3 grows like exp(d), so one token
 * the policy has made much less likely than the reference (d ~ 15) contributes ~3e6 and its
 * gradient dwarfs every other token's; after the global gradient-norm clip the update then
 * only moves that token. Measured (issue 12): RL from a 22% Sokoban model logged gradient
 * norms of 76 to 1.4e6 and a mean k3 of up to 2,010 per token, with success flat. Past the
 * cap (d above ~2.6, or below -11) the token's KL term is constant: no gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { RlInputError } from '../errors.js';

export const KL_ESTIMATORS = ['k1', 'k2', 'k3'] as const;
export type KlEstimator = (typeof KL_ESTIMATORS)[number];

/** Largest per-token k3 value (verl's low_var_kl clamp); see the module comment. */
export const K3_MAX = 10;
/** |d| bound before exp, so a capped token's (zero) gradient stays finite (exp(20) ~ 4.9e8). */
const K3_D_BOUND = 20;

export function isKlEstimator(x: unknown): x is KlEstimator {
  return typeof x === 'string' && (KL_ESTIMATORS as readonly string[]).includes(x);
}

/** KL estimate of one token from its log-prob under the policy and under the reference. */
export function klToken(logp: number, refLogp: number, estimator: KlEstimator): number {
  const d = refLogp - logp;
  switch (estimator) {
    case 'k1': return -d;
    case 'k2': return 0.5 * d * d;
    case 'k3': { const c = Math.min(Math.max(d, -K3_D_BOUND), K3_D_BOUND); return Math.min(Math.expm1(c) - c, K3_MAX); }
    default: throw new RlInputError(`unknown KL estimator ${JSON.stringify(estimator)}; expected one of ${KL_ESTIMATORS.join(', ')}`);
  }
}

/** Per-token KL estimate as a tensor (same formulas as klToken, differentiable in logp). */
export function klTensor(logp: tf.Tensor, refLogp: tf.Tensor, estimator: KlEstimator): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(refLogp, logp);
    switch (estimator) {
      case 'k1': return tf.neg(d);
      case 'k2': return tf.mul(0.5, tf.square(d));
      case 'k3': {
        const c = tf.clipByValue(d, -K3_D_BOUND, K3_D_BOUND);
        return tf.minimum(tf.sub(tf.sub(tf.exp(c), c), 1), K3_MAX);
      }
      default: throw new RlInputError(`unknown KL estimator ${JSON.stringify(estimator)}`);
    }
  });
}

/** `algorithm.klPrefix`: a KL coefficient `weight` times the stage's on the response text before `until`. */
export interface KlPrefix {
  until: string;
  weight: number;
}

/**
 * Per-token KL multipliers for one response, given the bytes of each of its tokens
 * (`Tokenizer.bytesOf([id])`): `weight` on every token that starts before the first
 * occurrence of `until` (UTF-8) in the response, 1 on the rest (all 1 when `until` does not
 * occur). For the compact Sokoban reasoning, `until: "; box"` covers the board reading
 * (`<think>P 4,1 B 2,3 T 3,2; wall 2,2`): meant to keep what the model reads near the
 * reference while RL changes the plan (issue 12: the reading drifted from 92% to 85% right
 * under RL although the reward required it). Measured there with weight 5 x klCoef 0.2, it
 * did not: 81% read right after 150 updates (docs/notes/issue-12.md, ninth session).
 */
export function prefixKlWeights(pieces: readonly Uint8Array[], prefix: KlPrefix): number[] {
  const text = Buffer.concat(pieces);
  const end = text.indexOf(Buffer.from(prefix.until, 'utf8'));
  const out = new Array<number>(pieces.length).fill(1);
  if (end < 0) return out;
  let at = 0;
  for (let t = 0; t < pieces.length && at < end; t++) {
    out[t] = prefix.weight;
    at += pieces[t]!.length;
  }
  return out;
}
