import type { LanguageEnv } from '../../tasks/language-env.js';
import type { EpisodeResult } from '../runner.js';

/**
 * A benchmark-style score of one finished episode (e.g. MageBench's Sokoban-Global or
 * Football-Online score). Called right after the episode ends, while `env` still holds
 * its final state. Returns null when the episode cannot be scored (wrong mode ...).
 */
export interface EpisodeScorer {
  /** Name in reports, e.g. 'magebench-sokoban-global'. */
  name: string;
  /** Which interaction style it applies to (omit: both). */
  interaction?: 'step' | 'plan';
  score(result: EpisodeResult, env: LanguageEnv): number | null;
}

const scorers = new Map<string, EpisodeScorer[]>();

/** Register a scorer for an env id (or name without version, e.g. 'Football'). */
export function registerEpisodeScorer(envId: string, scorer: EpisodeScorer): void {
  const list = scorers.get(envId) ?? [];
  scorers.set(envId, [...list.filter((s) => s.name !== scorer.name), scorer]);
}

/** Scorers that apply to an env id and interaction style. */
export function scorersFor(envId: string, interaction: 'step' | 'plan'): EpisodeScorer[] {
  const all = [...(scorers.get(envId) ?? []), ...(scorers.get(envId.replace(/-v\d+$/, '')) ?? [])];
  return all.filter((s) => !s.interaction || s.interaction === interaction);
}
