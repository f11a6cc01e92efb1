// Full 11 v 11 games between the rule-based teams, counting what the rules did per game:
// goals, shots, fouls, yellow and red cards, offsides, penalty kicks (and their goals).
//   npx tsx scripts/football-games.ts --games 100 --scenario 11_vs_11_stochastic --left scripted
// --left scripted: the scripted attacker plays the agent's active player, the built-in AI
//   everyone else (both teams); --left builtin: the built-in AI plays all 22 (engine.autopilot).
// Prints a markdown table (mean per game, both teams together and left / right, and the share of
// games with at least one) and the wall time. Seeds 0..games-1, so runs are reproducible.
import { intFlag, parseCommandArgs } from '../cli/args.js';
import { FootballEnv, make, scriptedFootballAction } from '../envs/index.js';

const { values } = parseCommandArgs(process.argv.slice(2), {
  games: { type: 'string' }, scenario: { type: 'string' }, left: { type: 'string' },
}, false);
const games = intFlag('games', values.games, 100);
const scenario = values.scenario ?? '11_vs_11_stochastic';
const left = values.left ?? 'scripted';
if (left !== 'scripted' && left !== 'builtin') throw new Error(`--left must be scripted or builtin, got ${left}`);

const KEYS = ['goals', 'shots', 'fouls', 'yellowCards', 'redCards', 'offsides', 'penalties', 'penaltyGoals'] as const;
type Key = (typeof KEYS)[number];
const sums = Object.fromEntries(KEYS.map((k) => [k, [0, 0]])) as Record<Key, number[]>;
const atLeastOne = Object.fromEntries(KEYS.map((k) => [k, 0])) as Record<Key, number>;
let wins = 0, draws = 0, steps = 0;
const t0 = performance.now();
for (let seed = 0; seed < games; seed++) {
  const env = make('Football-v0', { scenario });
  env.reset({ seed });
  const e = (env.unwrapped as FootballEnv).engine;
  e.autopilot = left === 'builtin';
  for (;;) {
    const r = env.step(left === 'builtin' ? 0 : scriptedFootballAction(e));
    steps++;
    if (r.terminated || r.truncated) break;
  }
  const game: Record<Key, number[]> = {
    goals: [e.scoreLeft, e.scoreRight], shots: [...e.stats.shots], fouls: [...e.stats.fouls], yellowCards: [...e.stats.yellowCards],
    redCards: [...e.stats.redCards], offsides: [...e.stats.offsides], penalties: [...e.stats.penalties], penaltyGoals: [...e.stats.penaltyGoals],
  };
  for (const k of KEYS) {
    sums[k][0]! += game[k][0]!; sums[k][1]! += game[k][1]!;
    if (game[k][0]! + game[k][1]! > 0) atLeastOne[k]++;
  }
  if (e.scoreLeft > e.scoreRight) wins++; else if (e.scoreLeft === e.scoreRight) draws++;
}
const secs = (performance.now() - t0) / 1000;
const f = (v: number) => (v / games).toFixed(2);
console.log(`${games} games of ${scenario}, left: ${left === 'scripted' ? 'scripted attacker + built-in AI' : 'built-in AI'}, right: built-in AI; ${steps} steps in ${secs.toFixed(1)} s`);
console.log(`left won ${wins}, drew ${draws}, lost ${games - wins - draws}\n`);
console.log('| per game | both | left | right | games with >= 1 |');
console.log('|---|---|---|---|---|');
for (const k of KEYS) console.log(`| ${k} | ${f(sums[k][0]! + sums[k][1]!)} | ${f(sums[k][0]!)} | ${f(sums[k][1]!)} | ${atLeastOne[k]} |`);
