// Baselines on a fixed Sokoban test set, paired with the model's evaluation (same levels,
// same turn limit): the oracle once, and the random agent's *expected* success, i.e. the
// mean over R independent random runs of every level (one run is too noisy to compare).
//   npx tsx scripts/test-set-baselines.ts --levels data/sokoban/test-6x6-1box.txt --max-turns 30 --runs 20
// Prints JSON: { levels, maxTurns, oracle: {rate, lo, hi}, random: {expectedRate, lo, hi, runs, perRunRates} }
import { intFlag, parseCommandArgs } from '../cli/args.js';
import { evaluateAgent, OracleAgent, RandomAgent, wilsonInterval } from '../agents/index.js';
import { loadBoxobanFile } from '../envs/sokoban/index.js';

const { values } = parseCommandArgs(process.argv.slice(2), {
  levels: { type: 'string' }, 'max-turns': { type: 'string' }, runs: { type: 'string' }, mode: { type: 'string' },
}, false);
const file = values.levels ?? 'data/sokoban/test-6x6-1box.txt';
const levels = loadBoxobanFile(file);
const maxTurns = intFlag('max-turns', values['max-turns'], 30);
const runs = intFlag('runs', values.runs, 20);
const [w, h] = [levels[0]!.width, levels[0]!.height];
const common = {
  envId: 'Sokoban-v0', envOptions: { width: w, height: h, boxes: levels[0]!.cells.filter((c) => c === 3 || c === 4).length },
  episodes: levels.length, mode: 'text' as const, interaction: 'step' as const, language: { maxTurns, historyLength: 0 },
  resetOptions: levels.map((level) => ({ level })), keepResponses: false,
};
const oracle = await evaluateAgent({ ...common, agent: new OracleAgent('compact') });
const rates: number[] = [];
let wins = 0;
for (let r = 0; r < runs; r++) {
  const rep = await evaluateAgent({ ...common, agent: new RandomAgent(1000 + r), seed: 1000 * r, parallel: 64 });
  rates.push(rep.successRate);
  wins += rep.successes;
}
const n = runs * levels.length;
const [lo, hi] = wilsonInterval(wins, n);
console.log(JSON.stringify({
  levels: file, count: levels.length, maxTurns,
  oracle: { rate: oracle.successRate, lo: oracle.successInterval95[0], hi: oracle.successInterval95[1], meanSteps: oracle.meanSteps },
  random: { expectedRate: wins / n, lo, hi, runs, perRunRates: rates },
}, null, 2));
