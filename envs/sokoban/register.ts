import type { Env } from '../core/env.js';
import { register } from '../core/registry.js';
import { bundledPath, readLevelFile } from './files.js';
import { BOXOBAN_DEFAULTS, SOKOBAN_DEFAULTS, makeBoxobanEnv, makeSokobanEnv } from './sokoban.js';

declare module '../core/registry.js' {
  interface EnvRegistry {
    'Sokoban-v0': Env<Uint8Array, number>;
    'Boxoban-v0': Env<Uint8Array, number>;
  }
}

// The env truncates itself at `maxSteps` (so make('Sokoban-v0', { maxSteps: 200 }) means
// 200); no extra TimeLimit is registered. make's generic `maxEpisodeSteps` still adds one.
register('Sokoban-v0', (options) => makeSokobanEnv({ ...options, loadFile: readLevelFile }), {
  description: 'Sokoban with generated levels (5x5..12x12, 1..5 boxes, known optimal length); gym-sokoban rewards; text and image views.',
  options: { ...SOKOBAN_DEFAULTS },
  maxEpisodeSteps: null,
  tags: ['grid', 'puzzle', 'sokoban'],
});

register('Boxoban-v0', (options) => makeBoxobanEnv({ ...options, loadFile: readLevelFile, defaultFile: options.file || options.text ? undefined : bundledPath() }), {
  description: 'Sokoban levels from a Boxoban-format file or text (default: the bundled 6x6 one-box set); gym-sokoban rewards.',
  options: { ...BOXOBAN_DEFAULTS },
  maxEpisodeSteps: null,
  tags: ['grid', 'puzzle', 'sokoban'],
});
