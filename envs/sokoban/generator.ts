import { LmmGymError } from '../core/errors.js';
import { Rng, validateSeed } from '../core/rng.js';
import { StateTable, replaceSorted } from './state-table.js';
import { CELL, type SokobanLevel } from './level.js';

export interface GenerateOptions {
  /** Grid size including the outer wall ring, 5..12 each (default 6 x 6). */
  width?: number;
  height?: number;
  /** Boxes, 1..5 (default 1). */
  boxes?: number;
  /** Minimum optimal solution length in moves (default 1): the difficulty knob. */
  minSolutionLength?: number;
  /** Maximum optimal solution length in moves (default: none, the hardest start found). */
  maxSolutionLength?: number | null;
  /** Most states of the reverse search per room (default 40,000); bounds the time per level. */
  searchStates?: number;
  /** Rooms to try before giving up with SokobanGenerationError (default 200). */
  maxAttempts?: number;
}

/** No level met the options within `maxAttempts` rooms. */
export class SokobanGenerationError extends LmmGymError {}

export const GENERATOR_LIMITS = { minSize: 5, maxSize: 12, minBoxes: 1, maxBoxes: 5 } as const;

/** Check generator options; returns a message or null. */
export function generateOptionsProblem(o: GenerateOptions): string | null {
  const { minSize, maxSize, minBoxes, maxBoxes } = GENERATOR_LIMITS;
  for (const key of ['width', 'height'] as const) {
    const v = o[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < minSize || v > maxSize)) return `${key} must be an integer in [${minSize}, ${maxSize}], got ${JSON.stringify(v)}`;
  }
  if (o.boxes !== undefined && (!Number.isSafeInteger(o.boxes) || o.boxes < minBoxes || o.boxes > maxBoxes)) return `boxes must be an integer in [${minBoxes}, ${maxBoxes}], got ${JSON.stringify(o.boxes)}`;
  const w = o.width ?? 6, h = o.height ?? 6, b = o.boxes ?? 1;
  if ((w - 2) * (h - 2) < b + 4) return `a ${w}x${h} room is too small for ${b} boxes (needs (width-2)*(height-2) >= boxes + 4)`;
  if (o.minSolutionLength !== undefined && (!Number.isSafeInteger(o.minSolutionLength) || o.minSolutionLength < 1 || o.minSolutionLength > 1000)) return `minSolutionLength must be an integer in [1, 1000], got ${JSON.stringify(o.minSolutionLength)}`;
  const max = o.maxSolutionLength;
  if (max !== undefined && max !== null && (!Number.isSafeInteger(max) || max < (o.minSolutionLength ?? 1))) return `maxSolutionLength must be null or an integer >= minSolutionLength, got ${JSON.stringify(max)}`;
  if (o.searchStates !== undefined && (!Number.isSafeInteger(o.searchStates) || o.searchStates < 100)) return `searchStates must be an integer >= 100, got ${JSON.stringify(o.searchStates)}`;
  if (o.maxAttempts !== undefined && (!Number.isSafeInteger(o.maxAttempts) || o.maxAttempts < 1)) return `maxAttempts must be a positive integer, got ${JSON.stringify(o.maxAttempts)}`;
  return null;
}

const DR = [-1, 1, 0, 0];
const DC = [0, 0, -1, 1];
// Carving brushes (3x3, centre = the walker): a row, a column and L / square shapes.
const BRUSHES: readonly (readonly number[])[] = [
  [0, 0, 0, 1, 1, 1, 0, 0, 0],
  [0, 1, 0, 0, 1, 0, 0, 1, 0],
  [0, 0, 0, 1, 1, 0, 0, 1, 0],
  [0, 0, 0, 1, 1, 0, 1, 1, 0],
  [0, 0, 0, 0, 1, 1, 0, 1, 0],
];

/**
 * Generate a solvable level with its exact optimal solution length.
 *
 * 1. Carve a room: a random walk inside the wall ring stamping small brushes (as
 *    gym-sokoban does), then put the targets on random floor cells.
 * 2. Search BACKWARDS from every solved position (boxes on targets, player on any free
 *    cell) by breadth-first search over reverse moves: the player steps, optionally
 *    pulling the box behind it. A position's BFS depth is exactly its fewest-moves
 *    distance to a solved position, so every position found is solvable and its
 *    optimal solution length is known without running the solver.
 * 3. Start from the deepest position found (ties broken at random) within
 *    [minSolutionLength, maxSolutionLength]; otherwise try a new room.
 *
 * Deterministic per `seed`. `level.optimalMoves` is the fewest-moves solution length,
 * the same measure `solveSokoban` minimises.
 */
export function generateLevel(options: GenerateOptions = {}, seed = 0): SokobanLevel {
  const problem = generateOptionsProblem(options);
  if (problem) throw new SokobanGenerationError(`bad generator options: ${problem}`);
  validateSeed(seed);
  const width = options.width ?? 6, height = options.height ?? 6, boxes = options.boxes ?? 1;
  const minLen = options.minSolutionLength ?? 1;
  const maxLen = options.maxSolutionLength ?? null;
  const searchStates = options.searchStates ?? 40_000;
  const attempts = options.maxAttempts ?? 200;
  const rng = new Rng(seed);
  const gen = new ReverseSearch(width, height, boxes, searchStates);
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (!gen.carve(rng)) continue;
    const found = gen.deepest(rng, minLen, maxLen);
    if (found) {
      const level = gen.toLevel(found.state, found.depth);
      level.id = `gen:${width}x${height}:${boxes}:${seed}`;
      return level;
    }
  }
  throw new SokobanGenerationError(`no ${width}x${height} level with ${boxes} box${boxes > 1 ? 'es' : ''} and optimal length in [${minLen}, ${maxLen ?? 'inf'}] found in ${attempts} rooms (seed ${seed}); lower minSolutionLength or raise searchStates`);
}

/** Reusable buffers for carving rooms and searching them backwards. */
class ReverseSearch {
  private readonly N: number;
  readonly wall: Uint8Array;
  readonly target: Uint8Array;
  private targets: number[] = [];
  private readonly deltas: readonly number[];
  private readonly boxAt: Uint8Array;
  private depth = new Int32Array(1024);

  constructor(readonly width: number, readonly height: number, readonly boxes: number, readonly maxStates: number) {
    this.N = width * height;
    this.wall = new Uint8Array(this.N);
    this.target = new Uint8Array(this.N);
    this.boxAt = new Uint8Array(this.N);
    this.deltas = [-width, width, -1, 1];
  }

  /** Carve a random room and place the targets; false when the room came out too small. */
  carve(rng: Rng): boolean {
    const { width: w, height: h, wall, target } = this;
    wall.fill(1);
    target.fill(0);
    let r = rng.intBetween(1, h - 2), c = rng.intBetween(1, w - 2);
    let dir = rng.int(4);
    const steps = Math.floor(1.7 * (w + h));
    for (let s = 0; s < steps; s++) {
      if (rng.next() < 0.35) dir = rng.int(4);
      const brush = BRUSHES[rng.int(BRUSHES.length)]!;
      for (let i = 0; i < 9; i++) {
        if (!brush[i]) continue;
        const rr = r + Math.floor(i / 3) - 1, cc = c + (i % 3) - 1;
        if (rr >= 1 && cc >= 1 && rr <= h - 2 && cc <= w - 2) wall[rr * w + cc] = 0;
      }
      r = Math.min(h - 2, Math.max(1, r + DR[dir]!));
      c = Math.min(w - 2, Math.max(1, c + DC[dir]!));
    }
    const floor: number[] = [];
    for (let i = 0; i < this.N; i++) if (!wall[i]) floor.push(i);
    // Too cramped rooms make trivial puzzles: ask for 40% of the interior as floor.
    if (floor.length < Math.max(this.boxes + 4, Math.ceil(0.4 * (w - 2) * (h - 2)))) return false;
    rng.shuffle(floor);
    this.targets = floor.slice(0, this.boxes).sort((a, b) => a - b);
    for (const t of this.targets) target[t] = 1;
    return true;
  }

  /**
   * BFS backwards from the solved positions; returns the deepest unsolved position with
   * depth in [minLen, maxLen] (ties at random), or null.
   */
  deepest(rng: Rng, minLen: number, maxLen: number | null): { state: Uint16Array; depth: number } | null {
    const { boxes: k, wall, deltas, boxAt } = this;
    const stride = k + 1;
    const table = new StateTable(stride, Math.min(this.maxStates, 1 << 14));
    const s = new Uint16Array(stride);
    for (let i = 0; i < k; i++) s[i + 1] = this.targets[i]!;
    for (let p = 0; p < this.N; p++) {
      if (wall[p] || this.target[p]) continue;
      s[0] = p;
      table.insert(s);
    }
    const roots = table.size;
    this.ensureDepth(roots);
    this.depth.fill(0, 0, roots);
    let bestDepth = -1, bestCount = 0, best = -1;
    const child = new Uint16Array(stride);
    for (let id = 0; id < table.size; id++) {
      const d = this.depth[id]!;
      if (maxLen !== null && d >= maxLen) break; // children would be too deep
      if (table.size >= this.maxStates) break;
      const base = id * stride;
      const pool = table.pool;
      const player = pool[base]!;
      for (let i = 1; i <= k; i++) boxAt[pool[base + i]!] = 1;
      for (let dir = 0; dir < 4; dir++) {
        const delta = deltas[dir]!;
        const q = player + delta;
        if (wall[q] || boxAt[q]) continue;
        // Step back without pulling.
        for (let j = 0; j < stride; j++) child[j] = table.pool[base + j]!;
        child[0] = q;
        if (table.insert(child) >= 0) { this.ensureDepth(table.size); this.depth[table.size - 1] = d + 1; }
        // Step back pulling the box on the other side (forward: a push).
        const behind = player - delta;
        if (boxAt[behind]) {
          child[0] = q;
          replaceSorted(child, 1, k, behind, player);
          if (table.insert(child) >= 0) { this.ensureDepth(table.size); this.depth[table.size - 1] = d + 1; }
        }
      }
      for (let i = 1; i <= k; i++) boxAt[table.pool[base + i]!] = 0;
    }
    // Pick the position with the most boxes off target, then the deepest (reservoir
    // sampling among ties): a start with boxes already home makes a dull puzzle.
    const pool = table.pool;
    let bestOff = 0;
    for (let id = table.size - 1; id >= roots; id--) {
      const d = this.depth[id]!;
      if (d < minLen || (maxLen !== null && d > maxLen)) continue;
      let off = 0;
      for (let i = 1; i <= k; i++) if (!this.target[pool[id * stride + i]!]) off++;
      if (off === 0 || off < bestOff || (off === bestOff && d < bestDepth)) continue;
      if (off > bestOff || d > bestDepth) { bestOff = off; bestDepth = d; bestCount = 0; }
      bestCount++;
      if (rng.int(bestCount) === 0) best = id;
    }
    if (best < 0) return null;
    return { state: pool.slice(best * stride, best * stride + stride), depth: bestDepth };
  }

  private ensureDepth(n: number): void {
    if (n <= this.depth.length) return;
    let cap = this.depth.length;
    while (cap < n) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.depth);
    this.depth = next;
  }

  toLevel(state: Uint16Array, depth: number): SokobanLevel {
    const cells = new Uint8Array(this.N);
    for (let i = 0; i < this.N; i++) cells[i] = this.wall[i] ? CELL.WALL : this.target[i] ? CELL.TARGET : CELL.FLOOR;
    for (let i = 1; i < state.length; i++) cells[state[i]!] = this.target[state[i]!] ? CELL.BOX_ON_TARGET : CELL.BOX;
    const p = state[0]!;
    cells[p] = this.target[p] ? CELL.PLAYER_ON_TARGET : CELL.PLAYER;
    return { width: this.width, height: this.height, cells, optimalMoves: depth };
  }
}

/** `count` levels with seeds firstSeed, firstSeed + 1, ... (ids `gen:WxH:B:<seed>`). */
export function generateLevels(options: GenerateOptions, count: number, firstSeed = 0): SokobanLevel[] {
  const out: SokobanLevel[] = [];
  for (let i = 0; i < count; i++) out.push(generateLevel(options, firstSeed + i));
  return out;
}
