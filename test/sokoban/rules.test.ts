import { describe, expect, it } from 'vitest';
import { SOKOBAN_CELL as CELL, SokobanGame, formatLevel, make, sokobanEnvOf } from './api.js';
import { lv } from './helpers.js';

const UP = 0, DOWN = 1, LEFT = 2, RIGHT = 3;
const text = (g: SokobanGame) => formatLevel(g.toLevel());

describe('Sokoban rules', () => {
  it('walking into a wall changes nothing, costs a step and is reported invalid', () => {
    const g = new SokobanGame(lv('#####\n#@$.#\n#####'));
    const before = text(g);
    expect(g.move(UP)).toBe(-1);
    expect(g.lastValid).toBe(false);
    expect(g.lastBlockedBy).toBe('wall');
    expect(text(g)).toBe(before);
  });

  it('pushing a box into a wall or into a second box is blocked', () => {
    const g = new SokobanGame(lv('######\n#@$$.#\n#.   #\n######'));
    const before = text(g);
    expect(g.move(RIGHT)).toBe(-1); // two boxes in a row
    expect(g.lastValid).toBe(false);
    expect(g.lastBlockedBy).toBe('box');
    expect(text(g)).toBe(before);
    const h = new SokobanGame(lv('#####\n#.@$#\n#  $#\n#.  #\n#####'));
    const b2 = text(h);
    h.move(RIGHT); // box against the wall
    expect(h.lastBlockedBy).toBe('box');
    expect(text(h)).toBe(b2);
  });

  it('pushing onto a target pays +1 and solving pays +10 (in tenths)', () => {
    const g = new SokobanGame(lv('######\n#@$ .#\n#   $#\n#   .#\n######'));
    expect(g.move(RIGHT)).toBe(-1); // plain push
    expect(g.lastPushed).toBe(true);
    expect(g.move(RIGHT)).toBe(9); // -0.1 + 1
    expect(g.boxesOnTarget).toBe(1);
    expect(g.solved).toBe(false);
    expect(text(g)).toBe('######\n#  @*#\n#   $#\n#   .#\n######');
    g.move(DOWN); // blocked? no: (2,3) is floor
    expect(g.move(DOWN)).toBe(-1); // player (3,3)... walk
    expect(g.lastValid).toBe(true);
    g.move(LEFT + 1); // right: (3,4) is a target, player walks onto it
    expect(g.cells[3 * 6 + 4]).toBe(CELL.PLAYER_ON_TARGET);
    g.move(UP); // push box at (2,4) up onto (1,4)? (1,4) has a box: blocked
    expect(g.lastBlockedBy).toBe('box');
  });

  it('pushing a box off a target costs -1; the target reappears', () => {
    const g = new SokobanGame(lv('######\n#@*  #\n#  .$#\n######'));
    expect(g.boxesOnTarget).toBe(1);
    expect(g.move(RIGHT)).toBe(-11); // -0.1 - 1
    expect(g.boxesOnTarget).toBe(0);
    expect(g.cells[1 * 6 + 2]).toBe(CELL.PLAYER_ON_TARGET);
    g.move(RIGHT); // push again: box to (1,4)
    expect(g.cells[1 * 6 + 2]).toBe(CELL.TARGET);
    expect(g.cells[1 * 6 + 3]).toBe(CELL.PLAYER);
  });

  it('solving the last box pays -0.1 + 1 + 10', () => {
    const g = new SokobanGame(lv('#####\n#@$.#\n#####'));
    expect(g.move(RIGHT)).toBe(109);
    expect(g.solved).toBe(true);
  });

  it('walking onto and off a target keeps the target', () => {
    const g = new SokobanGame(lv('######\n#@.  #\n# $  #\n######'));
    g.move(RIGHT);
    expect(g.cells[1 * 6 + 2]).toBe(CELL.PLAYER_ON_TARGET);
    expect(g.lastPushed).toBe(false);
    g.move(RIGHT);
    expect(g.cells[1 * 6 + 2]).toBe(CELL.TARGET);
    expect(g.cells[1 * 6 + 3]).toBe(CELL.PLAYER);
  });

  it('levels that touch the grid edge treat outside as wall', () => {
    const g = new SokobanGame(lv('@$.\n___\n___'));
    g.move(UP);
    expect(g.lastBlockedBy).toBe('wall');
    g.move(LEFT);
    expect(g.lastBlockedBy).toBe('wall');
    expect(g.move(RIGHT)).toBe(109);
  });
});

describe('Sokoban env steps', () => {
  const env = make<Uint8Array, number>('Sokoban-v0', { maxSteps: 5 });

  it('reports validity, effect, pushes, success and rewards in info', () => {
    env.reset({ seed: 1, options: { level: lv('######\n#    #\n#@$ .#\n#    #\n#    #\n######') } });
    let r = env.step(LEFT);
    expect(r.info).toMatchObject({ actionIsValid: false, actionIsEffective: false, pushed: false, success: false, boxesOnTarget: 0 });
    expect(r.reward).toBeCloseTo(-0.1, 12);
    r = env.step(UP);
    expect(r.info).toMatchObject({ actionIsValid: true, actionIsEffective: true, pushed: false });
    env.step(DOWN);
    r = env.step(RIGHT);
    expect(r.info).toMatchObject({ pushed: true, boxesOnTarget: 0 });
    r = env.step(RIGHT);
    expect(r.reward).toBeCloseTo(10.9, 12);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.info).toMatchObject({ success: true, boxesOnTarget: 1 });
  });

  it('truncates at maxSteps and returns observations as fresh copies', () => {
    const first = env.reset({ seed: 2, options: { level: lv('######\n#    #\n#@$ .#\n#    #\n#    #\n######') } }).observation;
    const kept = new Uint8Array(first);
    let r = env.step(UP);
    expect(first).toEqual(kept); // the reset observation was not mutated by the step
    for (let i = 0; i < 3; i++) r = env.step(i % 2 ? UP : DOWN);
    expect(r.truncated).toBe(false);
    r = env.step(DOWN);
    expect(r.truncated).toBe(true);
    expect(r.terminated).toBe(false);
    expect(() => env.step(UP)).toThrow(/reset/);
  });

  it('rejects actions outside 0..3 even on the raw env', () => {
    const raw = sokobanEnvOf(env);
    raw.reset({ seed: 3 });
    expect(() => raw.step(4)).toThrow(/0\.\.3/);
    expect(() => raw.step(1.5)).toThrow(/0\.\.3/);
  });
});
