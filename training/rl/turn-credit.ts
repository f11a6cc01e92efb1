/**
 * Per-turn credit for multi-turn (step-mode) RL, without a critic.
 *
 * The default credit ('episode') scores an episode once and gives every turn the
 * episode's group advantage: a correct move in a failed episode is pushed down as hard as
 * the move that lost it, and a 30-turn episode puts 30 sequences of the same sign into
 * the batch. Credit 'turn' scores each turn by what follows it:
 *
 *   r_t = composed rule reward of turn t (the stage's reward weights over):
 *           accuracy_t  1 on the turn that solves the episode (the env reports success), else 0
 *           format_t    'share': formatOk_t / T  (T = turns of the episode; the turn rewards
 *                                 then add up to the episode's format fraction)
 *                       'turn':  formatOk_t      (RAGEN / VAGEN style per-turn bonus; with
 *                                 gamma 1 this pays for length, see docs/training.md)
 *           env_t       the env's own reward during the turn (shaping; weight 0 by default)
 *           penalty_t   the invalid-answer penalty of the turn
 *           reasoning_t the env's reasoning check of turn t, split as format_t is
 *   R_t = sum_{k >= 0} gamma^k r_{t+k}         (discounted reward-to-go, within the episode)
 *
 * With gamma 1 and format 'share', R_0 is exactly the episode reward the 'episode' credit
 * uses. The baseline comes from the group (the G episodes of one start state), never from
 * a critic:
 *
 * - 'position': turns at the same index t in the group's episodes that lasted past t.
 *   Turn 0 of every episode of a group sees the same state (same level; with history 0
 *   the same prompt), so its baseline is a true state baseline; later turns are compared
 *   with turns of equal elapsed time. An episode that has ended takes no part, so the
 *   late turns of a long failed episode are compared with the other episodes still
 *   running (advantage 0 when it runs alone), not with a pool of short wins.
 * - 'group': all turns of the group's episodes (each turn one value, so long episodes
 *   weigh the baseline more).
 *
 * Within that comparison set S (n values) the estimator applies as for episode rewards:
 *   grpo:               (R - mean_S) / (std_S + eps)   (Bessel; 0 when n < 2)
 *   reinforce_baseline: R - mean_S
 *   rloo:               R - mean of the values of S from the OTHER episodes of the group
 *                       ('position': n/(n-1) (R - mean_S); 0 when no other episode is there)
 *   reinforce:          R
 * and `normalize: 'batch'` then whitens over every turn of the batch.
 *
 * Pure functions; bad shapes and values throw RlInputError.
 */
import { composeReward } from '../../tasks/rewards/compose.js';
import { RlInputError } from '../errors.js';
import { whiten, isAdvantageEstimator, ADVANTAGE_ESTIMATORS, type AdvantageEstimator } from './advantages.js';

export const CREDIT_MODES = ['episode', 'turn'] as const;
export type CreditMode = (typeof CREDIT_MODES)[number];
export const TURN_BASELINES = ['position', 'group'] as const;
export type TurnBaseline = (typeof TURN_BASELINES)[number];
export const TURN_FORMATS = ['share', 'turn'] as const;
export type TurnFormat = (typeof TURN_FORMATS)[number];

/** A stage's credit assignment: 'episode' (every turn gets the episode's advantage) or per-turn returns. */
export type CreditConfig =
  | { mode: 'episode' }
  | { mode: 'turn'; gamma: number; baseline: TurnBaseline; format: TurnFormat };

/** Defaults of credit 'turn' (gamma as VAGEN's turn-level `high_level_gamma`). */
export const DEFAULT_TURN_CREDIT = { mode: 'turn', gamma: 0.95, baseline: 'position', format: 'share' } as const satisfies CreditConfig;

/** What turnRewards reads of a turn: its reward components (a TurnRecord's `rewards`). */
export interface TurnRewardSource {
  rewards: Readonly<Record<string, number>>;
}

const finiteOr0 = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The rule-based reward of each turn of one episode (see the module comment), weighted
 * with the stage's reward weights as the episode reward is (composeReward).
 */
export function turnRewards(turns: readonly TurnRewardSource[], weights: Readonly<Record<string, number>>, format: TurnFormat = 'share'): number[] {
  if (format !== 'share' && format !== 'turn') throw new RlInputError(`turn format must be 'share' or 'turn', got ${JSON.stringify(format)}`);
  const T = turns.length;
  return turns.map((t) => {
    const ok = finiteOr0(t.rewards.formatOk), reasoning = finiteOr0(t.rewards.reasoning);
    return composeReward({
      accuracy: finiteOr0(t.rewards.accuracy),
      format: format === 'share' ? ok / T : ok,
      env: finiteOr0(t.rewards.env),
      penalty: finiteOr0(t.rewards.penalty),
      reasoning: format === 'share' ? reasoning / T : reasoning,
    }, weights).total;
  });
}

/** R_t = r_t + gamma * R_{t+1} (R past the last turn is 0). gamma in (0, 1]. */
export function discountedReturns(rewards: readonly number[], gamma: number): number[] {
  if (!(gamma > 0 && gamma <= 1)) throw new RlInputError(`gamma must be in (0, 1], got ${gamma}`);
  const out = new Array<number>(rewards.length);
  let g = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    const r = rewards[t]!;
    if (!Number.isFinite(r)) throw new RlInputError(`turn reward ${t} is not finite (${r})`);
    g = r + gamma * g;
    out[t] = g;
  }
  return out;
}

export interface TurnAdvantageOptions {
  estimator: AdvantageEstimator;
  /** Episodes per group (G); the episodes are laid out group by group. */
  groupSize: number;
  baseline: TurnBaseline;
  /** 'batch': whiten over every turn of the batch afterwards. Default 'none'. */
  normalize?: 'none' | 'batch';
  /** Added to std before dividing (default 1e-6). */
  eps?: number;
}

/**
 * Advantages per turn from per-turn returns: `returns[k][t]` is the return of turn t of
 * episode k, episodes laid out group by group (episode g * G + i). Returns one array per
 * episode, aligned with its turns.
 */
export function computeTurnAdvantages(returns: readonly (readonly number[])[], opts: TurnAdvantageOptions): Float64Array[] {
  const { estimator, groupSize: G, baseline } = opts;
  const eps = opts.eps ?? 1e-6;
  if (!isAdvantageEstimator(estimator)) throw new RlInputError(`unknown advantage estimator ${JSON.stringify(estimator)}; expected one of ${ADVANTAGE_ESTIMATORS.join(', ')}`);
  if (baseline !== 'position' && baseline !== 'group') throw new RlInputError(`turn baseline must be 'position' or 'group', got ${JSON.stringify(baseline)}`);
  if (!Number.isSafeInteger(G) || G < 1) throw new RlInputError(`groupSize must be a positive integer, got ${G}`);
  if (returns.length % G !== 0) throw new RlInputError(`batch of ${returns.length} episodes is not a whole number of groups of ${G}`);
  if (estimator === 'rloo' && G < 2) throw new RlInputError('rloo needs groupSize >= 2 (the baseline is the other episodes of the group)');
  returns.forEach((ep, k) => ep.forEach((r, t) => {
    if (!Number.isFinite(r)) throw new RlInputError(`return of episode ${k} turn ${t} is not finite (${r})`);
  }));
  const adv = returns.map((ep) => new Float64Array(ep.length));
  for (let g = 0; g < returns.length; g += G) {
    const grp = returns.slice(g, g + G);
    // The comparison sets: per position (one value per episode still running), or the whole group.
    const sets: { k: number; t: number }[][] = [];
    if (baseline === 'position') {
      const longest = grp.reduce((m, e) => Math.max(m, e.length), 0);
      for (let t = 0; t < longest; t++) sets.push(grp.flatMap((e, i) => (t < e.length ? [{ k: i, t }] : [])));
    } else {
      sets.push(grp.flatMap((e, i) => e.map((_, t) => ({ k: i, t }))));
    }
    for (const set of sets) {
      const n = set.length;
      if (n === 0) continue;
      let sum = 0;
      for (const { k, t } of set) sum += grp[k]![t]!;
      const mean = sum / n;
      let sd = 0;
      if (estimator === 'grpo' && n >= 2) {
        let ss = 0;
        for (const { k, t } of set) ss += (grp[k]![t]! - mean) ** 2;
        sd = Math.sqrt(ss / (n - 1));
      }
      // rloo: sum and count of the set per episode, to leave the turn's own episode out.
      const own = new Map<number, { sum: number; n: number }>();
      if (estimator === 'rloo') {
        for (const { k, t } of set) {
          const o = own.get(k) ?? { sum: 0, n: 0 };
          o.sum += grp[k]![t]!; o.n++;
          own.set(k, o);
        }
      }
      for (const { k, t } of set) {
        const R = grp[k]![t]!;
        let a: number;
        switch (estimator) {
          case 'grpo': a = n >= 2 ? (R - mean) / (sd + eps) : 0; break;
          case 'reinforce_baseline': a = R - mean; break;
          case 'rloo': {
            const o = own.get(k)!;
            const others = n - o.n;
            a = others > 0 ? R - (sum - o.sum) / others : 0;
            break;
          }
          case 'reinforce': a = R; break;
        }
        adv[g + k]![t] = a;
      }
    }
  }
  if ((opts.normalize ?? 'none') === 'batch') {
    const flat = Float64Array.from(adv.flatMap((a) => [...a]));
    whiten(flat, eps);
    let j = 0;
    for (const a of adv) for (let t = 0; t < a.length; t++) a[t] = flat[j++]!;
  }
  return adv;
}

/**
 * Turn advantages of rollout episodes under a credit config: 'turn' computes per-turn
 * returns and the group baseline above; 'episode' broadcasts the given episode advantages.
 */
export function episodeTurnAdvantages(
  episodes: readonly { turns: readonly TurnRewardSource[] }[],
  episodeAdvantages: ArrayLike<number> | null,
  credit: CreditConfig,
  opts: { estimator: AdvantageEstimator; groupSize: number; normalize?: 'none' | 'batch'; weights: Readonly<Record<string, number>> },
): { advantages: Float64Array[]; returns: number[][] | null } {
  if (credit.mode === 'episode') {
    if (!episodeAdvantages || episodeAdvantages.length !== episodes.length) throw new RlInputError(`credit 'episode' needs one advantage per episode (${episodes.length}), got ${episodeAdvantages?.length ?? 'none'}`);
    return { advantages: episodes.map((e, k) => new Float64Array(e.turns.length).fill(episodeAdvantages[k]!)), returns: null };
  }
  const returns = episodes.map((e) => discountedReturns(turnRewards(e.turns, opts.weights, credit.format), credit.gamma));
  const advantages = computeTurnAdvantages(returns, { estimator: opts.estimator, groupSize: opts.groupSize, baseline: credit.baseline, ...(opts.normalize ? { normalize: opts.normalize } : {}) });
  return { advantages, returns };
}
