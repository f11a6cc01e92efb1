import { SOKOBAN_ACTIONS, type SokobanGame } from './game.js';
import { CELL, levelInnerWalls } from './level.js';

/** Characters of the text view by cell code (floor is `_` so no character is blank). */
export const TEXT_CHARS = ['#', '_', '.', '*', '$', '@', '+'] as const;

export const TEXT_LEGEND = 'Legend: # wall, _ floor, . target, $ box, * box on target, @ player, + player on target';

/** Column header `  012345678901` for a grid `width` wide (digits repeat every 10). */
export function columnHeader(width: number): string {
  let s = '  ';
  for (let c = 0; c < width; c++) s += String(c % 10);
  return s;
}

export interface DescribeExtras {
  /** Steps taken and the step limit, shown on the first line when given. */
  step?: number;
  maxSteps?: number;
  /** The last action (index) and what it did, shown on the last line when given. */
  lastAction?: number | null;
  /** Also list the walls inside the outer ring (env option `listWalls`), after the targets. */
  listWalls?: boolean;
}

/**
 * The text view (format documented in docs/sokoban.md):
 *
 *     Sokoban 6x6, 1 box, 0 on target, step 0 of 100
 *       012345
 *     0 ######
 *     1 #_.__#
 *     2 #____#
 *     3 #__$_#
 *     4 #@_#_#
 *     5 ######
 *     Legend: # wall, _ floor, . target, $ box, * box on target, @ player, + player on target
 *     Player at row 4, column 1. Boxes at (3,3). Targets at (1,2).
 *     Last action: up (moved)
 *
 * With `listWalls` the positions line goes on: `... Targets at (1,2). Inner walls at (4,3).`
 * (a reader of the text then need not count columns to place a wall).
 *
 * Coordinates are (row, column), 0-based, row 0 at the top; up is row - 1.
 */
export function describeSokoban(game: SokobanGame, extras: DescribeExtras = {}, header = columnHeader(game.width)): string {
  const { width, height, cells } = game;
  // The grid block ("r " + row + newline per row) as char codes, decoded in one call.
  const lineLen = width + 3;
  const buf = gridBuffer(height * lineLen);
  let boxes = '', targets = '';
  for (let r = 0, o = 0; r < height; r++) {
    buf[o++] = 48 + (r % 10);
    buf[o++] = 32;
    for (let c = 0, i = r * width; c < width; c++, i++) {
      const code = cells[i]!;
      buf[o++] = CHAR_CODES[code]!;
      if (code >= CELL.TARGET && code !== CELL.PLAYER) {
        if (code === CELL.BOX || code === CELL.BOX_ON_TARGET) boxes += (boxes ? ', (' : '(') + r + ',' + c + ')';
        if (code !== CELL.BOX) targets += (targets ? ', (' : '(') + r + ',' + c + ')';
      }
    }
    buf[o++] = 10;
  }
  const grid = Buffer.from(buf.buffer, buf.byteOffset, height * lineLen).toString('latin1');
  let first = 'Sokoban ' + width + 'x' + height + ', ' + game.boxes + (game.boxes === 1 ? ' box, ' : ' boxes, ') + game.boxesOnTarget + ' on target';
  if (extras.step !== undefined) first += ', step ' + extras.step + (extras.maxSteps !== undefined ? ' of ' + extras.maxSteps : '');
  let text = first + '\n' + header + '\n' + grid + TEXT_LEGEND + '\nPlayer at row ' + game.playerRow + ', column ' + game.playerCol
    + '. Boxes at ' + boxes + '. Targets at ' + targets + '.';
  if (extras.listWalls) text += ' ' + innerWallsSentence(game);
  if (extras.lastAction !== undefined && extras.lastAction !== null) {
    const what = game.lastPushed ? 'pushed a box' : game.lastValid ? 'moved' : game.lastBlockedBy === 'wall' ? 'blocked by a wall' : 'blocked: the box cannot move';
    text += '\nLast action: ' + SOKOBAN_ACTIONS[extras.lastAction] + ' (' + what + ')';
  }
  if (game.solved) text += '\nAll boxes are on targets: solved.';
  return text;
}

/** `Inner walls at (r,c), ....` (the walls inside the outer ring, row by row), or `No inner walls.` */
function innerWallsSentence(game: SokobanGame): string {
  const w = game.width;
  const inner = levelInnerWalls(game).map((i) => '(' + Math.floor(i / w) + ',' + (i % w) + ')');
  return inner.length ? 'Inner walls at ' + inner.join(', ') + '.' : 'No inner walls.';
}

const CHAR_CODES = Uint8Array.from(TEXT_CHARS, (ch) => ch.charCodeAt(0));
let shared = new Uint8Array(256);
function gridBuffer(n: number): Uint8Array {
  if (shared.length < n) shared = new Uint8Array(n * 2);
  return shared;
}
