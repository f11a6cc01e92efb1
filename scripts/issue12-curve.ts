// The issue-12 learning curve as a PNG: held-out test success (250 levels, Wilson 95%
// whiskers) of each saved checkpoint against SFT steps, with the random agent's expected
// rate on the same levels.  npx tsx scripts/issue12-curve.ts OUT.png STEP=REPORT.json ... [random=RATE] [xlabel=TEXT] [note=TEXT]
import { readFileSync } from 'node:fs';
import { saveLinePlot } from '../training/metrics/plot.js';

const [out, ...pairs] = process.argv.slice(2);
if (!out || pairs.length === 0) throw new Error('usage: issue12-curve.ts OUT.png STEP=REPORT.json ... [random=RATE] [xlabel=TEXT] [note=TEXT]');
const points: [number, number, number, number][] = [];
let random: number | null = null;
let xLabel = 'SFT + DAgger steps after growing 3 -> 6 layers (batch 32)';
let note = 'step 0 = the 3-layer agent (SFT + DAgger); whiskers: Wilson 95% intervals';
for (const p of pairs) {
  const at = p.indexOf('=');
  const k = p.slice(0, at), v = p.slice(at + 1);
  if (k === 'random') { random = Number(v); continue; }
  if (k === 'xlabel') { xLabel = v; continue; }
  if (k === 'note') { note = v; continue; }
  const r = JSON.parse(readFileSync(v, 'utf8')) as { successRate: number; successInterval95: [number, number] };
  points.push([Number(k), r.successRate, r.successInterval95[0], r.successInterval95[1]]);
}
points.sort((a, b) => a[0] - b[0]);
const xs = points.map((p) => p[0]);
await saveLinePlot(out, {
  title: 'Held-out 6x6 Sokoban from images (250 test levels, step mode, T 0.5)',
  xLabel,
  yLabel: 'success (fraction of levels)',
  yMin: 0, yMax: 1,
  series: [
    { label: 'agent', points: points.map((p) => [p[0], p[1]] as const), whiskers: points.map((p) => [p[0], p[2], p[3]] as const), markPoints: true },
    ...(random === null ? [] : [{ label: 'random agent (expected)', points: [[Math.min(...xs), random], [Math.max(...xs), random]] as const, dashed: true }]),
  ],
  notes: [note],
});
console.log(`wrote ${out}`);
