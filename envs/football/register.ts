import type { Env } from '../core/env.js';
import { register } from '../core/registry.js';
import { FOOTBALL_DEFAULTS, FootballEnv, type FootballObservation } from './football.js';

declare module '../core/registry.js' {
  interface EnvRegistry {
    /** The observation is a Float32Array, a Frame or a string, by the `representation` option. */
    'Football-v0': Env<FootballObservation, number>;
  }
}

register('Football-v0', (options) => new FootballEnv(options), {
  description: 'Fast deterministic 2-D football (Google Research Football scenarios and actions): academy drills and 5v5/11v11 matches vs a rule-based AI.',
  options: { ...FOOTBALL_DEFAULTS },
  // Each scenario has its own step limit (gameDuration), applied by the env itself.
  maxEpisodeSteps: null,
  tags: ['football', 'image', 'multi-agent-ai'],
});
