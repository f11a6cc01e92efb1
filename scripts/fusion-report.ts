// The issue 16 result table from the reports of scripts/fusion-eval.sh: success on the
// first N episodes of each report (the same test levels / seeds for every model), with
// Wilson 95% intervals. Usage: npx tsx scripts/fusion-report.ts OUT_DIR N
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wilsonInterval } from '../agents/eval/stats.js';

const [dir = 'runs/fuse-eval', nArg = '128'] = process.argv.slice(2);
const n = Number(nArg);
const pct = (x: number) => (x * 100).toFixed(1);
console.log('| model | task | success [Wilson 95%] | format |');
console.log('|---|---|---|---|');
for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { agent: string; perEpisode: { success: boolean; formatValidRate: number }[] };
  const eps = r.perEpisode.slice(0, n);
  if (eps.length < n) { console.log(`| ${f} | (only ${eps.length} episodes) | | |`); continue; }
  const wins = eps.filter((e) => e.success).length;
  const [lo, hi] = wilsonInterval(wins, eps.length);
  const format = eps.reduce((a, e) => a + e.formatValidRate, 0) / eps.length;
  console.log(`| ${f.replace(/-(sokoban|countdown)\.json$/, '')} | ${/-sokoban\.json$/.test(f) ? 'Sokoban image plan (test levels)' : 'Countdown easy'} | ${pct(wins / eps.length)}% [${pct(lo)}, ${pct(hi)}] (${wins}/${eps.length}) | ${pct(format)}% |`);
}
