// Test helpers: an independent brute-force solver (plain BFS over whole positions,
// stepping with the game rules) to check the optimal solver and the generator against.
import { SokobanGame, parseLevel, type SokobanLevel } from './api.js';

export const lv = (text: string): SokobanLevel => parseLevel(text);

/** Fewest moves to solve `level` by exhaustive BFS (null: unsolvable; throws past `limit` states). */
export function bfsOptimal(level: SokobanLevel, limit = 200_000): number | null {
  const game = new SokobanGame(level);
  if (game.solved) return 0;
  const key = (cells: Uint8Array): string => String.fromCharCode(...cells);
  const seen = new Set<string>([key(game.cells)]);
  let frontier: Uint8Array[] = [new Uint8Array(game.cells)];
  for (let depth = 1; frontier.length; depth++) {
    const next: Uint8Array[] = [];
    for (const cells of frontier) {
      for (let a = 0; a < 4; a++) {
        game.load({ ...level, cells });
        game.move(a);
        if (!game.lastValid) continue;
        if (game.solved) return depth;
        const k = key(game.cells);
        if (seen.has(k)) continue;
        seen.add(k);
        if (seen.size > limit) throw new Error('bfsOptimal: state limit');
        next.push(new Uint8Array(game.cells));
      }
    }
    frontier = next;
  }
  return null;
}

/** Replay actions on a level; returns the game after them. */
export function play(level: SokobanLevel, actions: readonly number[]): SokobanGame {
  const g = new SokobanGame(level);
  for (const a of actions) g.move(a);
  return g;
}
