import { describe, expect, it } from 'vitest';
import { InvalidLevelError, PlanScoreError, formatPlan, generateLevel, parseBoxoban, parseLevel, parsePlan, replayPlan, solveSokoban } from './api.js';

const level = parseLevel('######\n#    #\n# $@ #\n#.   #\n######'); // optimal: Left, Up, Left, Down (4)

describe('plan mode (MageBench Sokoban-Global)', () => {
  it('parses plans in several spellings and reports unknown tokens', () => {
    expect(parsePlan('Left, Up, Up').actions).toEqual([2, 0, 0]);
    expect(parsePlan('left up\nRIGHT;down').actions).toEqual([2, 0, 3, 1]);
    expect(parsePlan('["Left", "Down"]').actions).toEqual([2, 1]);
    expect(parsePlan('push left, move up, A, d, ↓').actions).toEqual([2, 0, 2, 3, 1]);
    // The shared table (envs/core/words.ts): LURD letters are not actions (d is right, u is undo in play).
    expect(parsePlan('u, l').invalid).toEqual(['u', 'l']);
    expect(parsePlan([0, 'down', 3]).actions).toEqual([0, 1, 3]);
    const p = parsePlan('Left, jump, Up.');
    expect(p).toEqual({ actions: [2, 0], invalid: ['jump'] });
  });

  it('an optimal plan scores 100; its best reward is the upper bound', () => {
    const r = replayPlan(level, 'Left, Up, Left, Down');
    expect(r.solved).toBe(true);
    expect(r.upperBound).toBeCloseTo(10 + 1 - 0.4, 12);
    expect(r.bestReward).toBeCloseTo(10.6, 12);
    expect(r.score).toBeCloseTo(100, 12);
    expect(r.optimalMoves).toBe(4);
  });

  it('an empty or useless plan scores as doing nothing: (0 - upperBound) * 5 + 100', () => {
    const idle = replayPlan(level, '');
    expect(idle.bestReward).toBe(0);
    expect(idle.score).toBeCloseTo((0 - 10.6) * 5 + 100, 12);
    const useless = replayPlan(level, 'Up, Down, Up, Down');
    expect(useless.finalReward).toBeCloseTo(-0.4, 12);
    expect(useless.bestReward).toBe(0);
    expect(useless.score).toBeCloseTo(idle.score, 12);
  });

  it('a detour that still solves scores below 100 by 0.5 per extra move', () => {
    const r = replayPlan(level, 'Up, Down, Left, Up, Left, Down');
    expect(r.solved).toBe(true);
    expect(r.score).toBeCloseTo(99, 12);
  });

  it('pushing onto then off a target keeps the best reward reached', () => {
    const l = parseLevel('#######\n#@$.  #\n#     #\n#######');
    const r = replayPlan(l, 'Right, Right', { optimalMoves: 1 });
    expect(r.solved).toBe(true); // the first push solves it; the rest is not replayed
    expect(r.actionsReplayed).toBe(1);
    expect(r.ignoredActions).toBe(1);
    const l2 = parseLevel('#######\n#@$. .#\n#   $ #\n#######');
    const r2 = replayPlan(l2, 'Right, Right', { optimalMoves: 10 });
    expect(r2.bestReward).toBeCloseTo(0.9, 12); // -0.1 + 1 after the first push
    expect(r2.finalReward).toBeCloseTo(-0.2, 12); // then -0.1 - 1 pushing it off
    expect(r2.solved).toBe(false);
  });

  it('replays only the first 50 actions', () => {
    const far = 'Up, Down, '.repeat(25) + 'Left, Up, Left, Down';
    const r = replayPlan(level, far);
    expect(r.actionsReplayed).toBe(50);
    expect(r.ignoredActions).toBe(4);
    expect(r.solved).toBe(false);
    expect(replayPlan(level, far, { maxActions: 60 }).solved).toBe(true);
  });

  it('uses the solver when the level has no optimalMoves, and formats plans', () => {
    const g = generateLevel({ width: 7, height: 7, boxes: 2 }, 3);
    const sol = solveSokoban(g);
    const r = replayPlan({ ...g, optimalMoves: null }, formatPlan(sol.actions), { maxActions: 1000 });
    expect(r.optimalMoves).toBe(g.optimalMoves);
    expect(r.score).toBeCloseTo(100, 9);
    expect(formatPlan([2, 0, 0])).toBe('Left, Up, Up');
  });
});

describe('plan score with a box that starts on its target', () => {
  it('an optimal plan scores 100: the on-target box earns no reward', () => {
    // Box '*' already on a target; the other box needs one push right.
    const level = parseLevel(['#######', '#*@$ .#', '#######'].join('\n'));
    const r = replayPlan(level, 'Right, Right', { optimalMoves: 2 });
    expect(r.solved).toBe(true);
    expect(r.upperBound).toBeCloseTo(10 + 1 - 0.2, 12);
    expect(r.bestReward).toBeCloseTo(r.upperBound, 12);
    expect(r.score).toBeCloseTo(100, 12);
  });
});

// Issue 18: a level file's `moves=` header is a claim; scoring checks it with the solver.
describe('plan score with a moves= header from a file', () => {
  const rows = '######\n#    #\n# $@ #\n#.   #\n######'; // optimal: 4 moves
  it('a lying header is an InvalidLevelError naming the file, line and both lengths', () => {
    const [lying] = parseBoxoban(`; 0\n${rows}\n\n; 7 moves=2\n${rows}\n`, 'set.txt').slice(1);
    expect(lying!.optimalMoves).toBe(2);
    expect(lying!.movesFrom).toBe('set.txt, line 8');
    expect(() => replayPlan(lying!, 'Left, Up, Left, Down')).toThrow(InvalidLevelError);
    expect(() => replayPlan(lying!, 'Left, Up, Left, Down')).toThrow('set.txt, line 8: the header says moves=2, but level 7\'s optimal solution takes 4 moves');
    // Too long a claim is caught too (it would make every plan look better than optimal).
    const [long] = parseBoxoban(`; 0 moves=9\n${rows}\n`, 'set.txt');
    expect(() => replayPlan(long!, '')).toThrow(/moves=9, but level 0's optimal solution takes 4 moves/);
  });

  it('a true header scores as before; an explicit optimalMoves is still taken as given', () => {
    const [ok] = parseBoxoban(`; 0 moves=4\n${rows}\n`, 'set.txt');
    const r = replayPlan(ok!, 'Left, Up, Left, Down');
    expect(r.optimalMoves).toBe(4);
    expect(r.score).toBeCloseTo(100, 12);
    const [lying] = parseBoxoban(`; 0 moves=2\n${rows}\n`, 'set.txt');
    expect(replayPlan(lying!, 'Left, Up, Left, Down', { optimalMoves: 4 }).score).toBeCloseTo(100, 12);
  });

  it('a header the solver cannot check within the budget is a PlanScoreError saying so', () => {
    const [ok] = parseBoxoban(`; 0 moves=4\n${rows}\n`, 'set.txt');
    expect(() => replayPlan(ok!, '', { solveBudget: { maxNodes: 1 } })).toThrow(PlanScoreError);
    expect(() => replayPlan(ok!, '', { solveBudget: { maxNodes: 1 } })).toThrow(/moves=4 \(set.txt, line 1\) cannot be checked/);
  });
});
