import { Rng } from '../core/rng.js';

/** Gymnasium's FrozenLake maps: S start, F frozen, H hole, G goal. */
export const FROZEN_LAKE_MAPS: Readonly<Record<string, readonly string[]>> = {
  '4x4': ['SFFF', 'FHFH', 'FFFH', 'HFFG'],
  '8x8': ['SFFFFFFF', 'FFFFFFFF', 'FFFHFFFF', 'FFFFFHFF', 'FFFHFFFF', 'FHHFFFHF', 'FHFFHFHF', 'FFFHFFFG'],
};

/** True when G can be reached from S moving through non-hole cells. */
export function hasPath(desc: readonly string[]): boolean {
  const rows = desc.length, cols = desc[0]!.length;
  const seen = new Uint8Array(rows * cols);
  const stack: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (desc[r]![c] === 'S') { stack.push(r * cols + c); seen[r * cols + c] = 1; }
  while (stack.length) {
    const cell = stack.pop()!;
    const r = Math.floor(cell / cols), c = cell % cols;
    if (desc[r]![c] === 'G') return true;
    for (const [dr, dc] of [[0, 1], [1, 0], [0, -1], [-1, 0]] as const) {
      const nr = r + dr, nc = c + dc;
      if (nr < 0 || nc < 0 || nr >= rows || nc >= cols || desc[nr]![nc] === 'H') continue;
      const n = nr * cols + nc;
      if (!seen[n]) { seen[n] = 1; stack.push(n); }
    }
  }
  return false;
}

/** A random size x size map with a path from S (top-left) to G (bottom-right). */
export function generateRandomMap(size: number, frozenProbability: number, rng: Rng): string[] {
  for (;;) {
    const grid = Array.from({ length: size }, () => Array.from({ length: size }, (): string => (rng.next() < frozenProbability ? 'F' : 'H')));
    grid[0]![0] = 'S';
    grid[size - 1]![size - 1] = 'G';
    const desc = grid.map((row) => row.join(''));
    if (hasPath(desc)) return desc;
  }
}
