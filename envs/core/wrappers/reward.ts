import type { Env, StepResult } from '../env.js';
import { InvalidOptionError, describeValue } from '../errors.js';
import { RewardWrapper, Wrapper } from '../wrapper.js';

/**
 * Gymnasium's ClipReward: the reward clipped to `[minReward, maxReward]`; either bound may
 * be null (no bound on that side), not both.
 */
export class ClipReward<O, A> extends RewardWrapper<O, A> {
  readonly minReward: number;
  readonly maxReward: number;
  constructor(env: Env<O, A>, minReward: number | null = null, maxReward: number | null = null) {
    super(env);
    if (minReward === null && maxReward === null) throw new InvalidOptionError('ClipReward needs minReward or maxReward (both are null)');
    for (const [name, v] of [['minReward', minReward], ['maxReward', maxReward]] as const) {
      if (v !== null && (typeof v !== 'number' || Number.isNaN(v))) throw new InvalidOptionError(`${name} must be a number or null, got ${describeValue(v)}`);
    }
    this.minReward = minReward ?? -Infinity;
    this.maxReward = maxReward ?? Infinity;
    if (this.minReward > this.maxReward) throw new InvalidOptionError(`minReward (${minReward}) must not be greater than maxReward (${maxReward})`);
  }
  reward(reward: number): number {
    return reward < this.minReward ? this.minReward : reward > this.maxReward ? this.maxReward : reward;
  }
}

/**
 * Running mean and variance of a stream of numbers (Gymnasium's RunningMeanStd for shape
 * (), Chan et al.'s parallel update): starts at mean 0, var 1, count `epsilon` (1e-4).
 */
export class RunningMeanStd {
  mean = 0;
  var = 1;
  count: number;
  constructor(epsilon = 1e-4) {
    this.count = epsilon;
  }
  /** Add one value (a batch of one: its mean is the value, its variance 0). */
  update(x: number): void {
    this.updateFromMoments(x, 0, 1);
  }
  /** Add a batch given its mean, (population) variance and size. */
  updateFromMoments(batchMean: number, batchVar: number, batchCount: number): void {
    const delta = batchMean - this.mean;
    const total = this.count + batchCount;
    const m2 = this.var * this.count + batchVar * batchCount + delta * delta * this.count * batchCount / total;
    this.mean += delta * batchCount / total;
    this.var = m2 / total;
    this.count = total;
  }
}

/**
 * Gymnasium's NormalizeReward: divides each reward by the running standard deviation of
 * the discounted return, `reward / sqrt(var + epsilon)`, where the return is
 * `G = G * gamma * (1 - terminated) + reward`, updated before dividing. As in Gymnasium, G
 * is not cleared by reset() or by truncation (only a terminated step stops the discount),
 * and the mean is not subtracted. Set `updateRunningMean = false` to freeze the statistics
 * (evaluation).
 */
export class NormalizeReward<O, A> extends Wrapper<O, A> {
  readonly returnRms = new RunningMeanStd();
  /** The running discounted return G. */
  discountedReward = 0;
  updateRunningMean = true;
  constructor(env: Env<O, A>, readonly gamma = 0.99, readonly epsilon = 1e-8) {
    super(env);
    if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1)) throw new InvalidOptionError(`gamma must be in [0, 1], got ${describeValue(gamma)}`);
    if (typeof epsilon !== 'number' || !(epsilon > 0)) throw new InvalidOptionError(`epsilon must be a positive number, got ${describeValue(epsilon)}`);
  }
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.discountedReward = this.discountedReward * this.gamma * (r.terminated ? 0 : 1) + r.reward;
    if (this.updateRunningMean) this.returnRms.update(this.discountedReward);
    r.reward = r.reward / Math.sqrt(this.returnRms.var + this.epsilon);
    return r;
  }
}
