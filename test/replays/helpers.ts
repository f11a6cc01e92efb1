import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { make, RecordEpisode, Rng, type EpisodeRecord } from '../../envs/index.js';

export const FL_NAMES = ['left', 'down', 'right', 'up'];

export function tempDir(prefix = 'replays-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** One FrozenLake episode through RecordEpisode, random actions from `actionSeed`. */
export function recordFrozenLake(options: { seed?: number; actionSeed?: number; frames?: boolean; text?: boolean; envOptions?: Record<string, unknown>; reseed?: boolean } = {}): EpisodeRecord<number> {
  let episode: EpisodeRecord<number> | null = null;
  const env = new RecordEpisode(make<number, number>('FrozenLake-v0', { map: '8x8', slippery: true, ...options.envOptions }), (e) => { episode = e; }, { frames: options.frames ?? false, text: options.text ?? false });
  env.reset({ seed: options.seed ?? 5 });
  if (options.reseed === false) {
    // Finish the first episode and record a second one that continues the stream (seed null).
    for (;;) { const r = env.step(0); if (r.terminated || r.truncated) break; }
    env.reset();
  }
  const rng = new Rng(options.actionSeed ?? 11);
  for (;;) {
    const r = env.step(rng.int(4));
    if (r.terminated || r.truncated) break;
  }
  env.close();
  return episode!;
}

/** A think/answer response for FrozenLake action `a`. */
export function responseFor(a: number, t: number): string {
  return `<think>Step ${t}: the goal is south-east, so I move ${FL_NAMES[a]}.</think><answer>${FL_NAMES[a]}</answer>`;
}
