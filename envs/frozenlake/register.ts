import { register } from '../core/registry.js';
import { FROZEN_LAKE_DEFAULTS, FrozenLakeEnv, type FrozenLakeOptions } from './frozenlake.js';

register('FrozenLake-v0', (options) => new FrozenLakeEnv(options as Partial<FrozenLakeOptions>), {
  description: 'FrozenLake grid (4x4, 8x8 or random): cross the ice to the goal without falling into a hole; slippery option.',
  options: { ...FROZEN_LAKE_DEFAULTS },
  maxEpisodeSteps: 100,
  tags: ['grid', 'toy'],
});
