import { describe, expect, it } from 'vitest';
import {
  SokobanRenderer, checkEnv, cloneFrame, formatLevel, framesEqual, generateLevel, loadBoxobanFile, make, parseLevel,
  sokobanBundledPath, sokobanEnvOf, solveSokoban, type Frame,
} from './api.js';
import { bfsOptimal } from './helpers.js';

const hand = parseLevel('######\n#  . #\n# $  #\n#@ # #\n#    #\n######');

describe('Sokoban-v0 and Boxoban-v0 envs', () => {
  it('pass checkEnv at several sizes and from Boxoban text and the bundled file', () => {
    expect(checkEnv(make('Sokoban-v0'))).toBeGreaterThan(10);
    expect(checkEnv(make('Sokoban-v0', { width: 10, height: 10, boxes: 4 }))).toBeGreaterThan(10);
    expect(checkEnv(make('Sokoban-v0', { width: 5, height: 7, boxes: 2, tileSize: 8 }))).toBeGreaterThan(10);
    expect(checkEnv(make('Boxoban-v0'))).toBeGreaterThan(10);
    expect(checkEnv(make('Boxoban-v0', { text: '; 0\n#####\n#@$.#\n#####\n\n; 1\n######\n#@ $.#\n#    #\n######\n' }))).toBeGreaterThan(10);
  });

  it('Sokoban-v0 is 6x6, one box, 100 steps by default; levels follow the env seed', () => {
    const env = make<Uint8Array, number>('Sokoban-v0');
    const a = env.reset({ seed: 7 });
    expect(a.observation).toHaveLength(36);
    expect(env.observationSpace.toJSON()).toMatchObject({ type: 'Box', shape: [6, 6], dtype: 'uint8' });
    expect(env.actionNames).toEqual(['up', 'down', 'left', 'right']);
    expect(a.info.optimalMoves).toBeGreaterThan(0);
    const b = env.reset({ seed: 7 });
    expect(b.observation).toEqual(a.observation);
    const raw = sokobanEnvOf(env);
    expect(raw.envOptions.maxSteps).toBe(100);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) { env.reset(); seen.add(formatLevel(raw.currentLevel())); }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('levelSeed fixes the level; reset options pick a level, a seed or an index', () => {
    const env = make<Uint8Array, number>('Sokoban-v0', { levelSeed: 3, minSolutionLength: 5 });
    const raw = sokobanEnvOf(env);
    env.reset({ seed: 1 });
    const first = raw.initialLevel();
    env.reset({ seed: 2 });
    expect(formatLevel(raw.initialLevel())).toBe(formatLevel(first));
    expect(formatLevel(first)).toBe(formatLevel(generateLevel({ minSolutionLength: 5 }, 3)));
    env.reset({ options: { level: hand } });
    expect(formatLevel(raw.currentLevel())).toBe(formatLevel(hand));
    env.reset({ options: { levelSeed: 11 } });
    expect(formatLevel(raw.currentLevel())).toBe(formatLevel(generateLevel({ minSolutionLength: 5 }, 11)));
    expect(() => env.reset({ options: { level: parseLevel('#####\n#@$.#\n#####') } })).toThrow(/5x3/);
    const box = make<Uint8Array, number>('Boxoban-v0', { index: 4 });
    box.reset({ seed: 1 });
    const levels = loadBoxobanFile(sokobanBundledPath());
    expect(formatLevel(sokobanEnvOf(box).currentLevel())).toBe(formatLevel(levels[4]!));
    box.reset({ options: { index: 9 } });
    expect(formatLevel(sokobanEnvOf(box).currentLevel())).toBe(formatLevel(levels[9]!));
    expect(() => box.reset({ options: { index: 100000 } })).toThrow(/index must be an integer/);
    // A given level wins over the list (lmm-gym eval --levels on Boxoban-v0 plays it), and is
    // padded with walls to the list's shape; a larger one is refused.
    box.reset({ seed: 1, options: { level: hand } });
    expect(formatLevel(sokobanEnvOf(box).currentLevel())).toBe(formatLevel(hand));
    const small = make<Uint8Array, number>('Boxoban-v0', { text: '; 0\n#######\n#@ $ .#\n#     #\n#######\n' });
    small.reset({ options: { level: '#####\n#@$.#\n#####' } });
    expect(formatLevel(sokobanEnvOf(small).currentLevel())).toBe('#######\n#@$.###\n#######\n#######');
    expect(() => small.reset({ options: { level: hand } })).toThrow(/6x6, larger than this level list's 7x4/);
  });

  it('rejects bad options with clear messages', () => {
    expect(() => make('Sokoban-v0', { width: 13 })).toThrow(/width must be an integer in \[5, 12\]/);
    expect(() => make('Sokoban-v0', { tileSize: 2 })).toThrow(/tileSize/);
    expect(() => make('Sokoban-v0', { maxSteps: 0 })).toThrow(/maxSteps/);
    expect(() => make('Boxoban-v0', { file: '/nonexistent/x.txt' })).toThrow(/cannot read/);
    expect(() => make('Boxoban-v0', { text: '; 0\n#####\n#@$x#\n#####\n' })).toThrow(/line 3/);
    expect(() => make('Sokoban-v0', { colour: 1 })).toThrow(/unknown option/);
  });

  it('the oracle can solve the current position mid-episode', () => {
    const env = make<Uint8Array, number>('Sokoban-v0', { width: 7, height: 7, boxes: 2 });
    env.reset({ seed: 5 });
    env.step(0); env.step(2);
    const r = solveSokoban(sokobanEnvOf(env).currentLevel());
    expect(r.status).toBe('solved');
    let last;
    for (const a of r.actions) last = env.step(a);
    expect(last?.terminated).toBe(true);
    expect(last?.info.success).toBe(true);
  });

  it('renders tileSize-pixel tiles (6x6 -> 96x96), incrementally identical to a full redraw', () => {
    const env = make<Uint8Array, number>('Sokoban-v0');
    env.reset({ seed: 4, options: { level: hand } });
    const f0 = cloneFrame(env.render());
    expect([f0.width, f0.height]).toEqual([96, 96]);
    env.step(1); // down
    env.step(3); // right: pushes nothing yet
    const f1 = env.render();
    expect(framesEqual(f0, f1)).toBe(false);
    const fresh = new SokobanRenderer(16).render(sokobanEnvOf(env).game.cells, 6, 6);
    expect(framesEqual(f1, fresh)).toBe(true);
    const big = make('Sokoban-v0', { tileSize: 48 });
    big.reset({ seed: 1 });
    const fb: Frame = big.render();
    expect([fb.width, fb.height]).toEqual([288, 288]);
  });

  it('describe() gives the documented text view', () => {
    const env = make<Uint8Array, number>('Sokoban-v0');
    env.reset({ seed: 1, options: { level: hand } });
    expect(env.describe()).toBe([
      'Sokoban 6x6, 1 box, 0 on target, step 0 of 100',
      '  012345',
      '0 ######',
      '1 #__._#',
      '2 #_$__#',
      '3 #@_#_#',
      '4 #____#',
      '5 ######',
      'Legend: # wall, _ floor, . target, $ box, * box on target, @ player, + player on target',
      'Player at row 3, column 1. Boxes at (2,2). Targets at (1,3).',
    ].join('\n'));
    env.step(0);
    expect(env.describe().split('\n').slice(-1)[0]).toBe('Last action: up (moved)');
    env.step(3);
    expect(env.describe()).toContain('step 2 of 100');
    expect(env.describe()).toContain('Last action: right (pushed a box)');
  });

  it('listWalls: the text view also names the inner walls (Sokoban-v0 and Boxoban-v0), and nothing else changes', () => {
    const lines = (id: string, options: Record<string, unknown>, level: string) => {
      const env = make<Uint8Array, number>(id, options);
      env.reset({ seed: 1, options: { level } });
      return env.describe().split('\n');
    };
    const text = formatLevel(hand);
    const plain = lines('Sokoban-v0', {}, text);
    const listed = lines('Sokoban-v0', { listWalls: true }, text);
    expect(listed.at(-1)).toBe('Player at row 3, column 1. Boxes at (2,2). Targets at (1,3). Inner walls at (3,3).');
    expect(listed.slice(0, -1)).toEqual(plain.slice(0, -1));
    const walled = '#######\n#  # .#\n# $#  #\n#@    #\n##  # #\n#######';
    expect(lines('Boxoban-v0', { text: `; 0\n${walled}\n`, listWalls: true }, walled).at(-1)).toMatch(/Targets at \(1,5\)\. Inner walls at \(1,3\), \(2,3\), \(4,1\), \(4,4\)\.$/);
    expect(lines('Sokoban-v0', { listWalls: true }, '######\n#  . #\n# $  #\n#@   #\n#    #\n######').at(-1)).toMatch(/\. No inner walls\.$/);
    expect(() => make('Sokoban-v0', { listWalls: 'yes' })).toThrow(/listWalls must be true or false, got "yes"/);
  });
});

describe("Sokoban reward 'progress'", () => {
  it('pays the change of minus the optimal moves left (checked by brute-force BFS); a deadlock gives back all progress and one more', () => {
    for (const [options, seed] of [[{}, 3], [{ width: 7, height: 7, boxes: 2 }, 11], [{ width: 7, height: 7, boxes: 2 }, 12]] as const) {
      const env = make<Uint8Array, number>('Sokoban-v0', { ...options, reward: 'progress' });
      const raw = sokobanEnvOf(env);
      const start = env.reset({ seed });
      const startLeft = start.info.optimalMoves as number;
      expect(bfsOptimal(raw.currentLevel())).toBe(startLeft);
      const phi = (left: number | null) => (left === null ? -(startLeft + 1) : -left);
      env.actionSpace.seed(seed);
      let total = 0, optimal = 0, other = 0;
      for (let t = 0; t < 40; t++) {
        const left = bfsOptimal(raw.currentLevel());
        const r = env.step(env.actionSpace.sample());
        const after = r.terminated ? 0 : bfsOptimal(raw.currentLevel());
        expect(r.reward).toBe(phi(after) - phi(left));
        expect(r.info.optimalMove).toBe(left !== null && left > 0 && after === left - 1);
        expect(r.info.movesLeft).toBe(after ?? -1);
        total += r.reward;
        if (r.info.optimalMove) optimal++; else other++;
        // Potential-based: the rewards so far add up to phi(now) - phi(start), whatever the path.
        expect(total).toBe(phi(after) - phi(startLeft));
        if (r.terminated) break;
      }
      expect(optimal).toBeGreaterThan(0);
      expect(other).toBeGreaterThan(0);
    }
  });

  it('a loop earns nothing; the solver plan earns +1 per move and solves; the default reward is unchanged', () => {
    const env = make<Uint8Array, number>('Sokoban-v0', { width: 7, height: 7, boxes: 2, reward: 'progress' });
    const first = env.reset({ seed: 5 });
    const plan = solveSokoban(sokobanEnvOf(env).initialLevel()).actions;
    expect(plan.length).toBe(first.info.optimalMoves);
    // Any walk out and back (a push may not be undone) adds up to 0.
    let loops = 0;
    for (let a = 0; a < 4; a++) {
      env.reset({ seed: 5 });
      const there = env.step(a);
      if (!there.info.actionIsValid || there.info.pushed) continue;
      const again = env.step([1, 0, 3, 2][a]!);
      expect(there.reward + again.reward).toBe(0);
      loops++;
    }
    expect(loops).toBeGreaterThan(0);
    env.reset({ seed: 5 });
    let total = 0, last = null as null | ReturnType<typeof env.step>;
    for (const a of plan) { last = env.step(a); total += last.reward; expect(last.reward).toBe(1); }
    expect(total).toBe(plan.length);
    expect(last!.terminated).toBe(true);
    const gym = make<Uint8Array, number>('Sokoban-v0', { width: 7, height: 7, boxes: 2 });
    gym.reset({ seed: 5 });
    const r = gym.step(plan[0]!);
    expect(r.info.optimalMove).toBeUndefined();
    expect([-0.1, 0.9]).toContain(r.reward);
    expect(() => make('Sokoban-v0', { reward: 'shaped' })).toThrow(/reward must be one of gym, progress/);
    expect(() => make('Boxoban-v0', { reward: 'progress' })).not.toThrow();
  });
});
