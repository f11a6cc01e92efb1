import { LmmGymError } from '../core/errors.js';
import { Rng, validateSeed } from '../core/rng.js';
import { StateTable, replaceSorted, withCapacity } from './state-table.js';
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
  /** Most positions settled by the reverse search per room (default 3,000); bounds the time per level on big rooms. */
  searchStates?: number;
  /** Rooms to try before giving up with SokobanGenerationError (default 200). */
  maxAttempts?: number;
  /**
   * Let a start have boxes already on their targets (default false: every box starts off
   * target, as in gym-sokoban and Boxoban; the start with the most boxes off target is
   * still preferred when allowed).
   */
  allowBoxOnTarget?: boolean;
  /**
   * Fewest floor cells a room must have (default `defaultMinFloor`). The carved floor is
   * one connected region, so every floor cell is reachable. In [boxes + 4, (width-2)*(height-2)].
   */
  minFloor?: number;
}

/** No level met the options within `maxAttempts` rooms. */
export class SokobanGenerationError extends LmmGymError {}

export const GENERATOR_LIMITS = { minSize: 5, maxSize: 12, minBoxes: 1, maxBoxes: 5 } as const;

/**
 * The default `minFloor` of a width x height room with `boxes` boxes: 40% of the interior
 * (too cramped rooms make trivial puzzles), and 5 cells per box + 1 (room to push each
 * box: below it a 7x7 room with 2 boxes can be two rows of floor, where no box moves up
 * or down) but at most 60% of the interior, about what a carve gives (so rooms are still
 * found quickly); never below boxes + 4. 6x6 with one box: 7, as before this rule.
 */
export function defaultMinFloor(width: number, height: number, boxes: number): number {
  const interior = (width - 2) * (height - 2);
  return Math.max(boxes + 4, Math.ceil(0.4 * interior), Math.min(5 * boxes + 1, Math.ceil(0.6 * interior)));
}

/** Check generator options; returns a message or null. */
export function generateOptionsProblem(o: GenerateOptions): string | null {
  const { minSize, maxSize, minBoxes, maxBoxes } = GENERATOR_LIMITS;
  for (const key of ['width', 'height'] as const) {
    const v = o[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < minSize || v > maxSize)) return `${key} must be an integer in [${minSize}, ${maxSize}], got ${JSON.stringify(v)}`;
  }
  if (o.boxes !== undefined && (!Number.isSafeInteger(o.boxes) || o.boxes < minBoxes || o.boxes > maxBoxes)) return `boxes must be an integer in [${minBoxes}, ${maxBoxes}], got ${JSON.stringify(o.boxes)}`;
  const w = o.width ?? 6, h = o.height ?? 6, b = o.boxes ?? 1;
  if (o.allowBoxOnTarget !== undefined && typeof o.allowBoxOnTarget !== 'boolean') return `allowBoxOnTarget must be true or false, got ${JSON.stringify(o.allowBoxOnTarget)}`;
  if ((w - 2) * (h - 2) < b + 4) return `a ${w}x${h} room is too small for ${b} boxes (needs (width-2)*(height-2) >= boxes + 4)`;
  // Every box off target needs room for the boxes, their targets and moves (5x5 with 4 boxes cannot, 6x6 with 5 rarely does).
  if (!o.allowBoxOnTarget && (w - 2) * (h - 2) < 3 * b + 2) return `a ${w}x${h} room is too small for ${b} boxes that all start off target (needs (width-2)*(height-2) >= 3 * boxes + 2); pass allowBoxOnTarget: true or a bigger room`;
  if (o.minSolutionLength !== undefined && (!Number.isSafeInteger(o.minSolutionLength) || o.minSolutionLength < 1 || o.minSolutionLength > 1000)) return `minSolutionLength must be an integer in [1, 1000], got ${JSON.stringify(o.minSolutionLength)}`;
  const max = o.maxSolutionLength;
  if (max !== undefined && max !== null && (!Number.isSafeInteger(max) || max < (o.minSolutionLength ?? 1))) return `maxSolutionLength must be null or an integer >= minSolutionLength, got ${JSON.stringify(max)}`;
  if (o.searchStates !== undefined && (!Number.isSafeInteger(o.searchStates) || o.searchStates < 100)) return `searchStates must be an integer >= 100, got ${JSON.stringify(o.searchStates)}`;
  if (o.maxAttempts !== undefined && (!Number.isSafeInteger(o.maxAttempts) || o.maxAttempts < 1)) return `maxAttempts must be a positive integer, got ${JSON.stringify(o.maxAttempts)}`;
  const interior = (w - 2) * (h - 2);
  if (o.minFloor !== undefined && (!Number.isSafeInteger(o.minFloor) || o.minFloor < b + 4 || o.minFloor > interior)) return `minFloor must be an integer in [${b + 4}, ${interior}] for a ${w}x${h} room with ${b} box${b > 1 ? 'es' : ''}, got ${JSON.stringify(o.minFloor)}`;
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
 *    gym-sokoban does), then put the targets on random floor cells. A room with fewer
 *    than `minFloor` floor cells is dropped.
 * 2. Search BACKWARDS from the solved position (boxes on targets, player anywhere):
 *    Dijkstra over pulls, where an edge walks the player to a box and pulls it one
 *    cell, costing the walk + 1 moves. Every position found is solvable, and its
 *    fewest-moves distance to the solved position is known exactly (see `deepest`),
 *    so the optimal solution length comes without running the solver.
 * 3. Start from the position with every box off target (unless `allowBoxOnTarget`: the
 *    most boxes off target), then the longest optimal solution within
 *    [minSolutionLength, maxSolutionLength]; otherwise try a new room.
 *    `searchStates` bounds the search (and so the time per level) on big rooms.
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
  const searchStates = options.searchStates ?? 3_000;
  const attempts = options.maxAttempts ?? 200;
  const rng = new Rng(seed);
  const minFloor = options.minFloor ?? defaultMinFloor(width, height, boxes);
  const gen = new ReverseSearch(width, height, boxes, searchStates, minFloor, options.allowBoxOnTarget ? 1 : boxes);
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
  private cost = new Int32Array(1024);
  private settled = new Uint8Array(1024);
  private readonly region: Uint8Array;
  private readonly dist: Int32Array;
  private readonly stamp: Uint32Array;
  private stampValue = 0;
  private readonly queue: Int32Array;
  private readonly vBuffer: Int32Array;

  /** `minOff`: fewest boxes off target in a start (boxes, or 1 when boxes may start on targets). */
  constructor(readonly width: number, readonly height: number, readonly boxes: number, readonly maxStates: number, readonly minFloor: number, readonly minOff: number) {
    this.N = width * height;
    this.wall = new Uint8Array(this.N);
    this.target = new Uint8Array(this.N);
    this.boxAt = new Uint8Array(this.N);
    this.region = new Uint8Array(this.N);
    this.dist = new Int32Array(this.N);
    this.stamp = new Uint32Array(this.N);
    this.queue = new Int32Array(this.N);
    this.vBuffer = new Int32Array(this.N);
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
    // Too cramped rooms make trivial or one-dimensional puzzles (see defaultMinFloor).
    if (floor.length < this.minFloor) return false;
    rng.shuffle(floor);
    this.targets = floor.slice(0, this.boxes).sort((a, b) => a - b);
    for (const t of this.targets) target[t] = 1;
    return true;
  }

  /**
   * Search backwards from the solved positions (Dijkstra over pulls; an edge = walk to a
   * box, pull it one cell, costing the walk + 1) and return the start with the most
   * boxes off target, then the longest optimal solution within [minLen, maxLen].
   *
   * A state is (player cell right after a pull, box cells); its settled cost c is the
   * fewest moves of a reverse path ending with that pull. A start (B, a) can also be
   * reached by ending elsewhere and walking, so its exact optimal length is
   * v = min over settled states (B, x) of c(B, x) + walk(x, a). Every state not settled
   * when the budget stops the search costs at least the last settled cost F >= v, so
   * v is exact.
   */
  deepest(rng: Rng, minLen: number, maxLen: number | null): { state: Uint16Array; depth: number } | null {
    const { boxes: k, wall, deltas, boxAt } = this;
    const stride = k + 1;
    const table = new StateTable(stride, 256);
    const s = new Uint16Array(stride);
    for (let i = 0; i < k; i++) s[i + 1] = this.targets[i]!;
    // Roots: the solved position, one per region the player can be in (walking there is free).
    for (const t of this.targets) boxAt[t] = 1;
    const region = this.region;
    region.fill(0);
    let regions = 0;
    for (let p = 0; p < this.N; p++) {
      if (wall[p] || boxAt[p] || region[p]) continue;
      this.flood(p);
      regions++;
      for (let i = 0; i < this.N; i++) if (this.stamp[i] === this.stampValue) region[i] = regions;
      s[0] = p;
      table.insert(s);
    }
    for (const t of this.targets) boxAt[t] = 0;
    const roots = table.size;
    this.ensure(roots);
    this.cost.fill(0, 0, roots);
    this.settled.fill(0, 0, roots);
    const buckets: number[][] = [[]];
    for (let id = 0; id < roots; id++) buckets[0]!.push(id);
    const order: number[] = [];
    let f = 0;
    let cutAt = Infinity; // cost of the last settled state when the budget stopped the search
    const child = new Uint16Array(stride);
    search: for (; f < buckets.length; f++) {
      const bucket = buckets[f];
      if (!bucket) continue;
      while (bucket.length) {
        const id = bucket.pop()!;
        if (this.settled[id] || this.cost[id] !== f) continue;
        this.settled[id] = 1;
        order.push(id);
        if (order.length >= this.maxStates) { cutAt = f; break search; }
        if (maxLen !== null && f >= maxLen) continue; // children would be too long
        const base = id * stride;
        for (let i = 1; i <= k; i++) boxAt[table.pool[base + i]!] = 1;
        this.flood(table.pool[base]!);
        const stamp = this.stampValue;
        const isRoot = id < roots;
        for (let i = 1; i <= k; i++) {
          const b = table.pool[base + i]!;
          for (let dir = 0; dir < 4; dir++) {
            const d = deltas[dir]!;
            const e = b + d, to = e + d; // stand at e, step to `to`, the box follows to e
            if (this.stamp[e] !== stamp || wall[to] || boxAt[to]) continue;
            const c = f + (isRoot ? 0 : this.dist[e]!) + 1;
            for (let j = 0; j < stride; j++) child[j] = table.pool[base + j]!;
            child[0] = to;
            replaceSorted(child, 1, k, b, e);
            const r = table.insert(child);
            let cid: number;
            if (r >= 0) { cid = r; this.ensure(table.size); this.settled[cid] = 0; }
            else { cid = -r - 1; if (this.settled[cid] || this.cost[cid]! <= c) continue; }
            this.cost[cid] = c;
            (buckets[c] ??= []).push(cid);
          }
        }
        for (let i = 1; i <= k; i++) boxAt[table.pool[base + i]!] = 0;
      }
    }
    // Lengths above the cut could be shortened through states never settled: not exact.
    const cap = Math.min(maxLen ?? Infinity, cutAt);
    return this.pickStart(table, roots, order, minLen, cap, rng);
  }

  /** The start with the most boxes off target (at least minOff), then the longest exact optimal length v in range. */
  private pickStart(table: StateTable, roots: number, order: readonly number[], minLen: number, maxLen: number, rng: Rng): { state: Uint16Array; depth: number } | null {
    const k = this.boxes, stride = k + 1, pool = table.pool;
    // Group settled states by box placement (linked lists through `next`).
    const byBoxes = new StateTable(k, order.length);
    const head: number[] = [];
    const next = new Int32Array(table.size).fill(-1);
    const offCount = (id: number): number => {
      let off = 0;
      for (let i = 1; i <= k; i++) if (!this.target[pool[id * stride + i]!]) off++;
      return off;
    };
    const candidates: number[] = [];
    const groupOf = new Int32Array(table.size);
    for (const id of order) {
      let g = byBoxes.insert(pool, id * stride + 1);
      if (g < 0) g = -g - 1;
      groupOf[id] = g;
      next[id] = head[g] ?? -1;
      head[g] = id;
      if (id >= roots && this.cost[id]! >= minLen && offCount(id) >= this.minOff) candidates.push(id);
    }
    // Most boxes off target first, then the highest cost (an upper bound of v); random among equals.
    const key = candidates.map((id) => offCount(id) * 1e6 + this.cost[id]! + rng.next() * 0.5);
    const idx = candidates.map((_, i) => i).sort((a, b) => key[b]! - key[a]!);
    let best = -1, bestV = -1, bestOff = 0;
    for (let n = 0; n < idx.length && n < 4000; n++) {
      const id = candidates[idx[n]!]!;
      const off = offCount(id);
      // Sorted by (off, cost) and v <= cost: nothing later can beat the best.
      if (best >= 0 && (off < bestOff || this.cost[id]! <= bestV)) break;
      const v = this.exactLength(table, id, head[groupOf[id]!]!, next);
      if (v < minLen || v > maxLen) continue;
      if (best < 0 || v > bestV) { best = id; bestV = v; bestOff = off; }
    }
    if (best < 0) return null;
    return this.farthestPlayer(table, best, head[groupOf[best]!]!, next, maxLen);
  }

  /**
   * With the boxes of state `id` fixed, move the player to the free cell whose exact
   * optimal length v(B, p) = min over settled (B, x) of cost + walk(x, p) is largest
   * (within maxLen): the walk to the first push is part of the puzzle's length too.
   */
  private farthestPlayer(table: StateTable, id: number, first: number, next: Int32Array, maxLen: number): { state: Uint16Array; depth: number } {
    const k = this.boxes, stride = k + 1, pool = table.pool, N = this.N;
    const v = this.vBuffer;
    v.fill(0x7fffffff);
    for (let i = 1; i <= k; i++) this.boxAt[pool[id * stride + i]!] = 1;
    for (let x = first; x >= 0; x = next[x]!) {
      this.flood(pool[x * stride]!);
      const c = this.cost[x]!, stamp = this.stampValue;
      for (let p = 0; p < N; p++) if (this.stamp[p] === stamp && c + this.dist[p]! < v[p]!) v[p] = c + this.dist[p]!;
    }
    for (let i = 1; i <= k; i++) this.boxAt[pool[id * stride + i]!] = 0;
    let bestCell = pool[id * stride]!, bestV = v[bestCell]!;
    for (let p = 0; p < N; p++) {
      const vp = v[p]!;
      if (vp !== 0x7fffffff && vp > bestV && vp <= maxLen) { bestV = vp; bestCell = p; }
    }
    const state = pool.slice(id * stride, id * stride + stride);
    state[0] = bestCell;
    return { state, depth: bestV };
  }

  /** v(B, a) = min over settled states (B, x) of cost + walk(x, a), B fixed. */
  private exactLength(table: StateTable, id: number, first: number, next: Int32Array): number {
    const k = this.boxes, stride = k + 1, pool = table.pool;
    for (let i = 1; i <= k; i++) this.boxAt[pool[id * stride + i]!] = 1;
    this.flood(pool[id * stride]!);
    let v = this.cost[id]!;
    for (let x = first; x >= 0; x = next[x]!) {
      const cell = pool[x * stride]!;
      if (this.stamp[cell] === this.stampValue) v = Math.min(v, this.cost[x]! + this.dist[cell]!);
    }
    for (let i = 1; i <= k; i++) this.boxAt[pool[id * stride + i]!] = 0;
    return v;
  }

  /** Walk distances from `from` over free cells (boxAt set); reached cells get the current stamp. */
  private flood(from: number): void {
    const { wall, deltas, boxAt, dist, queue } = this;
    const stamp = ++this.stampValue;
    let qh = 0, qt = 0;
    queue[qt++] = from;
    this.stamp[from] = stamp;
    dist[from] = 0;
    while (qh < qt) {
      const x = queue[qh++]!;
      const dx = dist[x]! + 1;
      for (let d = 0; d < 4; d++) {
        const y = x + deltas[d]!;
        if (wall[y] || boxAt[y] || this.stamp[y] === stamp) continue;
        this.stamp[y] = stamp;
        dist[y] = dx;
        queue[qt++] = y;
      }
    }
  }

  private ensure(n: number): void {
    this.cost = withCapacity(this.cost, n);
    this.settled = withCapacity(this.settled, n);
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
