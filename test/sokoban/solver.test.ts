import { describe, expect, it } from 'vitest';
import { generateLevel, solveSokoban } from './api.js';
import { bfsOptimal, lv, play } from './helpers.js';

// Hand-made levels and their fewest-moves solution lengths (worked out by hand).
const KNOWN: [string, number][] = [
  ['#####\n#@$.#\n#####', 1],
  ['#######\n#.$ @ #\n#######', 2],
  ['######\n#    #\n# $@ #\n#.   #\n######', 4],
  ['######\n#@   #\n# $  #\n#  . #\n######', 5],
  ['#######\n#.$ $.#\n#  @  #\n#######', 4],
];

describe('solveSokoban', () => {
  it('finds the known optimal lengths of hand-made levels, and the moves solve them', () => {
    for (const [text, moves] of KNOWN) {
      const level = lv(text);
      const r = solveSokoban(level);
      expect(r.status, text).toBe('solved');
      expect(r.moves, text).toBe(moves);
      expect(r.actions).toHaveLength(moves);
      expect(play(level, r.actions).solved, text).toBe(true);
    }
  });

  it('a solved level needs no moves', () => {
    expect(solveSokoban(lv('#####\n#@* #\n#####'))).toMatchObject({ status: 'solved', moves: 0, actions: [] });
  });

  it('matches an exhaustive BFS on generated levels (fewest moves)', () => {
    for (let seed = 0; seed < 25; seed++) {
      const level = generateLevel({ width: 6 + (seed % 2), height: 6, boxes: 1 + (seed % 3 === 0 ? 1 : 0) }, 1000 + seed);
      const r = solveSokoban(level);
      expect(r.moves).toBe(bfsOptimal(level));
      expect(play(level, r.actions).solved).toBe(true);
    }
  });

  it('reports unsolvable levels: dead corner, walled-off target, boxes locked together', () => {
    const corner = solveSokoban(lv('#####\n#@ $#\n#.  #\n#####'));
    expect(corner.status).toBe('unsolvable');
    expect(corner.reason).toMatch(/dead square/);
    expect(solveSokoban(lv('#######\n#@$ #.#\n#######')).status).toBe('unsolvable');
    // A 2x2 block of boxes can never move; found by exhausting the search.
    const block = lv('#######\n#     #\n# $$  #\n# $$  #\n#@....#\n#######');
    expect(bfsOptimal(block)).toBe(null);
    expect(solveSokoban(block).status).toBe('unsolvable');
    // Unsolvable only after search (two boxes that must pass each other in a corridor).
    const corridor = lv('########\n#@ $ $ #\n###.#.##\n########');
    expect(bfsOptimal(corridor)).toBe(null);
    expect(solveSokoban(corridor).status).toBe('unsolvable');
  });

  it('says budget-exceeded (not unsolvable) when the node budget runs out', () => {
    const level = generateLevel({ width: 10, height: 10, boxes: 4, minSolutionLength: 30 }, 5);
    const r = solveSokoban(level, { maxNodes: 20 });
    expect(r.status).toBe('budget-exceeded');
    expect(r.actions).toEqual([]);
    expect(r.moves).toBe(-1);
    const full = solveSokoban(level);
    expect(full.status).toBe('solved');
    expect(full.moves).toBe(level.optimalMoves);
  });
});
