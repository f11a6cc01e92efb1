import { LmmGymError } from '../core/errors.js';
import { DIRECTIONS, DIRECTION_WORDS } from '../core/words.js';
import { REWARD_TENTHS, SOKOBAN_ACTIONS, SokobanGame } from './game.js';
import { CELL, InvalidLevelError, type SokobanLevel } from './level.js';
import { solveSokoban, type SolveBudget } from './solver.js';

/**
 * Words accepted for each action in a plan (case-insensitive): the shared table of
 * envs/core/words.ts (up, north, w, ↑, ^ ...; the same letters as the answer parser and
 * `lmm-gym play`), plus "move up" / "push up".
 */
const ACTION_WORDS: Readonly<Record<string, number>> = Object.fromEntries(DIRECTIONS.flatMap((d, i) => [
  ...DIRECTION_WORDS[d].map((w) => [w, i] as const), [`move ${d}`, i] as const, [`push ${d}`, i] as const,
]));

export interface ParsedPlan {
  /** The recognised actions in order (0 up, 1 down, 2 left, 3 right). */
  actions: number[];
  /** Tokens that named no action (they are skipped). */
  invalid: string[];
}

/**
 * Parse a plan such as `Left, Up, Up` (also `left up up`, `a,w,w`, `push left; move up`,
 * JSON-ish `["Left","Up"]`). Tokens are separated by commas, semicolons, newlines, `|`,
 * `>` or whitespace; case and surrounding quotes/brackets/periods are ignored. Unknown
 * tokens are reported in `invalid` and skipped. Numbers 0..3 are action indices.
 * Never throws.
 */
export function parsePlan(plan: string | readonly (string | number)[]): ParsedPlan {
  const tokens: (string | number)[] = typeof plan === 'string' ? splitPlan(plan) : [...plan];
  const actions: number[] = [];
  const invalid: string[] = [];
  for (const t of tokens) {
    if (typeof t === 'number') {
      if (t === 0 || t === 1 || t === 2 || t === 3) actions.push(t); else invalid.push(String(t));
      continue;
    }
    const word = t.toLowerCase().replace(/^[\s"'`[\](){}.*]+|[\s"'`[\](){}.*]+$/g, '').replace(/\s+/g, ' ');
    if (word === '') continue;
    const a = ACTION_WORDS[word] ?? (/^[0-3]$/.test(word) ? Number(word) : undefined);
    if (a === undefined) invalid.push(t); else actions.push(a);
  }
  return { actions, invalid };
}

function splitPlan(text: string): string[] {
  // Keep two-word actions ("push left", "move up") together, then split on separators.
  return text.replace(/\b(push|move)\s+(up|down|left|right)\b/gi, '$1_$2').split(/[,;\n|>\s]+/).map((w) => w.replace('_', ' '));
}

export interface PlanOptions {
  /** Only the first `maxActions` actions are replayed (MageBench: 50). */
  maxActions?: number;
  /**
   * Optimal solution length in moves (trusted as given). Default: `level.optimalMoves` when
   * computed (generator); a file's `moves=` claim (`level.movesFrom`) is checked with the
   * solver first; else the solver finds it.
   */
  optimalMoves?: number;
  /** Budget for that solver call (default 10 s). */
  solveBudget?: SolveBudget;
}

export interface PlanResult {
  /** Best cumulative reward reached at any point of the replay (0 = before the first action). */
  bestReward: number;
  /** Cumulative reward after the replayed actions. */
  finalReward: number;
  /** The plan solved the level (within the replayed actions). */
  solved: boolean;
  /** Actions replayed (stops at maxActions or when solved). */
  actionsReplayed: number;
  /** Replayed actions that were blocked (into a wall or an immovable box). */
  blockedActions: number;
  /** Parsed actions not replayed (beyond maxActions, or after the level was solved). */
  ignoredActions: number;
  /** Tokens that named no action. */
  invalidTokens: string[];
  /** Best reward the level allows: 10 + boxesOffTarget - 0.1 * optimalMoves. */
  upperBound: number;
  /** MageBench Sokoban score: (bestReward - upperBound) * 5 + 100; 100 for an optimal plan. */
  score: number;
  optimalMoves: number;
}

/** Plan scoring needs the level's optimal length and the solver could not find it. */
export class PlanScoreError extends LmmGymError {}

export const MAGEBENCH_MAX_ACTIONS = 50;

/**
 * Plan mode (LMM-R1 / MageBench "Sokoban-Global"): replay a whole answered plan from
 * the level's start with gym-sokoban rewards, and score the best cumulative reward
 * reached against the best the level allows:
 *
 *     upperBound = 10 + boxesOffTarget - 0.1 * optimalMoves (an optimal solution's return)
 *
 * (boxesOffTarget: boxes not on a target at the start. A box that starts on its target
 * earns nothing when the level is solved, and pushing it off and back nets 0.)
 *     score      = (bestReward - upperBound) * 5 + 100
 *
 * bestReward counts the empty prefix (0), so a plan that only loses reward scores like
 * doing nothing. Rewards are summed in tenths, so they are exact. A `moves=` header read
 * from a file is not trusted: the solver checks it, and a wrong one is an
 * InvalidLevelError naming the file and line (PlanScoreError when the solver cannot
 * decide within `solveBudget`).
 */
export function replayPlan(level: SokobanLevel, plan: string | readonly (string | number)[], options: PlanOptions = {}): PlanResult {
  const maxActions = options.maxActions ?? MAGEBENCH_MAX_ACTIONS;
  const parsed = parsePlan(plan);
  const optimalMoves = options.optimalMoves ?? checkedOptimalMoves(level, options.solveBudget);
  const game = new SokobanGame(level);
  let total = 0, best = 0, replayed = 0, blocked = 0;
  for (const a of parsed.actions) {
    if (replayed >= maxActions || game.solved) break;
    total += game.move(a);
    replayed++;
    if (!game.lastValid) blocked++;
    if (total > best) best = total;
  }
  const boxesOffTarget = level.cells.reduce((n: number, c) => n + (c === CELL.BOX ? 1 : 0), 0);
  const upperTenths = REWARD_TENTHS.solved + boxesOffTarget * REWARD_TENTHS.boxOnTarget + optimalMoves * REWARD_TENTHS.step;
  return {
    bestReward: best / 10,
    finalReward: total / 10,
    solved: game.solved,
    actionsReplayed: replayed,
    blockedActions: blocked,
    ignoredActions: parsed.actions.length - replayed,
    invalidTokens: parsed.invalid,
    upperBound: upperTenths / 10,
    score: ((best - upperTenths) * 5) / 10 + 100,
    optimalMoves,
  };
}

/** The level's optimal length: a computed `optimalMoves` as it is; a file's claim checked by the solver; else solved. */
function checkedOptimalMoves(level: SokobanLevel, budget?: SolveBudget): number {
  const claimed = level.optimalMoves;
  if (claimed !== null && level.movesFrom === undefined) return claimed;
  const r = solveSokoban(level, budget);
  const what = claimed === null ? "the level's optimal length is unknown" : `moves=${claimed} (${level.movesFrom}) cannot be checked`;
  if (r.status !== 'solved') throw new PlanScoreError(`cannot score a plan: ${what} (solver: ${r.status}); pass optimalMoves`);
  if (claimed !== null && r.moves !== claimed) {
    throw new InvalidLevelError(`${level.movesFrom}: the header says moves=${claimed}, but level ${level.id ?? '?'}'s optimal solution takes ${r.moves} moves`);
  }
  return r.moves;
}

/** Action names for a list of indices, as a plan string: `Left, Up, Up`. */
export function formatPlan(actions: readonly number[]): string {
  return actions.map((a) => { const n = SOKOBAN_ACTIONS[a]!; return n[0]!.toUpperCase() + n.slice(1); }).join(', ');
}
