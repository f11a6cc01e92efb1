import { make } from '../envs/core/registry.js';
import type { ResetOptions } from '../envs/core/env.js';
import { parseObservationMode, type ObservationMode } from '../envs/core/wrappers/observation-mode.js';
import { LanguageEnv, type LanguageEnvOptions } from '../tasks/language-env.js';
import type { InteractionMode } from '../tasks/types.js';
import { BadRequestError } from './errors.js';

/** LanguageEnv options a client may set per session (see tasks/language-env.ts). */
export type TaskOptions = Pick<LanguageEnvOptions, 'maxActions' | 'historyLength' | 'maxTurns' | 'invalidAnswer' | 'invalidPenalty' | 'formatCredit' | 'formatRule' | 'rewardWeights'>;
const TASK_KEYS = ['maxActions', 'historyLength', 'maxTurns', 'invalidAnswer', 'invalidPenalty', 'formatCredit', 'formatRule', 'rewardWeights'] as const;

/**
 * What one session (or one reward label) is: an env id with its options, how the state is
 * shown (`mode`), how the agent answers (`interaction`), the seed of the first reset, and
 * the task's LanguageEnv options. `level` (Sokoban text) or `reset_options` pick a level.
 */
export interface SessionSpec {
  env: string;
  options: Record<string, unknown>;
  mode: ObservationMode;
  interaction: InteractionMode;
  seed: number | null;
  task: TaskOptions;
  resetOptions: Record<string, unknown> | null;
}

const SPEC_KEYS = new Set(['env', 'options', 'mode', 'interaction', 'seed', 'task', 'level', 'reset_options']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A seed: a non-negative safe integer, or null/absent. */
export function parseSeed(v: unknown, where: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new BadRequestError(`${where}: seed must be a non-negative integer or null, got ${JSON.stringify(v)}`);
  return v;
}

/** Check a session spec / label object; throws BadRequestError naming `where` and the bad field. */
export function parseSessionSpec(raw: unknown, where: string): SessionSpec {
  if (!isObject(raw)) throw new BadRequestError(`${where}: expected an object {env, options?, mode?, interaction?, seed?, task?, level?}, got ${JSON.stringify(raw)?.slice(0, 80)}`);
  const unknown = Object.keys(raw).filter((k) => !SPEC_KEYS.has(k));
  if (unknown.length) throw new BadRequestError(`${where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected env, options, mode, interaction, seed, task, level, reset_options`);
  if (typeof raw.env !== 'string' || raw.env === '') throw new BadRequestError(`${where}: env must be an env id such as "Sokoban-v0", got ${JSON.stringify(raw.env)}`);
  const options = raw.options ?? {};
  if (!isObject(options)) throw new BadRequestError(`${where}: options must be an object, got ${JSON.stringify(options)}`);
  let mode: ObservationMode;
  try {
    mode = parseObservationMode(raw.mode ?? 'text');
  } catch (e) {
    throw new BadRequestError(`${where}: ${(e as Error).message}`);
  }
  const interaction = raw.interaction ?? 'step';
  if (interaction !== 'step' && interaction !== 'plan') throw new BadRequestError(`${where}: interaction must be "step" or "plan", got ${JSON.stringify(interaction)}`);
  const task = raw.task ?? {};
  if (!isObject(task)) throw new BadRequestError(`${where}: task must be an object, got ${JSON.stringify(task)}`);
  const badTask = Object.keys(task).filter((k) => !(TASK_KEYS as readonly string[]).includes(k));
  if (badTask.length) throw new BadRequestError(`${where}: unknown task option ${JSON.stringify(badTask[0])}; expected ${TASK_KEYS.join(', ')}`);
  let resetOptions: Record<string, unknown> | null = null;
  if (raw.reset_options !== undefined && raw.reset_options !== null) {
    if (!isObject(raw.reset_options)) throw new BadRequestError(`${where}: reset_options must be an object, got ${JSON.stringify(raw.reset_options)}`);
    resetOptions = { ...raw.reset_options };
  }
  if (raw.level !== undefined && raw.level !== null) {
    if (typeof raw.level !== 'string' || raw.level.length === 0) throw new BadRequestError(`${where}: level must be the level's text (Boxoban format), got ${JSON.stringify(raw.level)?.slice(0, 80)}`);
    resetOptions = { ...(resetOptions ?? {}), level: raw.level };
  }
  return { env: raw.env, options: { ...options }, mode, interaction, seed: parseSeed(raw.seed, where), task: { ...task } as TaskOptions, resetOptions };
}

/** Build the LanguageEnv of a spec (make() + LanguageEnv); env errors (unknown id, bad option) are LmmGymErrors. */
export function buildLanguageEnv(spec: SessionSpec): LanguageEnv {
  const env = make(spec.env, spec.options);
  try {
    return new LanguageEnv(env, { ...spec.task, mode: spec.mode, interaction: spec.interaction, envId: spec.env });
  } catch (e) {
    env.close();
    throw e;
  }
}

/** The reset options of a spec's episode: its seed (when given) and its level/reset options. */
export function resetOptionsOf(spec: SessionSpec, seed: number | null, extra: Record<string, unknown> | null = null): ResetOptions {
  const out: ResetOptions = {};
  if (seed !== null) out.seed = seed;
  const options = extra ?? spec.resetOptions;
  if (options) out.options = { ...options };
  return out;
}
