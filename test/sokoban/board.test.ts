import { describe, expect, it } from 'vitest';
import { analyseBoard, formatLevel, isFreezeDeadlock, make, padIndex, parseLevel, sokobanEnvOf } from './api.js';

/** Freeze test for the box at level cell (r, c) of `text`, with every box marked. */
function frozen(text: string, r: number, c: number): boolean {
  const level = parseLevel(text);
  const board = analyseBoard(level);
  const boxAt = new Uint8Array(board.width * board.height);
  for (const b of board.boxes) boxAt[b] = 1;
  return isFreezeDeadlock(board, boxAt, padIndex(level, r * level.width + c));
}

describe('deadlock analysis', () => {
  it('marks corners and wall runs without targets as dead, cells on a target row as live', () => {
    const level = parseLevel('#######\n#@    #\n#  $  #\n#    .#\n#######');
    const board = analyseBoard(level);
    const dead = (r: number, c: number) => board.dead[padIndex(level, r * level.width + c)] === 1;
    expect(dead(1, 1)).toBe(true); // corner
    expect(dead(1, 3)).toBe(true); // along the top wall, no target there
    expect(dead(3, 2)).toBe(false); // bottom row holds the target
    expect(dead(2, 3)).toBe(false);
    expect(board.pushDistance[padIndex(level, 2 * 7 + 3)]).toBe(3);
  });

  it('two boxes side by side against a wall are frozen (deadlock when one is off target)', () => {
    expect(frozen('#######\n#@$$  #\n#     #\n#  .. #\n#######', 1, 3)).toBe(true);
    expect(frozen('#######\n#@** ##\n#     #\n#     #\n#######', 1, 3)).toBe(false); // both on targets
    // Against a wall with no target in that row, dead squares on both sides freeze it too.
    expect(frozen('#######\n# @$  #\n#     #\n#  .  #\n#######', 1, 3)).toBe(true);
    expect(frozen('#######\n#@    #\n#  $  #\n#  .  #\n#######', 2, 3)).toBe(false); // in the open
    expect(frozen('#######\n#@ $.##\n#     #\n#######', 1, 3)).toBe(false); // slides along the wall to its target
  });

  it('a 2x2 block of boxes in the open is frozen', () => {
    expect(frozen('#######\n#     #\n# $$  #\n# $$  #\n#@....#\n#######', 2, 2)).toBe(true);
    expect(frozen('#######\n#     #\n# $$  #\n#  $  #\n#@... #\n#######', 2, 2)).toBe(false);
  });
});

describe('Boxoban-v0 with mixed level sizes', () => {
  it('pads smaller levels with walls so one observation shape fits', () => {
    const env = make<Uint8Array, number>('Boxoban-v0', { text: '; a\n#####\n#@$.#\n#####\n\n; b\n######\n#@ $.#\n#    #\n######\n' });
    expect(env.observationSpace.toJSON()).toMatchObject({ shape: [4, 6] });
    env.reset({ seed: 1, options: { index: 0 } });
    expect(formatLevel(sokobanEnvOf(env).currentLevel())).toBe('######\n#@$.##\n######\n######');
    const r = env.step(3);
    expect(r.terminated).toBe(true);
    expect(env.describe()).toContain('All boxes are on targets: solved.');
  });
});
