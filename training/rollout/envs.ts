/**
 * Language envs of a stage: one LanguageEnv per StageEnvSpec (make + the agent-facing wrapper
 * with the stage's mode, style and reward weights), and the checks the config validator
 * runs before training starts.
 */
import { make } from '../../envs/core/registry.js';
import { LanguageEnv, type LanguageEnvOptions } from '../../tasks/language-env.js';
import type { StageEnvSpec } from '../pipeline/config.js';

/** LanguageEnv options of an env spec (undefined fields keep the wrapper's defaults). */
export function languageEnvOptions(spec: StageEnvSpec, rewardWeights?: Record<string, number>): LanguageEnvOptions {
  const o: LanguageEnvOptions = { mode: spec.mode, interaction: spec.style, envId: spec.id };
  if (spec.maxActions !== undefined) o.maxActions = spec.maxActions;
  if (spec.maxTurns !== undefined) o.maxTurns = spec.maxTurns;
  if (spec.historyLength !== undefined) o.historyLength = spec.historyLength;
  if (spec.invalidAnswer !== undefined) o.invalidAnswer = spec.invalidAnswer;
  if (spec.invalidPenalty !== undefined) o.invalidPenalty = spec.invalidPenalty;
  if (rewardWeights) o.rewardWeights = rewardWeights;
  return o;
}

/** A fresh LanguageEnv for an env spec. */
export function makeLanguageEnv(spec: StageEnvSpec, rewardWeights?: Record<string, number>): LanguageEnv {
  return new LanguageEnv(make(spec.id, spec.options), languageEnvOptions(spec, rewardWeights));
}

/** Config-validation hook: build the env once (unknown ids and bad options throw here). */
export function checkEnvSpec(id: string, options: Record<string, unknown>): void {
  make(id, options).close();
}

/** Short label of an env spec for metrics and file names, e.g. `Sokoban-v0/image/plan`. */
export function envLabel(spec: StageEnvSpec): string {
  return `${spec.id}/${spec.mode}/${spec.style}`;
}
