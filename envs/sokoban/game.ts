import { CELL, assertLevel, type SokobanLevel } from './level.js';

/** Action names, index = action: up, down, left, right. */
export const SOKOBAN_ACTIONS = ['up', 'down', 'left', 'right'] as const;
export type SokobanActionName = (typeof SOKOBAN_ACTIONS)[number];

/** Rewards of gym-sokoban, in tenths (kept as integers so sums stay exact). */
export const REWARD_TENTHS = { step: -1, boxOnTarget: 10, boxOffTarget: -10, solved: 100 } as const;

const DR = [-1, 1, 0, 0] as const;
const DC = [0, 0, -1, 1] as const;

/**
 * The rules of Sokoban on a mutable grid of cell codes (the one home of the rules: the
 * env, plan replay and the tests all step through this). `move()` allocates nothing;
 * what happened is read from the `last*` fields.
 */
export class SokobanGame {
  width = 0;
  height = 0;
  /** Current cell codes (see CELL), row-major. Mutated in place by move(). */
  cells: Uint8Array = new Uint8Array(0);
  player = 0;
  playerRow = 0;
  playerCol = 0;
  boxes = 0;
  boxesOnTarget = 0;
  /** The last move obeyed the rules (not into a wall, not pushing into a wall or a box). */
  lastValid = false;
  /** The last move pushed a box. */
  lastPushed = false;
  /** Reward of the last move, in tenths. */
  lastRewardTenths = 0;
  /** What blocked the last move: 'wall' (walked into a wall), 'box' (the box in the way cannot move: a wall or a second box behind it) or null. */
  lastBlockedBy: 'wall' | 'box' | null = null;

  constructor(level?: SokobanLevel) {
    if (level) this.load(level);
  }

  /** Start from `level` (validated; its cells are copied). */
  load(level: SokobanLevel): void {
    assertLevel(level);
    this.width = level.width;
    this.height = level.height;
    if (this.cells.length !== level.cells.length) this.cells = new Uint8Array(level.cells.length);
    this.cells.set(level.cells);
    this.boxes = 0;
    this.boxesOnTarget = 0;
    for (let i = 0; i < this.cells.length; i++) {
      const c = this.cells[i]!;
      if (c === CELL.PLAYER || c === CELL.PLAYER_ON_TARGET) this.player = i;
      else if (c === CELL.BOX) this.boxes++;
      else if (c === CELL.BOX_ON_TARGET) { this.boxes++; this.boxesOnTarget++; }
    }
    this.playerRow = Math.floor(this.player / this.width);
    this.playerCol = this.player % this.width;
    this.lastValid = false;
    this.lastPushed = false;
    this.lastRewardTenths = 0;
    this.lastBlockedBy = null;
  }

  get solved(): boolean {
    return this.boxesOnTarget === this.boxes;
  }

  /** Cell code at (row, col), WALL outside the grid. */
  private at(r: number, c: number): number {
    return r < 0 || c < 0 || r >= this.height || c >= this.width ? CELL.WALL : this.cells[r * this.width + c]!;
  }

  /**
   * Apply action 0..3 (up, down, left, right): move, pushing one box if it is in the way
   * and the cell beyond is free. A blocked move leaves the state unchanged. Returns the
   * gym-sokoban reward in tenths: -1 per step, +10 box onto target, -10 box off target,
   * +100 when the last box reaches its target.
   */
  move(action: number): number {
    const cells = this.cells;
    const r1 = this.playerRow + DR[action]!, c1 = this.playerCol + DC[action]!;
    const t1 = this.at(r1, c1);
    let reward = REWARD_TENTHS.step;
    this.lastPushed = false;
    if (t1 === CELL.WALL) return this.blocked('wall');
    const i1 = r1 * this.width + c1;
    if (t1 === CELL.BOX || t1 === CELL.BOX_ON_TARGET) {
      const r2 = r1 + DR[action]!, c2 = c1 + DC[action]!;
      const t2 = this.at(r2, c2);
      if (t2 === CELL.WALL || t2 === CELL.BOX || t2 === CELL.BOX_ON_TARGET) return this.blocked('box');
      const i2 = r2 * this.width + c2;
      if (t2 === CELL.TARGET) { cells[i2] = CELL.BOX_ON_TARGET; this.boxesOnTarget++; reward += REWARD_TENTHS.boxOnTarget; }
      else cells[i2] = CELL.BOX;
      if (t1 === CELL.BOX_ON_TARGET) { cells[i1] = CELL.PLAYER_ON_TARGET; this.boxesOnTarget--; reward += REWARD_TENTHS.boxOffTarget; }
      else cells[i1] = CELL.PLAYER;
      this.lastPushed = true;
      if (this.boxesOnTarget === this.boxes) reward += REWARD_TENTHS.solved;
    } else {
      cells[i1] = t1 === CELL.TARGET ? CELL.PLAYER_ON_TARGET : CELL.PLAYER;
    }
    cells[this.player] = cells[this.player] === CELL.PLAYER_ON_TARGET ? CELL.TARGET : CELL.FLOOR;
    this.player = i1;
    this.playerRow = r1;
    this.playerCol = c1;
    this.lastValid = true;
    this.lastBlockedBy = null;
    this.lastRewardTenths = reward;
    return reward;
  }

  private blocked(by: 'wall' | 'box'): number {
    this.lastValid = false;
    this.lastBlockedBy = by;
    this.lastRewardTenths = REWARD_TENTHS.step;
    return REWARD_TENTHS.step;
  }

  /** The current position as a level (a copy; optimalMoves unknown). */
  toLevel(id?: string): SokobanLevel {
    const level: SokobanLevel = { width: this.width, height: this.height, cells: new Uint8Array(this.cells), optimalMoves: null };
    if (id !== undefined) level.id = id;
    return level;
  }
}
