import { register } from '../core/registry.js';
import { FOOTBALL_DEFAULTS, FootballEnv, type FootballOptions } from './football.js';

register('Football-v0', (options) => new FootballEnv(options as Partial<FootballOptions>), {
  description: 'Fast deterministic 2-D football (Google Research Football scenarios and actions): academy drills and 5v5/11v11 matches vs a rule-based AI.',
  options: { ...FOOTBALL_DEFAULTS },
  // Each scenario has its own step limit (gameDuration), applied by the env itself.
  maxEpisodeSteps: null,
  tags: ['football', 'image', 'multi-agent-ai'],
});
