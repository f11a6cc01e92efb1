import type { Env } from '../../envs/core/env.js';
import { SOKOBAN_ACTIONS, SokobanGame } from '../../envs/sokoban/game.js';
import { levelBoxes, type SokobanLevel } from '../../envs/sokoban/level.js';
import { replayPlan } from '../../envs/sokoban/plan.js';
import { sokobanEnvOf } from '../../envs/sokoban/sokoban.js';
import { solveSokoban } from '../../envs/sokoban/solver.js';
import { registerEpisodeScorer } from '../eval/scores.js';
import type { AgentObservation } from '../types.js';
import { planAnswer, registerOracle, type OracleDecision } from './oracle.js';

/** Remaining optimal plans by state (cells as a string), so step mode solves once per episode. */
const planCache = new Map<string, number[]>();
const CACHE_LIMIT = 20_000;
/** Solver budget per call: 6x6/1-box levels solve in milliseconds; big ones may not. */
export const SOKOBAN_ORACLE_BUDGET = { timeLimitMs: 5000, maxNodes: 2_000_000 };

const stateKey = (level: SokobanLevel) => `${level.width}x${level.height}:${Buffer.from(level.cells).toString('latin1')}`;

/** An optimal plan (action indices) from `level`, or null when unsolvable / over budget. Cached per state. */
export function sokobanOraclePlan(level: SokobanLevel): number[] | null {
  const key = stateKey(level);
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
    planCache.set(stateKey(game.toLevel()), r.actions.slice(i + 1));
  }
  return r.actions;
}

function sokobanOracle(obs: AgentObservation, env: Env): OracleDecision {
  const soko = sokobanEnvOf(env);
  const level = soko.currentLevel();
  const game = soko.game;
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
    } catch {
      return null; // optimal length unknown within the budget
    }
  },
};
registerEpisodeScorer('Sokoban-v0', sokobanPlanScorer);
registerEpisodeScorer('Boxoban-v0', sokobanPlanScorer);
