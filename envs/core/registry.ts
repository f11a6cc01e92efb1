import type { Env } from './env.js';
import { InvalidOptionError, RegistryError } from './errors.js';
import { ContractGuard } from './wrappers/contract-guard.js';
import { TimeLimit } from './wrappers/time-limit.js';
import { type RenderMode, RenderModeEnv, parseRenderMode } from './wrappers/render-mode.js';

/**
 * The observation and action types of each registered id: `make(id)` returns
 * `EnvRegistry[id]` (so `make('Sokoban-v0').step(3)` type-checks without casts), and an id
 * that is not listed gives `Env<unknown, unknown>`. The built-in envs add their ids from
 * their own folders; a third-party env adds its id by declaration merging:
 *
 * ```ts
 * declare module 'lmm-gym' {
 *   interface EnvRegistry { 'CoinCollector-v0': Env<number, number> }
 * }
 * ```
 *
 * `register()` then checks that the factory of a listed id builds an env of that type.
 */
export interface EnvRegistry {}

/** Ids with known observation and action types (the keys of `EnvRegistry`). */
export type RegisteredEnvId = keyof EnvRegistry & string;

/** The env type `make(id)` returns: `EnvRegistry[id]`, or `Env<unknown, unknown>` for other ids. */
export type EnvOf<Id extends string> = Id extends keyof EnvRegistry ? EnvRegistry[Id] : Env<unknown, unknown>;

/** The observation / action type of an env type (`ObservationOf<EnvOf<'Sokoban-v0'>>` is Uint8Array). */
export type ObservationOf<E> = E extends Env<infer O, any> ? O : unknown;
export type ActionOf<E> = E extends Env<any, infer A> ? A : unknown;

/** What `make(id, { renderMode: M })` returns: the env itself for 'rgb_array', else a RenderModeEnv. */
export type WithRenderMode<E, M extends RenderMode | null> = M extends 'rgb_array' ? E : RenderModeEnv<ObservationOf<E>, ActionOf<E>, M>;

/**
 * Builds a raw env from fully resolved options (the registered defaults with the caller's
 * options merged over them). `Opts` is the type of the defaults: make() checks option names,
 * not values, so validate the values in the env (throw InvalidOptionError).
 */
export type EnvFactory<O = unknown, A = unknown, Opts extends object = Record<string, unknown>> = (options: Opts) => Env<O, A>;

export interface EnvRegistration<Opts extends object = Record<string, unknown>> {
  /** One line shown by `lmm-gym envs`. */
  description: string;
  /** Default option values; their keys are the only options `make` accepts. */
  options?: Opts;
  /** Time limit applied by make (null: none). Overridable per make with `maxEpisodeSteps`. */
  maxEpisodeSteps?: number | null;
  /** Free-form tags (e.g. 'grid', 'text-task') for listings. */
  tags?: string[];
}

export interface EnvEntry extends Required<Omit<EnvRegistration, 'options'>> {
  id: string;
  options: Record<string, unknown>;
  factory: EnvFactory;
}

/** Options every make() accepts, besides the env's own. */
export const MAKE_OPTIONS = ['maxEpisodeSteps', 'renderMode'] as const;

const registry = new Map<string, EnvEntry>();

/**
 * Register an env id. Third-party envs register exactly like the built-in ones.
 * Ids look like `Name-v0`. Registering an existing id throws unless `override` is set.
 */
export function register<Id extends string, Opts extends object = Record<string, unknown>>(
  id: Id,
  // An id listed in EnvRegistry must build an env of its listed type; any other id, any env.
  factory: (options: Opts) => Id extends keyof EnvRegistry ? EnvRegistry[Id] : Env<any, any>,
  registration: EnvRegistration<Opts>,
  override = false,
): void {
  if (!/^[A-Za-z][\w.:/-]*-v\d+$/.test(id)) throw new RegistryError(`env id must look like "Name-v0", got ${JSON.stringify(id)}`);
  if (registry.has(id) && !override) throw new RegistryError(`env ${id} is already registered (pass override=true to replace it)`);
  registry.set(id, {
    id,
    factory: factory as unknown as EnvFactory,
    description: registration.description,
    options: { ...(registration.options ?? {}) } as Record<string, unknown>,
    maxEpisodeSteps: registration.maxEpisodeSteps ?? null,
    tags: registration.tags ?? [],
  });
}

/** Remove a registration (mainly for tests and plugins that reload). */
export function unregister(id: string): boolean {
  return registry.delete(id);
}

/** All registered envs, sorted by id. */
export function listEnvs(): EnvEntry[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The registration of `id`, or a clear error naming the registered ids. */
export function envEntry(id: string): EnvEntry {
  const entry = registry.get(id);
  if (!entry) {
    const ids = [...registry.keys()].sort();
    throw new RegistryError(`unknown env id ${JSON.stringify(id)}; registered envs: ${ids.join(', ') || '(none)'}`);
  }
  return entry;
}

/** Merge user options over the registered defaults, rejecting unknown names. */
export function resolveOptions(id: string, options: Record<string, unknown> = {}): { envOptions: Record<string, unknown>; maxEpisodeSteps: number | null; renderMode: RenderMode | null | undefined } {
  const entry = envEntry(id);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(`options for ${id} must be an object, got ${JSON.stringify(options)}`);
  }
  const known = Object.keys(entry.options);
  const unknown = Object.keys(options).filter((k) => !(k in entry.options) && !(MAKE_OPTIONS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new InvalidOptionError(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} for ${id}; valid options: ${[...known, ...MAKE_OPTIONS].join(', ')}`);
  }
  const { maxEpisodeSteps = entry.maxEpisodeSteps, renderMode, ...rest } = options as { maxEpisodeSteps?: unknown; renderMode?: unknown };
  if (maxEpisodeSteps !== null && (typeof maxEpisodeSteps !== 'number' || !Number.isSafeInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0)) {
    throw new InvalidOptionError(`maxEpisodeSteps must be a positive integer or null, got ${JSON.stringify(maxEpisodeSteps)}`);
  }
  return { envOptions: { ...entry.options, ...rest }, maxEpisodeSteps: maxEpisodeSteps as number | null, renderMode: parseRenderMode(renderMode) };
}

/**
 * Build a registered env: the raw env from its factory, then TimeLimit (when the
 * registration or `options.maxEpisodeSteps` sets one), then ContractGuard outermost.
 * Typed by `EnvRegistry`: `make('Sokoban-v0')` is an `Env<Uint8Array, number>`; an id not
 * listed there gives `Env<unknown, unknown>` unless the types are given, `make<O, A>(id)`.
 * `options.renderMode` (Gymnasium's render_mode) chooses what `render()` returns: with
 * 'ansi', 'rgb_array_list', 'ansi_list' or null the env is wrapped, outermost, in a
 * RenderModeEnv (and typed so); 'rgb_array' is what every env's render() does already. It
 * is not part of `spec.options` (it changes no dynamics; replays rebuild with frames).
 */
// E is always EnvOf<Id>; three type parameters keep `make<O, A>(id)` (two) on the last overload.
export function make<Id extends string, M extends RenderMode | null, E extends EnvOf<Id>>(id: Id, options: Record<string, unknown> & { renderMode: M }): WithRenderMode<E, M>;
// `renderMode?: undefined`: a literal renderMode outside RenderMode ('human') is a type error.
export function make<Id extends string>(id: Id, options?: Record<string, unknown> & { renderMode?: undefined }): EnvOf<Id>;
export function make<O = unknown, A = unknown>(id: string, options?: Record<string, unknown> & { renderMode?: undefined }): Env<O, A>;
export function make<O = unknown, A = unknown>(id: string, options: Record<string, unknown> = {}): Env<O, A> {
  const entry = envEntry(id);
  const { envOptions, maxEpisodeSteps, renderMode } = resolveOptions(id, options);
  let env = entry.factory(envOptions) as Env<O, A>;
  if (maxEpisodeSteps !== null) env = new TimeLimit(env, maxEpisodeSteps);
  const guarded = new ContractGuard(env);
  guarded.spec = { id, options: { ...envOptions, maxEpisodeSteps }, maxEpisodeSteps };
  if (renderMode !== undefined && renderMode !== 'rgb_array') return new RenderModeEnv(guarded, renderMode) as unknown as Env<O, A>;
  return guarded;
}
