import type { Frame } from '../render/frame.js';
import type { Env, EnvMetadata, EnvSpec, ResetOptions, ResetResult, StepResult } from './env.js';
import type { Space } from './spaces.js';
import { assertRendersFrames } from './wrappers/render-mode.js';

/**
 * Base of all wrappers: forwards everything to the wrapped env. Override what you change.
 * A wrapper can change the observation type (WO) and the action type (WA).
 */
export class Wrapper<O = unknown, A = unknown, WO = O, WA = A> implements Env<WO, WA> {
  constructor(readonly env: Env<O, A>) {
    assertRendersFrames(env, new.target.name);
  }

  get actionSpace(): Space<WA> {
    return this.env.actionSpace as unknown as Space<WA>;
  }
  get observationSpace(): Space<WO> {
    return this.env.observationSpace as unknown as Space<WO>;
  }
  get metadata(): EnvMetadata {
    return this.env.metadata;
  }
  get actionNames(): readonly string[] | undefined {
    return this.env.actionNames;
  }
  get spec(): EnvSpec | undefined {
    return this.env.spec;
  }
  set spec(spec: EnvSpec | undefined) {
    this.env.spec = spec;
  }
  get unwrapped(): Env {
    return this.env.unwrapped;
  }
  reset(options?: ResetOptions): ResetResult<WO> {
    return this.env.reset(options) as unknown as ResetResult<WO>;
  }
  step(action: WA): StepResult<WO> {
    return this.env.step(action as unknown as A) as unknown as StepResult<WO>;
  }
  render(): Frame {
    return this.env.render();
  }
  describe(): string {
    return this.env.describe();
  }
  close(): void {
    this.env.close();
  }
}

/** Transform observations: implement `observation(obs)` (and `observationSpace` when it changes). */
export abstract class ObservationWrapper<O, A, WO> extends Wrapper<O, A, WO, A> {
  abstract observation(observation: O): WO;
  override reset(options?: ResetOptions): ResetResult<WO> {
    const r = this.env.reset(options);
    return { observation: this.observation(r.observation), info: r.info };
  }
  override step(action: A): StepResult<WO> {
    const r = this.env.step(action);
    return { observation: this.observation(r.observation), reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info };
  }
}

/** Transform actions before they reach the env: implement `action(a)`. */
export abstract class ActionWrapper<O, A, WA> extends Wrapper<O, A, O, WA> {
  abstract action(action: WA): A;
  override step(action: WA): StepResult<O> {
    return this.env.step(this.action(action));
  }
}

/** Transform rewards: implement `reward(r)`. */
export abstract class RewardWrapper<O, A> extends Wrapper<O, A> {
  abstract reward(reward: number): number;
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    r.reward = this.reward(r.reward);
    return r;
  }
}

/** Walk a wrapper stack from outside in, returning the first env of the given class. */
export function findWrapper<T>(env: Env, cls: abstract new (...args: never[]) => T): T | null {
  let cur: unknown = env;
  while (cur) {
    if (cur instanceof cls) return cur;
    cur = cur instanceof Wrapper ? cur.env : null;
  }
  return null;
}
