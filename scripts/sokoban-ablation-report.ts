// Summary of scripts/sokoban-ablation.sh (issue 12 aim 3): per arm and seed, closed-loop
// success on the 250 test levels and the reasoning check on the held-out single moves (board
// read right; plan verified and answered), each paired with the start model; pooled over
// seeds with Wilson 95% intervals; and arm against arm, paired seed by seed (the arms play
// the same levels with the same sampling seeds); and each stage's training signal (mean
// reasoning and win reward, share of all-equal groups, KL at its end). Prints Markdown.
//   npx tsx scripts/sokoban-ablation-report.ts [runs/ablation2/sokoban]   (round 1: runs/ablation/sokoban)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pairedSuccess, wilsonInterval } from '../agents/eval/stats.js';
import { readMetrics } from '../training/metrics/jsonl.js';

const root = process.argv[2] ?? 'runs/ablation2/sokoban';
const ARMS: [string, string][] = [['mgt-only', 'MGT only (images)'], ['fre-mgt', 'FRE (text) -> MGT'], ['caption', 'text -> image+caption -> image']];

// loop: null when the run's closed-loop eval has not been made (LOOP=0).
interface Run { name: string; seed: number; loop: boolean[] | null; verified: boolean[]; readRight: number; moves: number }
type Check = Pick<Run, 'verified' | 'readRight' | 'moves'>;
/** A reasoning-check file of scripts/sokoban-failures.ts --json (null when not made). */
function readCheck(file: string): Check | null {
  if (!existsSync(file)) return null;
  const check = JSON.parse(readFileSync(file, 'utf8')) as { episodes: number; moves: number; readRight: number; verifiedEpisodes: number[] };
  const verified = new Array<boolean>(check.episodes).fill(false);
  for (const e of check.verifiedEpisodes) verified[e] = true;
  return { verified, readRight: check.readRight, moves: check.moves };
}
/** Per-episode success of a closed-loop eval report (null when not made). */
function readLoop(file: string): boolean[] | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { perEpisode: { success: boolean }[] }).perEpisode.map((e) => e.success) : null;
}
function load(name: string, seed = 0): Run | null {
  const check = readCheck(join(root, `${name}-move.check.json`));
  return check ? { name, seed, loop: readLoop(join(root, `${name}-loop.json`)), ...check } : null;
}
const count = (xs: readonly boolean[]) => xs.filter(Boolean).length;
const pct = (x: number) => (100 * x).toFixed(1);
const rate = (k: number, n: number) => { const [lo, hi] = wilsonInterval(k, n); return `${pct(k / n)}% [${pct(lo)}, ${pct(hi)}]`; };
const p = (v: number) => (v < 0.001 ? v.toExponential(1) : v.toFixed(3));
const pair = (a: readonly boolean[], b: readonly boolean[]) => { const r = pairedSuccess(a, b); return `${r.onlyA}/${r.onlyB}, p ${p(r.pValue)}`; };

// Every seed's positions paired with the base's, pooled (the same positions once per seed, so
// not independent draws: the per-seed tests are the stricter measure).
const pooledPair = (runs: readonly Check[], base: Check) => (runs.length > 1 ? `; pooled ${pair(runs.flatMap((r) => r.verified), runs.flatMap(() => base.verified))}` : '');

const start = load('start');
if (!start?.loop) throw new Error(`${root}: no start evals (run scripts/sokoban-ablation.sh)`);
const startLoop = start.loop;
const arms = ARMS.map(([key, label]) => ({ key, label, runs: [1, 2, 3, 4, 5].map((s) => load(`${key}-seed${s}`, s)).filter((r): r is Run => r !== null) }));

console.log('| model | seeds (closed loop / single moves) | closed-loop success, 250 test levels (pooled) | per seed (paired with the base: won only here / only there) | plan verified, held-out single moves (pooled) | per seed (paired with the base) | board read right |');
console.log('|---|---|---|---|---|---|---|');
console.log(`| base (${join(root, 'base')}) | - | ${rate(count(startLoop), startLoop.length)} | - | ${rate(count(start.verified), start.moves)} | - | ${pct(start.readRight / start.moves)}% |`);
for (const mode of ['text', 'image-caption']) {
  const c = readCheck(join(root, `start-move-${mode}.check.json`));
  if (c) console.log(`| base, single moves shown as ${mode.replace('-', '+')} | - | - | - | ${rate(count(c.verified), c.moves)} | - | ${pct(c.readRight / c.moves)}% |`);
}
for (const arm of arms) {
  if (!arm.runs.length) continue;
  const looped = arm.runs.filter((r): r is Run & { loop: boolean[] } => r.loop !== null);
  const loopK = looped.reduce((s, r) => s + count(r.loop), 0), loopN = looped.reduce((s, r) => s + r.loop.length, 0);
  const verK = arm.runs.reduce((s, r) => s + count(r.verified), 0), verN = arm.runs.reduce((s, r) => s + r.moves, 0);
  const read = arm.runs.reduce((s, r) => s + r.readRight, 0);
  const perLoop = looped.map((r) => `s${r.seed} ${pct(count(r.loop) / r.loop.length)}% (${pair(r.loop, startLoop)})`).join('; ');
  const perMove = arm.runs.map((r) => `s${r.seed} ${pct(count(r.verified) / r.moves)}% (${pair(r.verified, start.verified)})`).join('; ') + pooledPair(arm.runs, start);
  console.log(`| ${arm.label} | ${looped.length} / ${arm.runs.length} | ${loopN ? rate(loopK, loopN) : '-'} | ${perLoop} | ${rate(verK, verN)} | ${perMove} | ${pct(read / verN)}% |`);
}

// Arm against arm: seed s of one arm paired with seed s of the other, pooled over the seeds both have.
console.log('\n| arms (A vs B), paired by seed | closed loop: won by A only / B only, p | single moves: verified by A only / B only, p |');
console.log('|---|---|---|');
for (let i = 0; i < arms.length; i++) {
  for (let j = i + 1; j < arms.length; j++) {
    const a = arms[i]!, b = arms[j]!;
    // The seeds both arms have, for each metric.
    const both = (k: 'loop' | 'verified') => a.runs.filter((r) => r[k]).map((r) => r.seed).filter((seed) => b.runs.some((q) => q.seed === seed && q[k]));
    const cat = (runs: Run[], k: 'loop' | 'verified', seeds: number[]) => seeds.flatMap((seed) => runs.find((r) => r.seed === seed)![k]!);
    const ls = both('loop'), ms = both('verified');
    const loopCell = ls.length ? `${pair(cat(a.runs, 'loop', ls), cat(b.runs, 'loop', ls))} (${ls.length} seeds)` : '-';
    if (ms.length) console.log(`| ${a.label} vs ${b.label} | ${loopCell} | ${pair(cat(a.runs, 'verified', ms), cat(b.runs, 'verified', ms))} (${ms.length} seeds) |`);
  }
}

// The FRE stage alone (LMM-R1's question, does text RL carry over to images?): the FRE arm's
// checkpoint after its text stage, single moves as text and as images, paired with the base.
const fre = [['text', '-text'], ['images', '']].map(([label, sfx]) => ({
  label, base: readCheck(join(root, `start-move${sfx}.check.json`)),
  runs: [1, 2, 3, 4, 5].map((seed) => ({ seed, c: readCheck(join(root, `fre-mgt-seed${seed}-fre-move${sfx}.check.json`)) })).filter((r): r is { seed: number; c: Check } => r.c !== null),
}));
if (fre.some((m) => m.base && m.runs.length)) {
  console.log('\n| FRE arm after its text stage only, single moves shown as | base: plan verified | after the text stage (pooled) | per seed (paired with the base: verified only after / only before) | board read right (base, after) |');
  console.log('|---|---|---|---|---|');
  for (const { label, base, runs } of fre) {
    if (!base || !runs.length) continue;
    const k = runs.reduce((a, r) => a + count(r.c.verified), 0), n = runs.reduce((a, r) => a + r.c.moves, 0);
    const per = runs.map((r) => `s${r.seed} ${pct(count(r.c.verified) / r.c.moves)}% (${pair(r.c.verified, base.verified)})`).join('; ') + pooledPair(runs.map((r) => r.c), base);
    console.log(`| ${label} | ${rate(count(base.verified), base.moves)} | ${rate(k, n)} | ${per} | ${pct(base.readRight / base.moves)}%, ${pct(runs.reduce((a, r) => a + r.c.readRight, 0) / n)}% |`);
  }
  // Its closed loop on the test levels (success in place of verified plans).
  const loops = [1, 2, 3, 4, 5].map((seed) => ({ seed, won: readLoop(join(root, `fre-mgt-seed${seed}-fre-loop.json`)) })).filter((r): r is { seed: number; won: boolean[] } => r.won !== null);
  if (loops.length) {
    const k = loops.reduce((a, r) => a + count(r.won), 0), n = loops.reduce((a, r) => a + r.won.length, 0);
    const per = loops.map((r) => `s${r.seed} ${pct(count(r.won) / r.won.length)}% (${pair(r.won, startLoop)})`).join('; ');
    console.log(`| images, closed loop (success, 250 test levels) | ${rate(count(startLoop), startLoop.length)} | ${rate(k, n)} | ${per} | - |`);
  }
}

// What each stage trained on, over the arm's seeds: the rule-based rewards it saw and how many
// groups carried no signal (all 8 rewards equal: zero advantage).
console.log('\n| arm | stage | updates x seeds | reasoning reward | win reward | all-equal groups | KL at the end | s per update |');
console.log('|---|---|---|---|---|---|---|---|');
for (const arm of arms) {
  const stages = new Map<string, Record<string, number>[]>();
  for (const r of arm.runs) {
    const file = join(root, r.name, 'metrics.jsonl');
    if (!existsSync(file)) continue;
    const train = readMetrics(file).filter((m) => m.kind === 'train');
    for (const m of train) { const list = stages.get(String(m.stage)) ?? []; list.push(m as unknown as Record<string, number>); stages.set(String(m.stage), list); }
  }
  for (const [stage, recs] of stages) {
    const avg = (k: string) => recs.reduce((a, m) => a + (m[k] ?? 0), 0) / recs.length;
    const last = recs.filter((m) => m.step === Math.max(...recs.map((x) => x.step!)));
    const lastKl = last.reduce((a, m) => a + m.kl!, 0) / last.length;
    console.log(`| ${arm.label} | ${stage} | ${recs.length / arm.runs.length} x ${arm.runs.length} | ${avg('reward/reasoning').toFixed(3)} | ${avg('reward/accuracy').toFixed(3)} | ${(100 * avg('degenerateGroups')).toFixed(0)}% | ${lastKl.toFixed(4)} | ${avg('seconds').toFixed(1)} |`);
  }
}
