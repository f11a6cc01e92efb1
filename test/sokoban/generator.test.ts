import { describe, expect, it } from 'vitest';
import { SokobanGenerationError, formatLevel, generateLevel, levelBoxes, levelSolved, solveSokoban } from './api.js';
import { bfsOptimal } from './helpers.js';

describe('generateLevel', () => {
  it('6x6 one-box levels are solvable in exactly their optimalMoves (exhaustive BFS)', () => {
    for (let seed = 0; seed < 60; seed++) {
      const level = generateLevel({}, seed);
      expect(level.optimalMoves).toBeGreaterThan(0);
      expect(bfsOptimal(level)).toBe(level.optimalMoves);
    }
  });

  it('every size 5..12 and 1..5 boxes gives solvable levels whose optimalMoves the solver confirms', () => {
    const cases: [number, number, number][] = [[5, 5, 1], [5, 5, 2], [6, 7, 2], [7, 7, 3], [8, 8, 3], [9, 9, 4], [10, 10, 4], [12, 12, 5], [12, 5, 2], [5, 5, 5]];
    for (const [w, h, b] of cases) {
      for (let seed = 0; seed < 4; seed++) {
        const level = generateLevel({ width: w, height: h, boxes: b }, seed);
        expect([level.width, level.height, levelBoxes(level).length]).toEqual([w, h, b]);
        expect(levelSolved(level)).toBe(false);
        const r = solveSokoban(level);
        expect(r.status, `${w}x${h}/${b} seed ${seed}`).toBe('solved');
        expect(r.moves, `${w}x${h}/${b} seed ${seed}`).toBe(level.optimalMoves);
      }
    }
  });

  it('is deterministic per seed and varies across seeds', () => {
    const a = generateLevel({ width: 8, height: 8, boxes: 2 }, 42), b = generateLevel({ width: 8, height: 8, boxes: 2 }, 42);
    expect(formatLevel(a)).toBe(formatLevel(b));
    expect(a.optimalMoves).toBe(b.optimalMoves);
    const texts = new Set(Array.from({ length: 20 }, (_, s) => formatLevel(generateLevel({}, s))));
    expect(texts.size).toBeGreaterThan(15);
  });

  it('respects minSolutionLength and maxSolutionLength', () => {
    for (let seed = 0; seed < 10; seed++) {
      expect(generateLevel({ minSolutionLength: 12 }, seed).optimalMoves).toBeGreaterThanOrEqual(12);
      const easy = generateLevel({ width: 8, height: 8, boxes: 2, maxSolutionLength: 6 }, seed);
      expect(easy.optimalMoves).toBeLessThanOrEqual(6);
      expect(solveSokoban(easy).moves).toBe(easy.optimalMoves);
    }
  });

  it('rejects bad options and impossible difficulty with typed errors', () => {
    expect(() => generateLevel({ width: 4 })).toThrow(SokobanGenerationError);
    expect(() => generateLevel({ boxes: 6 })).toThrow(/boxes must be an integer in \[1, 5\]/);
    expect(() => generateLevel({ minSolutionLength: 500, maxAttempts: 3 }, 1)).toThrow(/no 6x6 level/);
    expect(() => generateLevel({}, -1)).toThrow(/seed/);
  });
});
