import { describe, expect, it } from 'vitest';
import { ContractGuard, FrozenLakeEnv, TimeLimit, findWrapper, framesEqual, make, ObservationModeWrapper, RecordEpisode, type EpisodeRecord } from '../../index.js';

const LEFT = 0, DOWN = 1, RIGHT = 2, UP = 3;

describe('FrozenLake', () => {
  it('follows the non-slippery rules: walls clamp, hole ends, goal pays 1', () => {
    const env = make<number, number>('FrozenLake-v0', { slippery: false });
    expect(env.reset({ seed: 0 }).observation).toBe(0);
    expect(env.step(LEFT).observation).toBe(0); // clamped at the edge
    expect(env.step(DOWN).observation).toBe(4);
    const hole = env.step(RIGHT); // (1,1) is H
    expect(hole).toMatchObject({ observation: 5, reward: 0, terminated: true });
    env.reset();
    let r;
    for (const a of [DOWN, DOWN, RIGHT, RIGHT, DOWN, RIGHT]) r = env.step(a);
    expect(r).toMatchObject({ observation: 15, reward: 1, terminated: true, info: { success: true } });
    expect(env.step).toBeDefined();
    void UP;
  });

  it('slips sideways on slippery ice, deterministically per seed', () => {
    const run = (seed: number) => {
      const env = make<number, number>('FrozenLake-v0', { maxEpisodeSteps: 40 });
      env.reset({ seed });
      const obs: number[] = [];
      for (let i = 0; i < 40; i++) {
        const r = env.step(RIGHT);
        obs.push(r.observation);
        if (r.terminated || r.truncated) break;
      }
      return obs;
    };
    expect(run(3)).toEqual(run(3));
    const moves = new Set<string>();
    for (let s = 0; s < 30; s++) moves.add(run(s).slice(0, 1).join());
    expect(moves.size).toBeGreaterThan(1); // RIGHT from 0 can go right (1), or slip down (4) / up (0)
  });

  it('renders the player tile and describes the state', () => {
    const env = new FrozenLakeEnv({ slippery: false, tileSize: 8 });
    env.reset({ seed: 0 });
    const a = structuredClone(env.render());
    expect(a.width).toBe(32);
    expect(a.height).toBe(32);
    env.step(RIGHT);
    const b = env.render();
    expect(framesEqual(a, b)).toBe(false);
    expect(env.describe()).toContain('0 SPFF');
    expect(env.describe()).toContain('Player at row 0, column 1');
  });

  it('random maps are solvable and reproducible', () => {
    const a = new FrozenLakeEnv({ map: 'random', size: 6, mapSeed: 9 });
    const b = new FrozenLakeEnv({ map: 'random', size: 6, mapSeed: 9 });
    expect(a.map).toEqual(b.map);
    const c = new FrozenLakeEnv({ map: 'random', size: 6 });
    c.reset({ seed: 1 });
    const first = [...c.map];
    c.reset({ seed: 1 });
    expect(c.map).toEqual(first);
  });

  it('findWrapper walks the stack made by make()', () => {
    const env = new ObservationModeWrapper(make('FrozenLake-v0', { maxEpisodeSteps: 7 }), 'text');
    expect(findWrapper(env, TimeLimit)?.maxEpisodeSteps).toBe(7);
    expect(findWrapper(env, ContractGuard)).toBeInstanceOf(ContractGuard);
    expect(findWrapper(env, RecordEpisode)).toBeNull();
    expect(env.unwrapped).toBeInstanceOf(FrozenLakeEnv);
  });

  it('rejects a custom map without a path', () => {
    expect(() => make('FrozenLake-v0', { desc: ['SH', 'HG'] })).toThrow(/no path/);
  });

  it('observation-mode wrapper gives text, image or both', () => {
    const env = new ObservationModeWrapper(make('FrozenLake-v0'), 'text+image');
    const { observation } = env.reset({ seed: 0 });
    expect(observation.text).toContain('FrozenLake 4x4');
    expect(observation.image!.width).toBe(64);
    expect(env.observationSpace.contains(observation)).toBe(true);
    expect(new ObservationModeWrapper(make('FrozenLake-v0'), 'image').reset({ seed: 0 }).observation.text).toBeUndefined();
    expect(() => new ObservationModeWrapper(make('FrozenLake-v0'), 'video' as never)).toThrow(/text, image/);
  });

  it('RecordEpisode hands over finished episodes with frames', () => {
    const episodes: EpisodeRecord<number>[] = [];
    const env = new RecordEpisode(make<number, number>('FrozenLake-v0', { slippery: false }), (e) => episodes.push(e), { frames: true, text: true });
    env.reset({ seed: 5 });
    for (const a of [DOWN, DOWN, RIGHT, RIGHT, DOWN, RIGHT]) env.step(a);
    expect(episodes).toHaveLength(1);
    const ep = episodes[0]!;
    expect(ep).toMatchObject({ envId: 'FrozenLake-v0', seed: 5, length: 6, terminated: true, totalReward: 1 });
    expect(ep.frames).toHaveLength(7);
    expect(ep.texts![0]).toContain('Player at row 0, column 0');
    env.reset({ seed: 6 });
    env.step(RIGHT);
    env.reset({ seed: 7 }); // cut short: handed over, neither terminated nor truncated
    expect(episodes).toHaveLength(2);
    expect(episodes[1]).toMatchObject({ seed: 6, length: 1, terminated: false, truncated: false });
  });
});
