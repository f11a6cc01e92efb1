import type { Env } from '../../envs/core/env.js';
import { SOKOBAN_ACTIONS, SokobanGame, type SokobanActionName } from '../../envs/sokoban/game.js';
import { isWallCode, levelBoxes, levelInnerWalls, levelPlayer, levelTargets, type SokobanLevel } from '../../envs/sokoban/level.js';
import { PlanScoreError, replayPlan } from '../../envs/sokoban/plan.js';
import { sokobanEnvOf } from '../../envs/sokoban/sokoban.js';
import { sokobanLevelKey } from '../../envs/sokoban/held-out.js';
import { solveSokoban } from '../../envs/sokoban/solver.js';
import { registerEpisodeScorer } from '../eval/scores.js';
import type { AgentObservation } from '../../tasks/types.js';
import { registerReasoningCheck } from '../../tasks/rewards/reasoning.js';
import { planAnswer, registerOracle, type OracleDecision, type OracleStyle } from './oracle.js';

/** Remaining optimal plans by state (cells as a string), so step mode solves once per episode. */
const planCache = new Map<string, number[]>();
const CACHE_LIMIT = 20_000;
/** Solver budget per call: 6x6/1-box levels solve in milliseconds; big ones may not. */
export const SOKOBAN_ORACLE_BUDGET = { timeLimitMs: 5000, maxNodes: 2_000_000 };


/** An optimal plan (action indices) from `level`, or null when unsolvable / over budget. Cached per state. */
export function sokobanOraclePlan(level: SokobanLevel): number[] | null {
  const key = sokobanLevelKey(level);
  const hit = planCache.get(key);
  if (hit) return hit;
  const r = solveSokoban(level, SOKOBAN_ORACLE_BUDGET);
  if (r.status !== 'solved') return null;
  if (planCache.size > CACHE_LIMIT) planCache.clear();
  // Store the remainder for every state along the plan: the next turns hit the cache.
  const game = new SokobanGame(level);
  planCache.set(key, r.actions);
  for (let i = 0; i < r.actions.length - 1; i++) {
    game.move(r.actions[i]!);
    planCache.set(sokobanLevelKey(game.toLevel()), r.actions.slice(i + 1));
  }
  return r.actions;
}

const canonicalCache = new Map<string, number>();

/**
 * The canonical optimal action of a state: among the actions that start a fewest-moves
 * solution, the first in the order up, down, left, right (-1 when unsolvable). One fixed
 * tie-break makes the oracle's choice a function of the state alone, which a small model
 * can learn; the solver's own plan breaks ties by search order.
 */
export function canonicalSokobanAction(level: SokobanLevel): number {
  const key = sokobanLevelKey(level);
  const hit = canonicalCache.get(key);
  if (hit !== undefined) return hit;
  let best = -1, bestCost = Infinity;
  const game = new SokobanGame();
  for (let a = 0; a < SOKOBAN_ACTIONS.length; a++) {
    game.load(level);
    game.move(a);
    if (!game.lastValid) continue;
    const rest = game.solved ? 0 : sokobanOraclePlan(game.toLevel())?.length ?? null;
    if (rest !== null && rest + 1 < bestCost) { bestCost = rest + 1; best = a; }
  }
  if (canonicalCache.size > CACHE_LIMIT) canonicalCache.clear();
  canonicalCache.set(key, best);
  return best;
}

const cellText = (i: number, width: number) => `${Math.floor(i / width)},${i % width}`;
const cellsText = (list: readonly number[], width: number) => list.map((i) => cellText(i, width)).join(' ');

/** The positions read from the board: `P r,c B r,c ... T r,c ...`. */
function boardText(level: SokobanLevel): string {
  const w = level.width;
  return `P ${cellText(levelPlayer(level), w)} B ${cellsText(levelBoxes(level), w)} T ${cellsText(levelTargets(level), w)}`;
}

/** The walls inside the outer ring, row by row: `wall r,c ...` (`wall none` in an open room). */
function innerWallsText(level: SokobanLevel): string {
  const inner = levelInnerWalls(level);
  return `wall ${inner.length ? cellsText(inner, level.width) : 'none'}`;
}

/** What the reasoning reads off the board first: positions, then (walls style) the inner walls. */
const seenText = (level: SokobanLevel, walls: boolean) => (walls ? `${boardText(level)}; ${innerWallsText(level)}` : boardText(level));

/**
 * Compact reasoning: what the decision needs, as short local steps a small model can
 * learn one at a time (each token depends on a few earlier ones and the image):
 * the positions read from the board (P player, B boxes, T targets, as row,col); the route
 * of the next box to be pushed (`box`: its cells, now and after each of its pushes in the
 * canonical optimal plan); the first push (`push DIR from CELL`); and, unless the player
 * already stands there, the walk to that cell (`go`: each move and the cell it leads to).
 * The move is then the first `go` direction, or the push itself, e.g.
 * `P 4,1 B 2,3 T 3,2; box 2,3 3,3 3,2; push down from 1,3; go up 3,1 up 2,1 up 1,1 right 1,2 right 1,3`.
 * With `walls` (the 'walls' style) the positions are followed by the inner walls, so the
 * route and walk that come next can be checked against cells the model has named:
 * `P 4,1 B 2,3 T 3,2; wall 2,2 4,4; box ...`.
 */
export function compactSokobanReasoning(level: SokobanLevel, options: { walls?: boolean } = {}): { think: string; action: number } {
  const w = level.width;
  const seen = seenText(level, options.walls ?? false);
  const first = canonicalSokobanAction(level);
  if (first < 0) return { think: `${seen}; no solution`, action: 0 };
  const game = new SokobanGame(level);
  const walk: number[] = [];
  let push: { dir: number; from: number } | null = null;
  const route: number[] = [];
  for (let step = 0, a = first; step < 500 && a >= 0 && !game.solved; step++) {
    const from = game.player;
    game.move(a);
    if (game.lastPushed) {
      // The pushed box went from the player's new cell one cell further the same way.
      const boxFrom = game.player, boxTo = game.player + (game.player - from);
      if (!push) { push = { dir: a, from }; route.push(boxFrom, boxTo); } else if (boxFrom === route[route.length - 1]) route.push(boxTo);
      else break; // the plan turns to another box
    } else if (!push) walk.push(a, game.player);
    if (game.solved) break;
    a = canonicalSokobanAction(game.toLevel());
  }
  if (!push) return { think: `${seen}; no solution`, action: first };
  // The walk as (direction, cell) pairs: each step names the move, then where it leads, so
  // the answer is a copy of the first direction and each cell follows from the one before.
  const steps: string[] = [];
  for (let i = 0; i < walk.length; i += 2) steps.push(`${SOKOBAN_ACTIONS[walk[i]!]} ${cellText(walk[i + 1]!, w)}`);
  const go = steps.length ? `; go ${steps.join(' ')}` : '';
  return { think: `${seen}; box ${cellsText(route, w)}; push ${SOKOBAN_ACTIONS[push.dir]} from ${cellText(push.from, w)}${go}`, action: first };
}

function sokobanOracle(obs: AgentObservation, env: Env, _envObservation: unknown, style: OracleStyle = 'verbose'): OracleDecision {
  const soko = sokobanEnvOf(env);
  const level = soko.currentLevel();
  const game = soko.game;
  if (style !== 'verbose') return compactDecision(obs, level, style === 'walls');
  const left = game.boxes - game.boxesOnTarget;
  const where = `I am at row ${game.playerRow}, column ${game.playerCol}; ${left} of ${game.boxes} box${game.boxes === 1 ? '' : 'es'} still off target.`;
  const plan = sokobanOraclePlan(level);
  if (!plan || plan.length === 0) {
    return { think: `${where} I cannot find a solution from here, so I make a safe move.`, answer: 'Up' };
  }
  const names = plan.map((a) => SOKOBAN_ACTIONS[a]!);
  const k = Math.min(names.length, obs.maxActions);
  const shown = names.length > 24 ? `${names.slice(0, 24).join(', ')}, ...` : names.join(', ');
  const tail = obs.interaction === 'plan' ? 'I answer the whole plan.' : k > 1 ? `I take the first ${k} moves.` : `I take the first move: ${names[0]}.`;
  return { think: `${where} A shortest solution takes ${names.length} moves: ${shown}. ${tail}`, answer: planAnswer(obs, names) };
}

/** Compact and walls styles: step mode answers the canonical move; plan mode the canonical plan. */
function compactDecision(obs: AgentObservation, level: SokobanLevel, walls: boolean): OracleDecision {
  if (obs.interaction !== 'plan') {
    const { think, action } = compactSokobanReasoning(level, { walls });
    return { think, answer: planAnswer(obs, [SOKOBAN_ACTIONS[action]!]) };
  }
  const names: string[] = [];
  const game = new SokobanGame(level);
  for (let i = 0; i < obs.maxActions && !game.solved; i++) {
    const a = canonicalSokobanAction(game.toLevel());
    if (a < 0) break;
    names.push(SOKOBAN_ACTIONS[a]!);
    game.move(a);
  }
  return { think: `${seenText(level, walls)}; ${names.length} moves`, answer: planAnswer(obs, names.length ? names : ['up']) };
}

registerOracle('Sokoban-v0', sokobanOracle);
registerOracle('Boxoban-v0', sokobanOracle);

/**
 * MageBench "Sokoban-Global" score of a plan-mode episode, by the Sokoban area's
 * replayPlan: (best cumulative reward - level upper bound) * 5 + 100 (100 = optimal).
 */
const sokobanPlanScorer = {
  name: 'magebench-sokoban',
  interaction: 'plan' as const,
  score(result: { turns: { executed: (number | string)[] }[] }, env: { env: Env; maxActions: number }): number | null {
    const soko = sokobanEnvOf(env.env);
    const start = soko.initialLevel();
    if (levelBoxes(start).length === 0) return null;
    const actions = (result.turns[0]?.executed ?? []).filter((a): a is number => typeof a === 'number');
    try {
      return replayPlan(start, actions, { maxActions: env.maxActions, solveBudget: SOKOBAN_ORACLE_BUDGET }).score;
    } catch (e) {
      if (e instanceof PlanScoreError) return null; // optimal length unknown within the budget
      throw e; // a level file whose moves= header is wrong (InvalidLevelError)
    }
  },
};
registerEpisodeScorer('Sokoban-v0', sokobanPlanScorer);
registerEpisodeScorer('Boxoban-v0', sokobanPlanScorer);

/** What `checkCompactSokobanReasoning` found true of a compact reasoning, field by field. */
export interface CompactReasoningCheck {
  /** The positions (and with `walls` the inner walls) equal the board's, as the oracle writes them. */
  perception: boolean;
  /** The walk reaches the push cell without pushing, the push moves the route's first box one cell, the route is a chain of free cells, and the walk plus push lie on a shortest solution. */
  plan: boolean;
  /** The answer is the plan's first move (the first `go` direction, else the push). */
  answer: boolean;
}

/**
 * A rule-based check of the compact (or walls) reasoning against the position it was given:
 * the solver verifies the plan rather than comparing it with the oracle's text, so any
 * shortest plan passes (ties included) and a right first move reached by a wrong plan does
 * not. `think` is the text inside <think>, `answer` the move name. `walls`: whether the
 * reading must name the inner walls (default: as the text does, so either style passes).
 */
export function checkCompactSokobanReasoning(level: SokobanLevel, think: string, answer: string | null, options: { walls?: boolean } = {}): CompactReasoningCheck {
  const out: CompactReasoningCheck = { perception: false, plan: false, answer: false };
  const w = level.width;
  const parts = think.trim().split(';').map((p) => p.trim());
  const seen = seenText(level, options.walls ?? /^[^;]*;\s*wall /.test(think));
  const nSeen = seen.split(';').length;
  out.perception = parts.slice(0, nSeen).join('; ') === seen;
  const rest = parts.slice(nSeen);
  const route = /^box((?: \d+,\d+)+)$/.exec(rest[0] ?? '');
  const push = /^push (up|down|left|right) from (\d+),(\d+)$/.exec(rest[1] ?? '');
  const go = rest.length === 3 ? /^go((?: (?:up|down|left|right) \d+,\d+)+)$/.exec(rest[2]!) : null;
  if (!route || !push || rest.length > 3 || (rest.length === 3 && !go)) return out;
  const cell = (rc: string) => { const [r, c] = rc.split(',').map(Number) as [number, number]; return r < level.height && c < w ? r * w + c : -1; };
  const walk = go ? go[1]!.trim().split(' ') : [];
  const first = walk.length ? walk[0]! : push[1]!;
  out.answer = answer !== null && answer.trim().toLowerCase() === first;
  // Walk, each step onto the cell it names and pushing nothing; then the push.
  const game = new SokobanGame(level);
  for (let i = 0; i < walk.length; i += 2) {
    game.move(SOKOBAN_ACTIONS.indexOf(walk[i] as SokobanActionName));
    if (!game.lastValid || game.lastPushed || game.player !== cell(walk[i + 1]!)) return out;
  }
  const dir = SOKOBAN_ACTIONS.indexOf(push[1] as SokobanActionName);
  if (game.player !== cell(`${push[2]},${push[3]}`)) return out;
  const from = game.player;
  game.move(dir);
  const cells = route[1]!.trim().split(' ').map(cell);
  if (!game.lastPushed || cells.length < 2 || cells[0] !== game.player || cells[1] !== game.player + (game.player - from)) return out;
  // The rest of the route: a chain of neighbouring cells that are not walls.
  for (let i = 2; i < cells.length; i++) {
    const a = cells[i - 1]!, b = cells[i]!;
    const near = Math.abs(a - b) === w || (Math.abs(a - b) === 1 && Math.floor(a / w) === Math.floor(b / w));
    if (b < 0 || !near || isWallCode(level.cells[b]!)) return out;
  }
  const before = sokobanOraclePlan(level)?.length;
  const after = game.solved ? 0 : sokobanOraclePlan(game.toLevel())?.length;
  out.plan = before !== undefined && after !== undefined && after === before - walk.length / 2 - 1;
  return out;
}

/**
 * The Sokoban reasoning reward: 1 when the compact reasoning (either style: positions, or
 * positions and inner walls) reads the board right, its plan is verified shortest by the
 * solver and the answer is its first move; else 0.
 */
function sokobanReasoningReward(env: Env, think: string, answer: string | null): number {
  const r = checkCompactSokobanReasoning(sokobanEnvOf(env).currentLevel(), think, answer);
  return r.perception && r.plan && r.answer ? 1 : 0;
}
registerReasoningCheck('Sokoban-v0', sokobanReasoningReward);
registerReasoningCheck('Boxoban-v0', sokobanReasoningReward);
