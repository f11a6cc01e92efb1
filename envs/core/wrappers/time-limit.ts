import type { Env, ResetOptions, ResetResult, StepResult } from '../env.js';
import { Wrapper } from '../wrapper.js';

/** Truncate episodes after `maxEpisodeSteps` steps (sets `truncated`, never `terminated`). */
export class TimeLimit<O, A> extends Wrapper<O, A> {
  private elapsed = 0;
  constructor(env: Env<O, A>, readonly maxEpisodeSteps: number) {
    super(env);
    if (!Number.isSafeInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new RangeError(`maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
  }
  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }
  override reset(options?: ResetOptions): ResetResult<O> {
    this.elapsed = 0;
    return this.env.reset(options);
  }
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxEpisodeSteps && !r.terminated) r.truncated = true;
    return r;
  }
}
