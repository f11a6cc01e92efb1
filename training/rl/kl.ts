/**
 * Per-token KL estimators between the policy and a frozen reference policy, from the
 * log-probs of the SAMPLED tokens only (Schulman, "Approximating KL Divergence"):
 * with d = logp_ref - logp (log of the ratio ref / policy),
 * - k1 = -d                      unbiased, can be negative;
 * - k2 = d^2 / 2                 biased, always >= 0;
 * - k3 = exp(d) - d - 1          unbiased, always >= 0 (GRPO's choice).
 * These estimate KL(policy || ref) when the tokens come from the policy.
 */
import { RlInputError } from '../errors.js';

export const KL_ESTIMATORS = ['k1', 'k2', 'k3'] as const;
export type KlEstimator = (typeof KL_ESTIMATORS)[number];

export function isKlEstimator(x: unknown): x is KlEstimator {
  return typeof x === 'string' && (KL_ESTIMATORS as readonly string[]).includes(x);
}

/** KL estimate of one token from its log-prob under the policy and under the reference. */
export function klToken(logp: number, refLogp: number, estimator: KlEstimator): number {
  const d = refLogp - logp;
  switch (estimator) {
    case 'k1': return -d;
    case 'k2': return 0.5 * d * d;
    case 'k3': return Math.expm1(d) - d;
    default: throw new RlInputError(`unknown KL estimator ${JSON.stringify(estimator)}; expected one of ${KL_ESTIMATORS.join(', ')}`);
  }
}
