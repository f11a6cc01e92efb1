import type { Env, ResetOptions, ResetResult, StepResult } from '../env.js';
import { InvalidActionError, ResetNeededError, describeValue } from '../errors.js';
import { Wrapper } from '../wrapper.js';

/**
 * Enforces the episode contract around any env (built-in or third-party): reset before
 * step, no step after the episode ended, and actions inside the action space. `make()`
 * puts it outermost (above TimeLimit, so it sees truncation), so every made env fails
 * the same clear way.
 */
export class ContractGuard<O, A> extends Wrapper<O, A> {
  private state: 'needs-reset' | 'running' | 'done' = 'needs-reset';

  override reset(options?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(options);
    this.state = 'running';
    return r;
  }

  override step(action: A): StepResult<O> {
    if (this.state !== 'running') {
      throw new ResetNeededError(this.state === 'done'
        ? 'step() called after the episode ended (terminated or truncated); call reset() first'
        : 'step() called before reset(); call reset() first');
    }
    const space = this.env.actionSpace;
    if (!space.contains(action)) {
      const names = this.env.actionNames ? ` (${this.env.actionNames.map((n, i) => `${i}=${n}`).join(', ')})` : '';
      throw new InvalidActionError(`invalid action ${describeValue(action)}: ${space.explain(action)}${names}`);
    }
    const r = this.env.step(action);
    if (r.terminated || r.truncated) this.state = 'done';
    return r;
  }
}
