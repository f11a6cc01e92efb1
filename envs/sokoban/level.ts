import { LmmGymError } from '../core/errors.js';
import { maxOf } from '../core/arrays.js';

/**
 * Cell codes of a Sokoban grid, as gym-sokoban's room state (plus 6 for the player
 * standing on a target). The env's observation is a Uint8Array of these codes.
 */
export const CELL = {
  WALL: 0,
  FLOOR: 1,
  TARGET: 2,
  BOX_ON_TARGET: 3,
  BOX: 4,
  PLAYER: 5,
  PLAYER_ON_TARGET: 6,
} as const;
export type CellCode = (typeof CELL)[keyof typeof CELL];

/** Boxoban characters by cell code (index = code). */
export const BOXOBAN_CHARS = ['#', ' ', '.', '*', '$', '@', '+'] as const;

const CODE_OF_CHAR: Readonly<Record<string, CellCode>> = {
  '#': CELL.WALL, ' ': CELL.FLOOR, '.': CELL.TARGET, '*': CELL.BOX_ON_TARGET,
  '$': CELL.BOX, '@': CELL.PLAYER, '+': CELL.PLAYER_ON_TARGET,
  // Common aliases in other Sokoban files: '-' and '_' for floor.
  '-': CELL.FLOOR, '_': CELL.FLOOR,
};

/**
 * One Sokoban position: the grid as cell codes (row-major, `height * width`), plus what
 * is known about it. Plain data (structured-clone friendly, so it can cross worker
 * threads); use the functions of this module to read and write it.
 */
export interface SokobanLevel {
  width: number;
  height: number;
  /** Cell codes (see CELL), row-major; exactly one player, as many boxes as targets. */
  cells: Uint8Array;
  /** The optimal solution length in moves (fewest moves), when known. */
  optimalMoves: number | null;
  /**
   * Set when `optimalMoves` is a file's claim, not a computed value: where it was read
   * (`<file>, line <n>` of a `moves=` header). Scoring does not trust a claim: replayPlan
   * checks it with the solver first (InvalidLevelError when it is wrong).
   */
  movesFrom?: string;
  /** A name for the level (e.g. the Boxoban index or `gen:6x6:1:<seed>`). */
  id?: string;
}

/** A Boxoban text that is not well-formed; `line` is the 1-based line number of the problem. */
export class SokobanParseError extends LmmGymError {
  constructor(message: string, readonly line: number, readonly source = 'text') {
    super(`${source}, line ${line}: ${message}`);
  }
}

/** A level that breaks the Sokoban invariants (no player, boxes != targets, ...). */
export class InvalidLevelError extends LmmGymError {}

export const isWallCode = (c: number): boolean => c === CELL.WALL;
export const isTargetCode = (c: number): boolean => c === CELL.TARGET || c === CELL.BOX_ON_TARGET || c === CELL.PLAYER_ON_TARGET;
export const isBoxCode = (c: number): boolean => c === CELL.BOX || c === CELL.BOX_ON_TARGET;
export const isPlayerCode = (c: number): boolean => c === CELL.PLAYER || c === CELL.PLAYER_ON_TARGET;

/** Why the level breaks the invariants, or null when it is valid. */
export function levelProblem(level: SokobanLevel): string | null {
  const { width, height, cells } = level;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 3 || height < 3 || width > 64 || height > 64) {
    return `size must be 3..64 x 3..64, got ${width}x${height}`;
  }
  if (!(cells instanceof Uint8Array) || cells.length !== width * height) return `cells must be a Uint8Array of ${width * height} codes`;
  let players = 0, boxes = 0, targets = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c > 6) return `cell ${i} has unknown code ${c}`;
    if (c === CELL.PLAYER) players++;
    else if (c === CELL.PLAYER_ON_TARGET) { players++; targets++; }
    else if (c === CELL.BOX) boxes++;
    else if (c === CELL.BOX_ON_TARGET) { boxes++; targets++; }
    else if (c === CELL.TARGET) targets++;
  }
  if (players !== 1) return `a level needs exactly one player, found ${players}`;
  if (boxes === 0) return 'a level needs at least one box';
  if (boxes !== targets) return `a level needs as many targets as boxes, found ${boxes} boxes and ${targets} targets`;
  if (level.optimalMoves !== null && (!Number.isSafeInteger(level.optimalMoves) || level.optimalMoves < 0)) return `optimalMoves must be a non-negative integer or null, got ${level.optimalMoves}`;
  return null;
}

/** Throw InvalidLevelError unless the level is valid; returns it. */
export function assertLevel(level: SokobanLevel): SokobanLevel {
  const problem = levelProblem(level);
  if (problem) throw new InvalidLevelError(`invalid Sokoban level${level.id ? ` ${level.id}` : ''}: ${problem}`);
  return level;
}

/** The player's cell index. */
export function levelPlayer(level: SokobanLevel): number {
  for (let i = 0; i < level.cells.length; i++) if (isPlayerCode(level.cells[i]!)) return i;
  return -1;
}

/** Cell indices of the boxes, ascending. */
export function levelBoxes(level: SokobanLevel): number[] {
  const out: number[] = [];
  for (let i = 0; i < level.cells.length; i++) if (isBoxCode(level.cells[i]!)) out.push(i);
  return out;
}

/** Cell indices of the walls inside the outer ring, ascending (row by row). */
export function levelInnerWalls(level: Pick<SokobanLevel, 'width' | 'height' | 'cells'>): number[] {
  const { width: w, height: h, cells } = level;
  const out: number[] = [];
  for (let r = 1; r < h - 1; r++) for (let c = 1; c < w - 1; c++) if (isWallCode(cells[r * w + c]!)) out.push(r * w + c);
  return out;
}

/** Cell indices of the targets, ascending. */
export function levelTargets(level: SokobanLevel): number[] {
  const out: number[] = [];
  for (let i = 0; i < level.cells.length; i++) if (isTargetCode(level.cells[i]!)) out.push(i);
  return out;
}

/** True when every box stands on a target. */
export function levelSolved(level: SokobanLevel): boolean {
  for (let i = 0; i < level.cells.length; i++) if (level.cells[i] === CELL.BOX) return false;
  return true;
}

/** A deep copy (the cells are copied). */
export function cloneLevel(level: SokobanLevel): SokobanLevel {
  return { ...level, cells: new Uint8Array(level.cells) };
}

/**
 * Build a level from static cells and positions: `walls[i]` / `targets[i]` nonzero mark
 * walls and targets, then the boxes and the player are placed.
 */
export function levelFromParts(width: number, height: number, walls: ArrayLike<number>, targets: ArrayLike<number>, boxes: readonly number[], player: number, optimalMoves: number | null = null, id?: string): SokobanLevel {
  const cells = new Uint8Array(width * height);
  for (let i = 0; i < cells.length; i++) cells[i] = walls[i] ? CELL.WALL : targets[i] ? CELL.TARGET : CELL.FLOOR;
  for (const b of boxes) cells[b] = cells[b] === CELL.TARGET ? CELL.BOX_ON_TARGET : CELL.BOX;
  cells[player] = cells[player] === CELL.TARGET ? CELL.PLAYER_ON_TARGET : CELL.PLAYER;
  const level: SokobanLevel = { width, height, cells, optimalMoves };
  if (id !== undefined) level.id = id;
  return level;
}

/** The level's rows in Boxoban characters (trailing spaces kept, so every row has `width` characters). */
export function levelRows(level: SokobanLevel): string[] {
  const rows: string[] = [];
  for (let r = 0; r < level.height; r++) {
    let row = '';
    for (let c = 0; c < level.width; c++) row += BOXOBAN_CHARS[level.cells[r * level.width + c]!];
    rows.push(row);
  }
  return rows;
}

/** The level as Boxoban text rows joined by newlines (no header). */
export function formatLevel(level: SokobanLevel): string {
  return levelRows(level).join('\n');
}

/**
 * Parse one level from rows of Boxoban characters (`#` wall, space floor, `.` target,
 * `$` box, `*` box on target, `@` player, `+` player on target; `-` and `_` also mean
 * floor). Short rows are padded with floor. `firstLine` and `source` only shape errors.
 */
export function parseLevel(text: string | readonly string[], options: { firstLine?: number; source?: string; id?: string; optimalMoves?: number | null } = {}): SokobanLevel {
  const firstLine = options.firstLine ?? 1;
  const source = options.source ?? 'text';
  let rows = typeof text === 'string' ? text.replace(/\r/g, '').split('\n') : [...text];
  // Drop blank rows at the end (and at the start, adjusting line numbers).
  let offset = 0;
  while (rows.length && rows[0]!.trim() === '') { rows.shift(); offset++; }
  while (rows.length && rows[rows.length - 1]!.trim() === '') rows.pop();
  if (rows.length === 0) throw new SokobanParseError('empty level (no rows)', firstLine, source);
  const height = rows.length;
  const width = maxOf(rows.map((r) => r.length));
  if (height < 3 || width < 3 || height > 64 || width > 64) throw new SokobanParseError(`level must be 3..64 rows of 3..64 characters, got ${height} rows of up to ${width}`, firstLine + offset, source);
  const cells = new Uint8Array(width * height).fill(CELL.FLOOR);
  let players = 0, boxes = 0, targets = 0;
  for (let r = 0; r < height; r++) {
    const row = rows[r]!;
    const line = firstLine + offset + r;
    for (let c = 0; c < row.length; c++) {
      const code = CODE_OF_CHAR[row[c]!];
      if (code === undefined) throw new SokobanParseError(`unexpected character ${JSON.stringify(row[c])} at column ${c + 1} (expected one of # . $ * @ + or space)`, line, source);
      cells[r * width + c] = code;
      if (isPlayerCode(code)) { players++; if (players === 2) throw new SokobanParseError('a second player (@ or +); a level has exactly one', line, source); }
      if (isBoxCode(code)) boxes++;
      if (isTargetCode(code)) targets++;
    }
  }
  const first = firstLine + offset;
  if (players === 0) throw new SokobanParseError('level has no player (@ or +)', first, source);
  if (boxes === 0) throw new SokobanParseError('level has no box ($ or *)', first, source);
  if (boxes !== targets) throw new SokobanParseError(`level has ${boxes} boxes but ${targets} targets`, first, source);
  const level: SokobanLevel = { width, height, cells, optimalMoves: options.optimalMoves ?? null };
  if (options.id !== undefined) level.id = options.id;
  return level;
}

const HEADER = /^;\s*(\S*)(.*)$/;

/**
 * Parse a Boxoban file: levels separated by header lines `; <id>` (for example `; 0`),
 * each followed by the level's rows; blank lines between levels are ignored. A header
 * may carry `moves=<n>` (this library writes the optimal solution length there); it becomes
 * the level's `optimalMoves` with `movesFrom` naming the line, as a claim that scoring
 * checks (see replayPlan). Throws SokobanParseError naming the line of the first problem.
 */
export function parseBoxoban(text: string, source = 'text'): SokobanLevel[] {
  const lines = text.replace(/\r/g, '').split('\n');
  const levels: SokobanLevel[] = [];
  let header: { id: string; moves: number | null; line: number } | null = null;
  let rows: string[] = [];
  let rowsStart = 0;
  const flush = (): void => {
    if (!header) return;
    if (rows.length === 0) throw new SokobanParseError(`level ${JSON.stringify(header.id)} has no rows`, header.line, source);
    const level = parseLevel(rows, { firstLine: rowsStart, source, id: header.id, optimalMoves: header.moves });
    if (header.moves !== null) level.movesFrom = `${source}, line ${header.line}`;
    levels.push(level);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = HEADER.exec(line);
    if (m) {
      flush();
      const movesMatch = /\bmoves=(\S+)/.exec(m[2]!);
      let moves: number | null = null;
      if (movesMatch) {
        moves = Number(movesMatch[1]);
        if (!Number.isSafeInteger(moves) || moves < 0) throw new SokobanParseError(`bad moves=${movesMatch[1]} in header (expected a non-negative integer)`, i + 1, source);
      }
      header = { id: m[1] || String(levels.length), moves, line: i + 1 };
      rows = [];
      rowsStart = i + 2;
      continue;
    }
    if (line.trim() === '') {
      // A blank line ends the rows of the current level (Boxoban puts one between levels).
      if (header && rows.length > 0) { flush(); header = null; }
      continue;
    }
    if (!header) throw new SokobanParseError(`level rows before any "; <id>" header line: ${JSON.stringify(line.slice(0, 20))}`, i + 1, source);
    rows.push(line);
  }
  flush();
  if (levels.length === 0) throw new SokobanParseError('no levels found (expected "; <id>" header lines followed by level rows)', 1, source);
  return levels;
}

/** Write levels in the Boxoban format: `; <index>` (plus ` moves=<n>` when known), rows, blank line. */
export function formatBoxoban(levels: readonly SokobanLevel[]): string {
  let out = '';
  levels.forEach((level, i) => {
    out += `; ${i}${level.optimalMoves !== null ? ` moves=${level.optimalMoves}` : ''}\n${formatLevel(level)}\n\n`;
  });
  return out;
}
