import type { Env, Info, StepResult } from '../env.js';
import { ResetNeededError } from '../errors.js';
import type { AutoresetMode } from './types.js';

/** What one sub-env returns for one vector step. */
export interface SubStep<O> {
  observation: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

/**
 * Drives one sub-env with a vector env's autoreset rule. Shared by the synchronous
 * vector env and the worker of the asynchronous one, so both give identical results.
 */
export class SubEnvRunner<O, A> {
  /** The sub-env ended at the previous step (next-step and disabled modes). */
  private ended = false;
  constructor(readonly env: Env<O, A>, readonly autoreset: AutoresetMode) {}

  reset(seed: number | null, options: Record<string, unknown> | undefined): { observation: O; info: Info } {
    this.ended = false;
    return this.env.reset({ ...(seed === null ? {} : { seed }), ...(options ? { options } : {}) });
  }

  step(action: A): SubStep<O> {
    if (this.ended) {
      if (this.autoreset === 'disabled') throw new ResetNeededError('sub-env episode ended; with autoreset "disabled" call reset({ mask }) first');
      const r = this.reset(null, undefined);
      return { observation: r.observation, reward: 0, terminated: false, truncated: false, info: r.info };
    }
    const r: StepResult<O> = this.env.step(action);
    if (r.terminated || r.truncated) {
      if (this.autoreset === 'same-step') {
        const next = this.env.reset();
        return { observation: next.observation, reward: r.reward, terminated: r.terminated, truncated: r.truncated,
          info: { ...next.info, finalObservation: r.observation, finalInfo: r.info } };
      }
      this.ended = true;
    }
    return r;
  }
}
