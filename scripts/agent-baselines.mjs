#!/usr/bin/env node
// The random and oracle baselines of docs/agents.md ("Baselines"): runs `lmm-gym eval` for
// each row with both agents (text mode, seeds 0..N-1), keeps the JSON reports, and prints
// the table's Markdown rows (on stderr: each row's eval time, the reports' durationMs).
//
//   node scripts/agent-baselines.mjs [--only REGEX] [--out DIR]
//
// --only REGEX  the rows whose label matches (e.g. --only 'Sokoban|11_vs_11')
// --out DIR     where the eval reports go (default runs/agent-baselines)
// Needs dist/ (npm run build).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string', default: 'runs/agent-baselines' } } });

// label (the table's first column), episodes, eval arguments; `score` marks rows that show the MageBench score.
const ROWS = [
  ['FrozenLake-v0 4x4 slippery (step)', 500, ['--env', 'FrozenLake-v0']],
  ['FrozenLake-v0 4x4, `slippery=false` (step)', 500, ['--env', 'FrozenLake-v0', '--option', 'slippery=false']],
  ['FrozenLake-v0 8x8, `slippery=false` (plan)', 500, ['--env', 'FrozenLake-v0', '--option', 'map=8x8', '--option', 'slippery=false', '--interaction', 'plan']],
  ['Sokoban-v0 6x6, 1 box (step)', 500, ['--env', 'Sokoban-v0']],
  ['Sokoban-v0 6x6, 1 box, K = 3 (step)', 500, ['--env', 'Sokoban-v0', '--max-actions', '3']],
  ['Sokoban-v0 6x6, 1 box (plan)', 500, ['--env', 'Sokoban-v0', '--interaction', 'plan'], 'score'],
  ['Sokoban-v0 7x7, 2 boxes (plan)', 200, ['--env', 'Sokoban-v0', '--option', 'width=7', '--option', 'height=7', '--option', 'boxes=2', '--interaction', 'plan'], 'score'],
  ['Countdown-v0 easy (single)', 500, ['--env', 'Countdown-v0', '--option', 'difficulty=easy']],
  ['Countdown-v0 medium (single)', 500, ['--env', 'Countdown-v0']],
  ['Countdown-v0 hard (single)', 500, ['--env', 'Countdown-v0', '--option', 'difficulty=hard']],
  ['Arithmetic-v0 medium (single)', 500, ['--env', 'Arithmetic-v0']],
  ...['academy_empty_goal_close', 'academy_empty_goal', 'academy_run_to_score', 'academy_run_to_score_with_keeper',
    'academy_pass_and_shoot_with_keeper', 'academy_3_vs_1_with_keeper', 'academy_counterattack_easy']
    .map((s) => [`Football-v0 ${s} (step)`, 100, ['--env', 'Football-v0', '--option', `scenario=${s}`], 'score']),
  ['Football-v0 11_vs_11_easy, 400 turns (step)', 5, ['--env', 'Football-v0', '--option', 'scenario=11_vs_11_easy', '--max-turns', '400'], 'score'],
];

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const ci = (r) => `${pct(r.successRate)} (${(100 * r.successInterval95[0]).toFixed(1)}–${(100 * r.successInterval95[1]).toFixed(1)})`;
const score = (r) => {
  const s = Object.entries(r.scores).find(([k]) => k.startsWith('magebench'));
  return s ? s[1].mean.toFixed(1) : '–';
};

const only = values.only ? new RegExp(values.only) : null;
const out = join(ROOT, values.out);
mkdirSync(out, { recursive: true });
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
console.log(`<!-- node scripts/agent-baselines.mjs${values.only ? ` --only '${values.only}'` : ''} at ${commit}, ${new Date().toISOString().slice(0, 10)} -->`);
let seconds = 0;
for (const [label, episodes, args, scored] of ROWS) {
  if (only && !only.test(label)) continue;
  const reports = {};
  let rowSeconds = 0;
  for (const agent of ['random', 'oracle']) {
    const slug = label.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '');
    const file = join(out, `${slug}.${agent}.json`);
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'eval', ...args, '--agent', agent, '--episodes', String(episodes), '--quiet', '--out', file], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${label} / ${agent}: ${r.stderr}`);
    reports[agent] = JSON.parse(readFileSync(file, 'utf8'));
    rowSeconds += reports[agent].durationMs / 1000;
  }
  seconds += rowSeconds;
  const { random: ra, oracle: or } = reports;
  console.log(`| ${label} | ${episodes} | ${ci(ra)} | ${ci(or)} | ${pct(ra.formatValidRate).replace('.0%', '%')} / ${ra.meanSteps.toFixed(1)} | ${or.meanSteps.toFixed(1)} | ${scored ? `${score(ra)} / ${score(or)}` : '– / –'} |`);
  console.error(`[agent-baselines] ${label}: ${rowSeconds.toFixed(0)} s of eval time`);
}
console.error(`[agent-baselines] total eval time ${(seconds / 60).toFixed(1)} min`);
