import { CELL, isBoxCode, isPlayerCode, isTargetCode, type SokobanLevel } from './level.js';

/**
 * The static analysis of a level, on a grid padded with one ring of walls (so the
 * search never checks bounds): walls, targets, dead squares (a box there can never
 * reach a target) and each cell's push distance to the nearest target.
 * Cells the player can never reach (even ignoring boxes) count as walls.
 */
export interface Board {
  /** Padded width and height (level size + 2). */
  width: number;
  height: number;
  /** Cell offsets of up, down, left, right (action order). */
  deltas: Int32Array;
  wall: Uint8Array;
  target: Uint8Array;
  /** 1 where a box can never be pushed to any target. */
  dead: Uint8Array;
  /** Fewest pushes from this cell to the nearest target on the empty board (-1: none). */
  pushDistance: Int32Array;
  /** Target cells (padded indices, ascending) and, per target, the fewest pushes from each cell to it (-1: never). */
  targets: number[];
  targetDistance: Int32Array[];
  /** Box cells (padded indices, ascending) and player cell of the level's position. */
  boxes: number[];
  player: number;
  /** Boxes that sit on targets in walled-off pockets: dropped from the problem. */
  pocketBoxes: number;
  /** Why the position is unsolvable by static analysis alone, or null. */
  unsolvable: string | null;
}

/** Padded cell index of level cell `i`. */
export function padIndex(level: SokobanLevel, i: number): number {
  const c = i % level.width, r = (i - c) / level.width;
  return (r + 1) * (level.width + 2) + c + 1;
}

/** Level cell index of padded cell `p`. */
export function unpadIndex(level: SokobanLevel, p: number): number {
  const W = level.width + 2;
  const c = p % W, r = (p - c) / W;
  return (r - 1) * level.width + (c - 1);
}

export function analyseBoard(level: SokobanLevel): Board {
  const W = level.width + 2, H = level.height + 2, N = W * H;
  const deltas = Int32Array.from([-W, W, -1, 1]);
  const wall = new Uint8Array(N).fill(1);
  const target = new Uint8Array(N);
  const boxAt = new Uint8Array(N);
  let player = -1;
  for (let i = 0; i < level.cells.length; i++) {
    const code = level.cells[i]!, p = padIndex(level, i);
    if (code !== CELL.WALL) wall[p] = 0;
    if (isTargetCode(code)) target[p] = 1;
    if (isBoxCode(code)) boxAt[p] = 1;
    if (isPlayerCode(code)) player = p;
  }
  // Cells the player can reach when boxes are ignored; everything else becomes wall.
  const reach = new Uint8Array(N);
  const stack = [player];
  reach[player] = 1;
  while (stack.length) {
    const x = stack.pop()!;
    for (let d = 0; d < 4; d++) {
      const y = x + deltas[d]!;
      if (!wall[y] && !reach[y]) { reach[y] = 1; stack.push(y); }
    }
  }
  let unsolvable: string | null = null;
  let pocketBoxes = 0;
  for (let p = 0; p < N; p++) {
    if (wall[p] || reach[p]) continue;
    if (boxAt[p] && !target[p]) unsolvable = 'a box off target is walled off from the player';
    if (target[p] && !boxAt[p]) unsolvable = 'a target is walled off from the player';
    if (boxAt[p]) pocketBoxes++;
    wall[p] = 1; target[p] = 0; boxAt[p] = 0;
  }
  // Push distance to the nearest target: BFS from the targets with pulls (a box at x can
  // come from x - d when the player can stand at x - 2d to push it).
  const queue = new Int32Array(N);
  const pullBfs = (sources: number[]): Int32Array => {
    const dist = new Int32Array(N).fill(-1);
    let qh = 0, qt = 0;
    for (const t of sources) { dist[t] = 0; queue[qt++] = t; }
    while (qh < qt) {
      const x = queue[qh++]!;
      for (let d = 0; d < 4; d++) {
        const from = x - deltas[d]!, stand = from - deltas[d]!;
        if (wall[from] || wall[stand] || dist[from]! >= 0) continue;
        dist[from] = dist[x]! + 1;
        queue[qt++] = from;
      }
    }
    return dist;
  };
  const targets: number[] = [];
  for (let p = 0; p < N; p++) if (target[p]) targets.push(p);
  const pushDistance = pullBfs(targets);
  const targetDistance = targets.map((t) => pullBfs([t]));
  const dead = new Uint8Array(N);
  for (let p = 0; p < N; p++) if (!wall[p] && pushDistance[p] < 0) dead[p] = 1;
  const boxes: number[] = [];
  for (let p = 0; p < N; p++) if (boxAt[p]) boxes.push(p);
  for (const b of boxes) if (dead[b] && !unsolvable) unsolvable = 'a box stands on a dead square (it can never reach a target)';
  return { width: W, height: H, deltas, wall, target, dead, pushDistance, targets, targetDistance, boxes, player, pocketBoxes, unsolvable };
}

/**
 * Freeze deadlock test after a box arrived at `x` (boxAt marks box cells): true when
 * a group of boxes that can never move again includes one off target. A box is blocked
 * on an axis when a wall is on either side, dead squares are on both sides, or a
 * neighbouring box on that axis is itself frozen (this box counted as a wall meanwhile).
 */
export function isFreezeDeadlock(board: Board, boxAt: Uint8Array, x: number): boolean {
  const frozen: number[] = [];
  if (!frozenAt(board, boxAt, x, frozen)) return false;
  for (const b of frozen) if (!board.target[b]) return true;
  return false;
}

function frozenAt(board: Board, boxAt: Uint8Array, x: number, frozen: number[]): boolean {
  const mark = frozen.length;
  if (blockedOnAxis(board, boxAt, x, 1, frozen) && blockedOnAxis(board, boxAt, x, board.width, frozen)) {
    frozen.push(x);
    return true;
  }
  frozen.length = mark;
  return false;
}

function blockedOnAxis(board: Board, boxAt: Uint8Array, x: number, step: number, frozen: number[]): boolean {
  const a = x - step, b = x + step, wall = board.wall;
  if (wall[a] || wall[b]) return true;
  if (board.dead[a] && board.dead[b]) return true;
  // Treat this box as a wall while asking whether a neighbour box is frozen.
  wall[x] = 1;
  const mark = frozen.length;
  const blocked = (boxAt[a] === 1 && frozenAt(board, boxAt, a, frozen)) || (boxAt[b] === 1 && frozenAt(board, boxAt, b, frozen));
  wall[x] = 0;
  if (!blocked) frozen.length = mark;
  return blocked;
}
