import type { Info } from '../env.js';
import { InvalidOptionError, VectorEnvError } from '../errors.js';
import type { Space } from '../spaces.js';

/**
 * Gymnasium 1.0 autoreset modes:
 * - `next-step` (default): after a sub-env ends, the next step() ignores its action,
 *   resets it and returns the reset observation with reward 0 and both flags false.
 * - `same-step`: the sub-env is reset in the step that ended it; the returned observation
 *   is the reset one, and `info.finalObservation` / `info.finalInfo` hold the last ones.
 * - `disabled`: nothing resets by itself; call `reset({ mask })` for the ended sub-envs.
 *   Stepping an ended sub-env is an error.
 */
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';
export const AUTORESET_MODES: readonly AutoresetMode[] = ['next-step', 'same-step', 'disabled'];

export interface VectorEnvOptions {
  /** Options passed to `make(id, options)` for every sub-env. */
  options?: Record<string, unknown> | undefined;
  autoreset?: AutoresetMode | undefined;
}

export interface VectorResetOptions {
  /** One seed (sub-env i gets seed + i) or one per sub-env (null: continue its stream). */
  seed?: number | readonly (number | null)[] | undefined;
  options?: Record<string, unknown> | undefined;
  /** Reset only the sub-envs where mask[i] is true (the others keep their state). */
  mask?: readonly boolean[] | undefined;
}

export interface VectorResetResult<O> {
  observations: O[];
  infos: Info[];
}

export interface VectorStepResult<O> {
  observations: O[];
  rewards: Float64Array;
  terminated: boolean[];
  truncated: boolean[];
  infos: Info[];
}

/**
 * A batch of `numEnvs` copies of one env, stepped together.
 *
 * `reset`, `step` and `close` return a value (SyncVectorEnv) or a promise of it
 * (AsyncVectorEnv, whose sub-envs run in worker threads and can only answer
 * asynchronously): code written for any VectorEnv awaits them, which works for both.
 */
export interface VectorEnv<O = unknown, A = unknown> {
  readonly numEnvs: number;
  readonly autoreset: AutoresetMode;
  /** The space of one sub-env's action / observation. */
  readonly singleActionSpace: Space<A>;
  readonly singleObservationSpace: Space<O>;
  /**
   * The batched spaces (`batchSpace(single, numEnvs)`): members are arrays of `numEnvs`
   * actions / observations, as `step()` takes and returns them.
   */
  readonly actionSpace: Space<A[]>;
  readonly observationSpace: Space<O[]>;
  readonly actionNames?: readonly string[] | undefined;
  reset(options?: VectorResetOptions): VectorResetResult<O> | Promise<VectorResetResult<O>>;
  step(actions: readonly A[]): VectorStepResult<O> | Promise<VectorStepResult<O>>;
  close(): void | Promise<void>;
}

export function parseAutoreset(mode: unknown): AutoresetMode {
  if (mode === undefined) return 'next-step';
  if (typeof mode === 'string' && (AUTORESET_MODES as readonly string[]).includes(mode)) return mode as AutoresetMode;
  throw new InvalidOptionError(`autoreset must be one of ${AUTORESET_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
}

export function validateNumEnvs(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new InvalidOptionError(`numEnvs must be a positive integer, got ${JSON.stringify(n)}`);
  return n;
}

/** The seed for sub-env i from a vector reset's `seed` option (null: no re-seed). */
export function subSeed(seed: VectorResetOptions['seed'], i: number, numEnvs: number): number | null {
  if (seed === undefined) return null;
  if (typeof seed === 'number') return seed + i;
  if (!Array.isArray(seed) || seed.length !== numEnvs) throw new InvalidOptionError(`seed must be a number or an array of ${numEnvs} seeds`);
  return seed[i] ?? null;
}

/**
 * The error for sub-env `index` that threw `name: message` during reset or step, the same
 * in SyncVectorEnv and AsyncVectorEnv (there the error crossed a thread as name + message).
 */
export function subEnvError(index: number, name: string, message: string, cause?: unknown): VectorEnvError {
  return new VectorEnvError(`sub-env ${index} failed: ${name}: ${message}`, index, cause === undefined ? undefined : { cause });
}

/** name and message of anything thrown (a non-Error too). */
export function errorParts(e: unknown): { name: string; message: string } {
  if (e instanceof Error) return { name: e.name, message: e.message };
  const o = e as { name?: unknown; message?: unknown } | null;
  if (o && typeof o === 'object' && typeof o.message === 'string') return { name: typeof o.name === 'string' ? o.name : 'Error', message: o.message };
  return { name: 'Error', message: String(e) };
}
