import type { Env, Info } from '../env.js';
import { InvalidActionError } from '../errors.js';
import { make } from '../registry.js';
import { type Space, batchSpace } from '../spaces.js';
import { SubEnvRunner } from './sub-env-runner.js';
import {
  type AutoresetMode, type VectorEnv, type VectorEnvOptions, type VectorResetOptions, type VectorResetResult,
  type VectorStepResult, errorParts, parseAutoreset, subEnvError, subSeed, validateNumEnvs,
} from './types.js';
import type { VectorEnvError } from '../errors.js';

/**
 * Steps its sub-envs one after another in this thread. `reset()`, `step()` and `close()` are
 * synchronous, as in Gymnasium (code written for any VectorEnv may still `await` them).
 * A sub-env that throws does not stop the others: every sub-env is stepped (or reset), then
 * the call throws a VectorEnvError naming the first failing index, as AsyncVectorEnv
 * rejects, so both leave the same states.
 */
export class SyncVectorEnv<O = unknown, A = unknown> implements VectorEnv<O, A> {
  readonly numEnvs: number;
  readonly autoreset: AutoresetMode;
  readonly envs: Env<O, A>[];
  private readonly runners: SubEnvRunner<O, A>[];
  private batchedActions: Space<A[]> | null = null;
  private batchedObservations: Space<O[]> | null = null;

  /** From an env id (`make(id, options)` per sub-env) or from a list of env builders. */
  constructor(idOrBuilders: string | ReadonlyArray<() => Env<O, A>>, numEnvs?: number, options: VectorEnvOptions = {}) {
    this.autoreset = parseAutoreset(options.autoreset);
    if (typeof idOrBuilders === 'string') {
      this.numEnvs = validateNumEnvs(numEnvs);
      this.envs = Array.from({ length: this.numEnvs }, () => make<O, A>(idOrBuilders, options.options ?? {}));
    } else {
      this.envs = idOrBuilders.map((build) => build());
      this.numEnvs = validateNumEnvs(this.envs.length);
    }
    this.runners = this.envs.map((env) => new SubEnvRunner(env, this.autoreset));
  }

  get singleActionSpace(): Space<A> {
    return this.envs[0]!.actionSpace;
  }
  get singleObservationSpace(): Space<O> {
    return this.envs[0]!.observationSpace;
  }
  /** `batchSpace(singleActionSpace, numEnvs)`: `actionSpace.sample()` is a valid `step()` argument. */
  get actionSpace(): Space<A[]> {
    return (this.batchedActions ??= batchSpace(this.singleActionSpace, this.numEnvs));
  }
  /** `batchSpace(singleObservationSpace, numEnvs)`: contains what `reset()` and `step()` return. */
  get observationSpace(): Space<O[]> {
    return (this.batchedObservations ??= batchSpace(this.singleObservationSpace, this.numEnvs));
  }
  get actionNames(): readonly string[] | undefined {
    return this.envs[0]!.actionNames;
  }

  /** @deprecated reset() is synchronous; use it. */
  resetSync(options: VectorResetOptions = {}): VectorResetResult<O> {
    return this.reset(options);
  }

  /** @deprecated step() is synchronous; use it. */
  stepSync(actions: readonly A[]): VectorStepResult<O> {
    return this.step(actions);
  }

  reset(options: VectorResetOptions = {}): VectorResetResult<O> {
    const observations: O[] = [];
    const infos: Info[] = [];
    let failure: VectorEnvError | null = null;
    for (let i = 0; i < this.numEnvs; i++) {
      if (options.mask && !options.mask[i]) {
        observations.push(undefined as O);
        infos.push({});
        continue;
      }
      const seed = subSeed(options.seed, i, this.numEnvs);
      try {
        const r = this.runners[i]!.reset(seed, options.options);
        observations.push(r.observation);
        infos.push(r.info);
      } catch (e) {
        const { name, message } = errorParts(e);
        failure ??= subEnvError(i, name, message, e);
        observations.push(undefined as O);
        infos.push({});
      }
    }
    if (failure) throw failure;
    return { observations, infos };
  }

  step(actions: readonly A[]): VectorStepResult<O> {
    if (!actions || actions.length !== this.numEnvs) {
      throw new InvalidActionError(`expected ${this.numEnvs} actions, got ${actions?.length ?? actions}`);
    }
    const out: VectorStepResult<O> = { observations: [], rewards: new Float64Array(this.numEnvs), terminated: [], truncated: [], infos: [] };
    let failure: VectorEnvError | null = null;
    for (let i = 0; i < this.numEnvs; i++) {
      let r: ReturnType<SubEnvRunner<O, A>['step']>;
      try {
        r = this.runners[i]!.step(actions[i]!);
      } catch (e) {
        const { name, message } = errorParts(e);
        failure ??= subEnvError(i, name, message, e);
        out.observations.push(undefined as O);
        out.terminated.push(false);
        out.truncated.push(false);
        out.infos.push({});
        continue;
      }
      out.observations.push(r.observation);
      out.rewards[i] = r.reward;
      out.terminated.push(r.terminated);
      out.truncated.push(r.truncated);
      out.infos.push(r.info);
    }
    if (failure) throw failure;
    return out;
  }

  close(): void {
    for (const env of this.envs) env.close();
  }
}
