import { analyseBoard, isFreezeDeadlock, type Board } from './board.js';
import { StateTable, replaceSorted, withCapacity } from './state-table.js';
import type { SokobanLevel } from './level.js';
import { pushAll } from '../core/arrays.js';

export interface SolveBudget {
  /** Most states to store before giving up (default 2,000,000). */
  maxNodes?: number;
  /** Most milliseconds to search before giving up (default 10,000). */
  timeLimitMs?: number;
}

export type SolveStatus = 'solved' | 'unsolvable' | 'budget-exceeded';

export interface SolveResult {
  /**
   * 'solved': `actions` is an optimal solution. 'unsolvable': the whole reachable state
   * space was searched (with sound deadlock pruning) and holds no solution.
   * 'budget-exceeded': the node or time budget ran out first; nothing is known.
   */
  status: SolveStatus;
  /** The solution as action indices (0 up, 1 down, 2 left, 3 right); empty unless solved. */
  actions: number[];
  /** Solution length in moves (= actions.length), -1 unless solved. */
  moves: number;
  /** Box pushes in the solution, -1 unless solved. */
  pushes: number;
  /** States expanded and stored. */
  expanded: number;
  stored: number;
  timeMs: number;
  /** Why the level is unsolvable, when known (static analysis). */
  reason?: string;
}

const DEFAULT_MAX_NODES = 2_000_000;
const MATCHING_MAX_BOXES = 8;
const INF = 0x3fffffff;
const popcount = (x: number): number => { let n = 0; for (; x; x &= x - 1) n++; return n; };
const DEFAULT_TIME_MS = 10_000;

/**
 * Optimal Sokoban solver: A* over box pushes, where an edge is "walk to a box, push it
 * once" and costs the walk's length + 1. It minimises MOVES (every step counts, pushes
 * and walks alike: the measure that the -0.1-per-step reward cares about), and among
 * the optimal solutions returns one; the move sequence is rebuilt with shortest walks.
 *
 * Heuristic: the cheapest assignment of boxes to distinct targets by push distance
 * (admissible and consistent: each push moves one box one cell, changes the bound by at
 * most one, and costs at least one move). Pruning: dead squares (no target reachable
 * by pushing), freeze deadlocks and positions with no box-to-target assignment, all
 * sound, so an exhausted search proves the level unsolvable. States are (player cell, sorted box cells) in a
 * hashed typed-array table.
 */
export function solveSokoban(level: SokobanLevel, budget: SolveBudget = {}): SolveResult {
  const start = performance.now();
  const maxNodes = budget.maxNodes ?? DEFAULT_MAX_NODES;
  const timeLimit = budget.timeLimitMs ?? DEFAULT_TIME_MS;
  const board = analyseBoard(level);
  const fail = (status: SolveStatus, expanded: number, stored: number, reason?: string): SolveResult => {
    const r: SolveResult = { status, actions: [], moves: -1, pushes: -1, expanded, stored, timeMs: performance.now() - start };
    if (reason) r.reason = reason;
    return r;
  };
  if (board.unsolvable) return fail('unsolvable', 0, 0, board.unsolvable);
  const search = new PushSearch(board);
  const k = board.boxes.length;
  if (k === 0 || board.boxes.every((b) => board.target[b])) {
    return { status: 'solved', actions: [], moves: 0, pushes: 0, expanded: 0, stored: 1, timeMs: performance.now() - start };
  }
  const out = search.run(maxNodes, start + timeLimit);
  if (out.goal < 0) return fail(out.exhausted ? 'unsolvable' : 'budget-exceeded', out.expanded, search.table.size, out.exhausted ? 'no solution in the reachable state space' : undefined);
  const padded = search.reconstruct(out.goal);
  return { status: 'solved', actions: padded.actions, moves: padded.actions.length, pushes: padded.pushes, expanded: out.expanded, stored: search.table.size, timeMs: performance.now() - start };
}

class PushSearch {
  readonly table: StateTable;
  private readonly k: number;
  private readonly stride: number;
  private g: Int32Array;
  private h: Int32Array;
  private parent: Int32Array;
  private readonly dp: Int32Array;
  private readonly boxAt: Uint8Array;
  private readonly dist: Int32Array;
  private readonly stamp: Uint32Array;
  private stampValue = 0;
  private readonly queue: Int32Array;
  private readonly scratch: Uint16Array;

  constructor(private readonly board: Board) {
    this.k = board.boxes.length;
    this.stride = this.k + 1;
    this.table = new StateTable(this.stride, 4096);
    this.g = new Int32Array(4096);
    this.h = new Int32Array(4096);
    this.parent = new Int32Array(4096);
    this.dp = new Int32Array(1 << Math.min(this.k, MATCHING_MAX_BOXES));
    const N = board.width * board.height;
    this.boxAt = new Uint8Array(N);
    this.dist = new Int32Array(N);
    this.stamp = new Uint32Array(N);
    this.queue = new Int32Array(N);
    this.scratch = new Uint16Array(this.stride);
  }

  /**
   * Lower bound on the moves left: the cheapest assignment of boxes to distinct targets
   * by push distance (exact DP over target subsets for up to 8 boxes, else each box to
   * its nearest target). Infinity when no assignment exists: a deadlock.
   */
  private heuristic(state: Uint16Array, base: number): number {
    const k = this.k, board = this.board;
    if (k > MATCHING_MAX_BOXES) {
      let h = 0;
      for (let i = 1; i <= k; i++) h += board.pushDistance[state[base + i]!]!;
      return h;
    }
    const dp = this.dp, full = (1 << k) - 1;
    dp.fill(INF);
    dp[0] = 0;
    for (let mask = 0; mask < full; mask++) {
      const cost = dp[mask]!;
      if (cost >= INF) continue;
      const box = state[base + 1 + popcount(mask)]!;
      for (let j = 0; j < k; j++) {
        if (mask & (1 << j)) continue;
        const d = board.targetDistance[j]![box]!;
        if (d < 0) continue;
        const next = mask | (1 << j);
        if (cost + d < dp[next]!) dp[next] = cost + d;
      }
    }
    return dp[full]!;
  }

  private isGoal(id: number): boolean {
    const p = this.table.pool, base = id * this.stride;
    for (let i = 1; i <= this.k; i++) if (!this.board.target[p[base + i]!]) return false;
    return true;
  }

  private ensure(n: number): void {
    this.g = withCapacity(this.g, n);
    this.h = withCapacity(this.h, n);
    this.parent = withCapacity(this.parent, n);
  }

  /** Walk distances from `from` over free cells (boxAt must be set); marks reached cells with the current stamp. */
  private flood(from: number): void {
    const { wall, deltas } = this.board;
    const stamp = ++this.stampValue;
    const q = this.queue;
    let qh = 0, qt = 0;
    q[qt++] = from;
    this.stamp[from] = stamp;
    this.dist[from] = 0;
    while (qh < qt) {
      const x = q[qh++]!;
      const dx = this.dist[x]! + 1;
      for (let d = 0; d < 4; d++) {
        const y = x + deltas[d]!;
        if (wall[y] || this.boxAt[y] || this.stamp[y] === stamp) continue;
        this.stamp[y] = stamp;
        this.dist[y] = dx;
        q[qt++] = y;
      }
    }
  }

  run(maxNodes: number, deadline: number): { goal: number; expanded: number; exhausted: boolean } {
    const { board, k, stride, table } = this;
    const { wall, dead, deltas } = board;
    this.scratch[0] = board.player;
    board.boxes.forEach((b, i) => { this.scratch[i + 1] = b; });
    table.insert(this.scratch);
    this.g[0] = 0;
    this.h[0] = this.heuristic(this.scratch, 0);
    this.parent[0] = -1;
    if (this.h[0]! >= INF) return { goal: -1, expanded: 0, exhausted: true };
    // Bucket queue by f = g + h; LIFO inside a bucket favours deeper nodes on ties.
    const buckets: number[][] = [];
    let fMin = this.h[0]!;
    (buckets[fMin] ??= []).push(0);
    let expanded = 0;
    const child = new Uint16Array(stride);
    for (;;) {
      while (fMin < buckets.length && (buckets[fMin] === undefined || buckets[fMin]!.length === 0)) fMin++;
      if (fMin >= buckets.length) return { goal: -1, expanded, exhausted: true };
      const entry = buckets[fMin]!.pop()!;
      const id = entry;
      // Lazy deletion: skip entries made stale by a cheaper path found later.
      const gId = this.g[id]!;
      if (gId + this.h[id]! !== fMin) continue;
      if (this.isGoal(id)) return { goal: id, expanded, exhausted: false };
      if ((++expanded & 1023) === 0 && performance.now() > deadline) return { goal: -1, expanded, exhausted: false };
      if (table.size >= maxNodes) return { goal: -1, expanded, exhausted: false };
      const base = id * stride;
      const pool = table.pool;
      for (let i = 1; i <= k; i++) this.boxAt[pool[base + i]!] = 1;
      this.flood(pool[base]!);
      const stamp = this.stampValue;
      for (let i = 1; i <= k; i++) {
        const b = table.pool[base + i]!;
        for (let d = 0; d < 4; d++) {
          const delta = deltas[d]!;
          const stand = b - delta, dest = b + delta;
          if (this.stamp[stand] !== stamp || wall[dest] || dead[dest] || this.boxAt[dest]) continue;
          // Freeze test with the box moved.
          this.boxAt[b] = 0; this.boxAt[dest] = 1;
          const frozen = isFreezeDeadlock(board, this.boxAt, dest);
          this.boxAt[dest] = 0; this.boxAt[b] = 1;
          if (frozen) continue;
          const pool2 = table.pool;
          for (let j = 0; j < stride; j++) child[j] = pool2[base + j]!;
          child[0] = b;
          replaceSorted(child, 1, k, b, dest);
          const gChild = gId + this.dist[stand]! + 1;
          const found = table.find(child);
          let cid: number;
          if (found < 0) {
            const hChild = this.heuristic(child, 0);
            if (hChild >= INF) continue; // no box-to-target assignment left: deadlock
            cid = table.insert(child);
            this.ensure(table.size);
            this.h[cid] = hChild;
          } else { cid = found; if (this.g[cid]! <= gChild) continue; }
          this.g[cid] = gChild;
          this.parent[cid] = id;
          const f = gChild + this.h[cid]!;
          if (f < fMin) fMin = f;
          (buckets[f] ??= []).push(cid);
        }
      }
      const pool3 = table.pool;
      for (let i = 1; i <= k; i++) this.boxAt[pool3[base + i]!] = 0;
    }
  }

  /** The action sequence from the root to `goal`: shortest walks between the pushes. */
  reconstruct(goal: number): { actions: number[]; pushes: number } {
    const chain: number[] = [];
    for (let id = goal; id >= 0; id = this.parent[id]!) chain.push(id);
    chain.reverse();
    const { stride, table, board } = this;
    const actions: number[] = [];
    for (let s = 0; s + 1 < chain.length; s++) {
      const a = chain[s]! * stride, b = chain[s + 1]! * stride;
      const pool = table.pool;
      // The pushed box: in a but not in b; the player ends where it stood.
      const boxFrom = pool[b]!;
      let boxTo = -1;
      for (let i = 1; i < stride; i++) {
        const cell = pool[b + i]!;
        let found = false;
        for (let j = 1; j < stride; j++) if (pool[a + j] === cell) { found = true; break; }
        if (!found) { boxTo = cell; break; }
      }
      const dir = board.deltas.indexOf(boxTo - boxFrom);
      const stand = boxFrom - board.deltas[dir]!;
      for (let i = 1; i < stride; i++) this.boxAt[pool[a + i]!] = 1;
      pushAll(actions, this.walk(pool[a]!, stand));
      for (let i = 1; i < stride; i++) this.boxAt[pool[a + i]!] = 0;
      actions.push(dir);
    }
    return { actions, pushes: chain.length - 1 };
  }

  /** Shortest walk (action indices) from `from` to `to` over free cells. */
  private walk(from: number, to: number): number[] {
    this.flood(to); // distances to `to`; then descend from `from`
    const out: number[] = [];
    const { deltas } = this.board;
    let x = from;
    while (x !== to) {
      for (let d = 0; d < 4; d++) {
        const y = x + deltas[d]!;
        if (this.stamp[y] === this.stampValue && this.dist[y] === this.dist[x]! - 1) { out.push(d); x = y; break; }
      }
    }
    return out;
  }
}
