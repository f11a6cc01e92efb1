import type { Env } from '../core/env.js';
import { register } from '../core/registry.js';
import { FROZEN_LAKE_DEFAULTS, FrozenLakeEnv } from './frozenlake.js';

declare module '../core/registry.js' {
  interface EnvRegistry {
    'FrozenLake-v0': Env<number, number>;
  }
}

register('FrozenLake-v0', (options) => new FrozenLakeEnv(options), {
  description: 'FrozenLake grid (4x4, 8x8 or random): cross the ice to the goal without falling into a hole; slippery option.',
  options: { ...FROZEN_LAKE_DEFAULTS },
  maxEpisodeSteps: 100,
  tags: ['grid', 'toy'],
});
