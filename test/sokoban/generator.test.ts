import { describe, expect, it } from 'vitest';
import { SOKOBAN_CELL as CELL, SokobanGenerationError, defaultMinFloor, formatLevel, generateLevel, levelBoxes, levelPlayer, levelSolved, make, solveSokoban, sokobanEnvOf, type SokobanLevel } from './api.js';
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
      // 5 boxes off target do not fit a 5x5 room: that case needs allowBoxOnTarget.
      const allowBoxOnTarget = w * h === 25 && b === 5;
      for (let seed = 0; seed < 4; seed++) {
        const level = generateLevel({ width: w, height: h, boxes: b, allowBoxOnTarget }, seed);
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

  // Issue 18: 34 of 300 7x7/2 levels (185 of 300 at 12x12/5) started with a box on its target.
  it('no box starts on its target by default; allowBoxOnTarget lets them', () => {
    const onTarget = (l: SokobanLevel) => l.cells.includes(CELL.BOX_ON_TARGET);
    for (const [w, b, n] of [[7, 2, 100], [8, 3, 30], [12, 5, 8]] as const) {
      for (let seed = 0; seed < n; seed++) expect(onTarget(generateLevel({ width: w, height: w, boxes: b }, seed)), `${w}x${w}/${b} seed ${seed}`).toBe(false);
    }
    const allowed = Array.from({ length: 100 }, (_, seed) => generateLevel({ width: 7, height: 7, boxes: 2, allowBoxOnTarget: true }, seed));
    expect(allowed.filter(onTarget).length).toBeGreaterThan(0);
    const env = make('Sokoban-v0', { width: 7, height: 7, boxes: 2, allowBoxOnTarget: true });
    const starts = Array.from({ length: 100 }, (_, seed) => { env.reset({ seed: 0, options: { levelSeed: seed } }); return sokobanEnvOf(env).initialLevel(); });
    expect(starts.map(formatLevel)).toEqual(allowed.map(formatLevel));
  });

  // Issue 18: 7x7/2 seed 14 was a room of two floor rows (4 of 7 rows solid wall).
  it('rooms have at least minFloor reachable floor cells (default defaultMinFloor)', () => {
    const reachable = (l: SokobanLevel): number => {
      const seen = new Set([levelPlayer(l)]);
      for (const q = [levelPlayer(l)]; q.length;) {
        const x = q.pop()!;
        for (const d of [-1, 1, -l.width, l.width]) if (l.cells[x + d] !== CELL.WALL && !seen.has(x + d)) { seen.add(x + d); q.push(x + d); }
      }
      return seen.size;
    };
    const floorRows = (l: SokobanLevel) => Array.from({ length: l.height }, (_, r) => l.cells.subarray(r * l.width, (r + 1) * l.width).some((c) => c !== CELL.WALL)).filter(Boolean).length;
    expect(defaultMinFloor(6, 6, 1)).toBe(7); // unchanged for 6x6 one-box levels
    expect(defaultMinFloor(7, 7, 2)).toBe(11);
    expect(defaultMinFloor(12, 12, 5)).toBe(40);
    for (let seed = 0; seed < 100; seed++) {
      const l = generateLevel({ width: 7, height: 7, boxes: 2 }, seed);
      expect(reachable(l), `seed ${seed}`).toBe(l.cells.filter((c) => c !== CELL.WALL).length);
      expect(reachable(l), `seed ${seed}`).toBeGreaterThanOrEqual(11);
      expect(floorRows(l), `seed ${seed}`).toBeGreaterThanOrEqual(3);
    }
    for (let seed = 0; seed < 20; seed++) expect(reachable(generateLevel({ width: 7, height: 7, boxes: 2, minFloor: 18 }, seed))).toBeGreaterThanOrEqual(18);
  });

  it('rejects bad options and impossible difficulty with typed errors', () => {
    expect(() => generateLevel({ minFloor: 4 })).toThrow(/minFloor must be an integer in \[5, 16\]/);
    expect(() => generateLevel({ minFloor: 17 })).toThrow(/minFloor must be an integer in \[5, 16\]/);
    expect(() => generateLevel({ width: 5, height: 5, boxes: 4 })).toThrow(/too small for 4 boxes that all start off target .*allowBoxOnTarget: true/);
    expect(() => generateLevel({ allowBoxOnTarget: 'yes' as never })).toThrow(/allowBoxOnTarget must be true or false/);
    expect(() => make('Sokoban-v0', { width: 6, height: 6, boxes: 5 })).toThrow(/too small for 5 boxes that all start off target/);
    expect(() => generateLevel({ width: 4 })).toThrow(SokobanGenerationError);
    expect(() => generateLevel({ boxes: 6 })).toThrow(/boxes must be an integer in \[1, 5\]/);
    expect(() => generateLevel({ minSolutionLength: 500, maxAttempts: 3 }, 1)).toThrow(/no 6x6 level/);
    expect(() => generateLevel({}, -1)).toThrow(/seed/);
  });
});
