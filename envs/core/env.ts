import type { Frame } from '../render/frame.js';
import type { Space } from './spaces.js';
import { Rng, entropySeed, validateSeed } from './rng.js';

/** Free-form per-step information (JSON-friendly values). */
export type Info = Record<string, unknown>;

export interface ResetOptions {
  /** Re-seed the env's generator. Without it, the generator continues (Gymnasium semantics). */
  seed?: number | undefined;
  /** Env-specific reset options (e.g. a level index). */
  options?: Record<string, unknown> | undefined;
}

export interface ResetResult<O> {
  observation: O;
  info: Info;
}

export interface StepResult<O> {
  observation: O;
  reward: number;
  /** The game reached a terminal state (solved, goal scored, fell in a hole). */
  terminated: boolean;
  /** A limit cut the episode (time limit). */
  truncated: boolean;
  info: Info;
}

export interface EnvMetadata {
  /** Supported render modes; every env supports 'rgb_array' (render() -> Frame) and 'text' (describe()). */
  renderModes: readonly string[];
  /** Frames per second to play replays at. */
  renderFps: number;
}

/** What the registry knows about a made env: its id and the options it was built with. */
export interface EnvSpec {
  id: string;
  options: Record<string, unknown>;
  maxEpisodeSteps: number | null;
}

/**
 * The Env contract (Gymnasium semantics). `render()` returns an RGBA frame,
 * `describe()` the same state as text; both are pure views of the current state.
 */
export interface Env<O = unknown, A = unknown> {
  readonly actionSpace: Space<A>;
  readonly observationSpace: Space<O>;
  readonly metadata: EnvMetadata;
  // `| undefined` on the optional members: implementations (Wrapper's getters) return
  // undefined, which a consumer's `exactOptionalPropertyTypes` rejects without it.
  /** Names of the actions of a Discrete action space, index = action. */
  readonly actionNames?: readonly string[] | undefined;
  /** Set by `make()`. */
  spec?: EnvSpec | undefined;
  reset(options?: ResetOptions): ResetResult<O>;
  step(action: A): StepResult<O>;
  render(): Frame;
  describe(): string;
  close(): void;
  /** The innermost env (itself for a plain env). */
  readonly unwrapped: Env;
}

/**
 * A base class for envs: owns the seeded generator (`this.rng`) with Gymnasium's seeding
 * rules. Subclasses implement `onReset` and `onStep`; the episode bookkeeping (step before
 * reset, step after the end, action validation) lives in the ContractGuard wrapper that
 * `make()` applies, so the raw env's step stays as cheap as possible.
 */
export abstract class BaseEnv<O = unknown, A = unknown> implements Env<O, A> {
  abstract readonly actionSpace: Space<A>;
  abstract readonly observationSpace: Space<O>;
  readonly metadata: EnvMetadata = { renderModes: ['rgb_array', 'text'], renderFps: 4 };
  readonly actionNames?: readonly string[];
  spec?: EnvSpec;
  /** The env's generator; replaced on `reset({ seed })`. */
  protected rng: Rng = new Rng(0);
  private seeded = false;
  /** The seed of the current generator stream (for recording and replays). */
  seed: number | null = null;

  reset(options: ResetOptions = {}): ResetResult<O> {
    if (options.seed !== undefined) {
      this.rng = new Rng(validateSeed(options.seed));
      this.seed = options.seed;
      this.seeded = true;
    } else if (!this.seeded) {
      this.seed = entropySeed();
      this.rng = new Rng(this.seed);
      this.seeded = true;
    }
    return this.onReset(options.options ?? {});
  }

  step(action: A): StepResult<O> {
    return this.onStep(action);
  }

  protected abstract onReset(options: Record<string, unknown>): ResetResult<O>;
  protected abstract onStep(action: A): StepResult<O>;
  abstract render(): Frame;
  abstract describe(): string;

  close(): void {}

  get unwrapped(): Env {
    return this as Env;
  }
}
