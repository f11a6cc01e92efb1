// How the episodes of a Football eval report ended (issue 12, aim 4): replays each episode's
// executed actions (the drills are deterministic unless `stochastic` is on, so the replay is
// the episode) and counts goal / out of play / keeper save / tackle / time, whether the agent
// shot, and whether its first shot came where the oracle would also have shot.
//   node dist/cli/main.js eval ... --out runs/tmp/report.json
//   npx tsx scripts/football-episode-ends.ts runs/tmp/report.json
import { readFileSync } from 'node:fs';
import { make, type FootballEnv } from '../envs/index.js';
import { scriptedFootballAction } from '../envs/football/scripted.js';

const report = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
if (report.envId !== 'Football-v0') throw new Error(`a Football-v0 eval report, got ${report.envId}`);
if (report.envOptions?.stochastic) throw new Error('stochastic episodes cannot be replayed from their actions');
const ends: Record<string, number> = {};
let firstShotWhereOracleShoots = 0, firstShotElsewhere = 0, replayedWins = 0;
for (const ep of report.perEpisode) {
  const env = make('Football-v0', { scenario: report.envOptions.scenario }).unwrapped as FootballEnv;
  env.reset({ seed: ep.seed });
  let end = 'turn limit', shots = 0;
  for (const t of ep.trace) {
    for (const a of t.executed ?? []) {
      const e = env.engine;
      if (a === 'shot' && e.owner === e.active && shots++ === 0) {
        if (env.actionNames[scriptedFootballAction(env)] === 'shot') firstShotWhereOracleShoots++; else firstShotElsewhere++;
      }
      const r = env.step(env.actionNames.indexOf(a));
      if (r.terminated || r.truncated) {
        const ev = (r.info as { event: { goal: number; outOfPlay: boolean; possessionChange: boolean; save: number; tackle: number } }).event;
        end = ev.goal >= 0 ? 'goal' : ev.outOfPlay ? 'out of play' : ev.possessionChange ? (ev.save >= 0 ? 'keeper' : ev.tackle >= 0 ? 'tackle' : 'lost ball') : 'time';
        if (r.info.success) replayedWins++;
        break;
      }
    }
  }
  const k = `${ep.success ? 'won' : 'lost'}: ${end}${shots ? ', shot' : ', no shot'}`;
  ends[k] = (ends[k] ?? 0) + 1;
}
console.log(JSON.stringify({ report: process.argv[2], episodes: report.perEpisode.length, successes: report.successes, replayedWins, ends, firstShotWhereOracleShoots, firstShotElsewhere }, null, 1));
