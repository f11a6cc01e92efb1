import type { Env } from '../../envs/core/env.js';
import { FOOTBALL_ACTIONS } from '../../envs/football/constants.js';
import { scriptedFootballDecision } from '../../envs/football/scripted.js';
import { registerEpisodeScorer } from '../eval/scores.js';
import type { AgentObservation } from '../../tasks/types.js';
import { registerOracle, type OracleDecision } from './oracle.js';

/** The Football area's scripted attacker, answering one action with its reason as the thinking. */
function footballOracle(_obs: AgentObservation, env: Env): OracleDecision {
  const d = scriptedFootballDecision(env);
  const name = FOOTBALL_ACTIONS[d.action]!;
  return { think: `${d.reason[0]!.toUpperCase()}${d.reason.slice(1)}, so I choose ${name.replace(/_/g, ' ')}.`, answer: name };
}

registerOracle('Football-v0', footballOracle);

/** MageBench "Football-Online" score: 20 x the episode's shaped reward (info.shapedScore from the env). */
registerEpisodeScorer('Football-v0', {
  name: 'magebench-football',
  score(result) {
    const v = result.finalInfo.shapedScore;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  },
});
