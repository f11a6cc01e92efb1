import type { Env, Info } from '../env.js';
import { InvalidActionError } from '../errors.js';
import { make } from '../registry.js';
import type { Space } from '../spaces.js';
import { SubEnvRunner } from './sub-env-runner.js';
import {
  type AutoresetMode, type VectorEnv, type VectorEnvOptions, type VectorResetOptions, type VectorResetResult,
  type VectorStepResult, parseAutoreset, subSeed, validateNumEnvs,
} from './types.js';

/** Steps its sub-envs one after another in this thread. */
export class SyncVectorEnv<O = unknown, A = unknown> implements VectorEnv<O, A> {
  readonly numEnvs: number;
  readonly autoreset: AutoresetMode;
  readonly envs: Env<O, A>[];
  private readonly runners: SubEnvRunner<O, A>[];

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
  get actionNames(): readonly string[] | undefined {
    return this.envs[0]!.actionNames;
  }

  async reset(options: VectorResetOptions = {}): Promise<VectorResetResult<O>> {
    return this.resetSync(options);
  }

  /** The synchronous form of reset(), for hot loops that need no promise. */
  resetSync(options: VectorResetOptions = {}): VectorResetResult<O> {
    const observations: O[] = [];
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      if (options.mask && !options.mask[i]) {
        observations.push(undefined as O);
        infos.push({});
        continue;
      }
      const r = this.runners[i]!.reset(subSeed(options.seed, i, this.numEnvs), options.options);
      observations.push(r.observation);
      infos.push(r.info);
    }
    return { observations, infos };
  }

  async step(actions: readonly A[]): Promise<VectorStepResult<O>> {
    return this.stepSync(actions);
  }

  /** The synchronous form of step(). */
  stepSync(actions: readonly A[]): VectorStepResult<O> {
    if (!actions || actions.length !== this.numEnvs) {
      throw new InvalidActionError(`expected ${this.numEnvs} actions, got ${actions?.length ?? actions}`);
    }
    const out: VectorStepResult<O> = { observations: [], rewards: new Float64Array(this.numEnvs), terminated: [], truncated: [], infos: [] };
    for (let i = 0; i < this.numEnvs; i++) {
      const r = this.runners[i]!.step(actions[i]!);
      out.observations.push(r.observation);
      out.rewards[i] = r.reward;
      out.terminated.push(r.terminated);
      out.truncated.push(r.truncated);
      out.infos.push(r.info);
    }
    return out;
  }

  async close(): Promise<void> {
    for (const env of this.envs) env.close();
  }
}
