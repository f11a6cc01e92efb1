import type { Env } from '../env.js';
import { InvalidOptionError } from '../errors.js';
import { type ActionOf, type EnvOf, type ObservationOf, envEntry, make } from '../registry.js';
import { AsyncVectorEnv, type AsyncVectorEnvOptions } from './async.js';
import { SyncVectorEnv } from './sync.js';
import { type VectorEnvOptions, validateNumEnvs } from './types.js';

/** Gymnasium's `vectorization_mode`: sub-envs in this thread or in worker threads. */
export type VectorizationMode = 'sync' | 'async';

/** makeVec options for SyncVectorEnv (the default mode). */
export interface MakeVecSyncOptions<E, W> extends VectorEnvOptions {
  vectorizationMode?: 'sync' | undefined;
  /**
   * Wraps each sub-env (Gymnasium's `wrappers`, as one function: compose them inside), e.g.
   * `(env) => new FrameStackObservation(env, 4)`. `index` is the sub-env's index.
   */
  wrap?: ((env: E, index: number) => W) | undefined;
}

/** makeVec options for AsyncVectorEnv (worker threads; no `wrap`: functions cannot cross threads). */
export interface MakeVecAsyncOptions extends AsyncVectorEnvOptions {
  vectorizationMode: 'async';
}

const SYNC_KEYS = ['options', 'autoreset', 'vectorizationMode', 'wrap'];
const ASYNC_KEYS = ['options', 'autoreset', 'vectorizationMode', 'numWorkers', 'modules', 'stepTimeoutMs'];

/**
 * Gymnasium's `make_vec(id, num_envs, vectorization_mode)`: `numEnvs` copies of a
 * registered env, made with `make(id, options.options)`, in a SyncVectorEnv (default) or,
 * with `vectorizationMode: 'async'`, an AsyncVectorEnv. Typed by `EnvRegistry` like `make`:
 * `makeVec('Sokoban-v0', 8)` is a `SyncVectorEnv<Uint8Array, number>` (with `wrap`, the
 * wrapped env's types). Bad input throws before any env is built: `numEnvs` < 1 or not an
 * integer, an unknown option (InvalidOptionError); an unknown id (RegistryError).
 */
export function makeVec<Id extends string>(id: Id, numEnvs: number, options: MakeVecAsyncOptions): AsyncVectorEnv<ObservationOf<EnvOf<Id>>, ActionOf<EnvOf<Id>>>;
export function makeVec<Id extends string, W extends Env<any, any> = EnvOf<Id>>(id: Id, numEnvs: number, options?: MakeVecSyncOptions<EnvOf<Id>, W>): SyncVectorEnv<ObservationOf<W>, ActionOf<W>>;
export function makeVec(id: string, numEnvs: number, options: (MakeVecSyncOptions<Env, Env> | MakeVecAsyncOptions) = {}): SyncVectorEnv | AsyncVectorEnv {
  validateNumEnvs(numEnvs);
  envEntry(id);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidOptionError(`makeVec options must be an object, got ${JSON.stringify(options)}`);
  const mode = options.vectorizationMode ?? 'sync';
  if (mode !== 'sync' && mode !== 'async') throw new InvalidOptionError(`vectorizationMode must be "sync" or "async", got ${JSON.stringify(mode)}`);
  const known = mode === 'sync' ? SYNC_KEYS : ASYNC_KEYS;
  const unknown = Object.keys(options).filter((k) => !known.includes(k) && (options as Record<string, unknown>)[k] !== undefined);
  if (unknown.length > 0) {
    const why = mode === 'async' && unknown.includes('wrap') ? ' (wrap needs vectorizationMode "sync": functions cannot be sent to worker threads; register a wrapped env id in a module named in `modules` instead)' : '';
    throw new InvalidOptionError(`unknown makeVec option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} for vectorizationMode "${mode}"${why}; valid options: ${known.join(', ')}`);
  }
  if (mode === 'async') {
    const { vectorizationMode: _mode, ...rest } = options as MakeVecAsyncOptions;
    return new AsyncVectorEnv(id, numEnvs, rest);
  }
  const o = options as MakeVecSyncOptions<Env, Env>;
  if (o.wrap !== undefined && typeof o.wrap !== 'function') throw new InvalidOptionError(`wrap must be a function (env, index) => env, got ${typeof o.wrap}`);
  const wrap = o.wrap;
  const builders = Array.from({ length: numEnvs }, (_, i) => () => {
    const env = make(id, o.options ?? {});
    return wrap ? wrap(env, i) : env;
  });
  return new SyncVectorEnv(builders, undefined, { autoreset: o.autoreset });
}
