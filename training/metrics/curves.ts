/**
 * Training curves from a metrics JSONL file (see docs/training.md for the record kinds):
 * one PNG per train metric (x = global update, one colour per stage, EMA-smoothed line over
 * the raw values), one PNG of eval success per env/mode/style, stage boundaries marked.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { MetricsRecord } from './jsonl.js';
import { PALETTE, saveLinePlot, smoothEma, type PlotSeries } from './plot.js';

/** Metrics drawn by default when present (others are drawn too when `all` is set). */
export const DEFAULT_CURVES: readonly { key: string; title: string }[] = [
  { key: 'reward', title: 'mean total reward' },
  { key: 'success', title: 'success rate (rollouts)' },
  { key: 'formatRate', title: 'format rate' },
  { key: 'reward/accuracy', title: 'accuracy reward' },
  { key: 'responseTokens', title: 'response length (tokens)' },
  { key: 'loss', title: 'loss' },
  { key: 'kl', title: 'KL to reference' },
  { key: 'entropy', title: 'entropy (nats/token)' },
  { key: 'clipFraction', title: 'clipped fraction' },
  { key: 'tokensPerSec', title: 'tokens/s' },
  { key: 'dpo/margin', title: 'DPO implicit reward margin (chosen - rejected)' },
  { key: 'dpo/accuracy', title: 'DPO implicit reward accuracy' },
  { key: 'dpo/chosenLogp', title: 'DPO log-prob of the chosen response' },
  { key: 'dpo/rejectedLogp', title: 'DPO log-prob of the rejected response' },
];

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

export interface CurveOptions {
  /** EMA factor for the smoothed line (default 0.3; 1 = raw). */
  smoothing?: number;
  /** Plot every numeric train key, not only DEFAULT_CURVES. */
  all?: boolean;
}

/** Write the curves of `records` into `outDir`; returns the PNG paths written. */
export async function plotMetrics(records: readonly MetricsRecord[], outDir: string, opts: CurveOptions = {}): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const alpha = opts.smoothing ?? 0.3;
  // Per-update records: RL updates, priming / fuse-sft SFT steps, DPO steps.
  const train = records.filter((r) => r.kind === 'train' || r.kind === 'prime' || r.kind === 'sft' || r.kind === 'dpo');
  const stages: string[] = [];
  const seenStages = new Set<string>();
  for (const r of records) if (typeof r.stage === 'string' && !seenStages.has(r.stage)) { seenStages.add(r.stage); stages.push(r.stage); }
  const color = (stage: string) => PALETTE[stages.indexOf(stage) % PALETTE.length]!;
  // First global step of each stage, in one pass (no spread: a long run has 100k+ records).
  const firstStep = new Map<string, number>();
  for (const r of records) {
    const x = num(r.globalStep);
    if (typeof r.stage !== 'string' || !Number.isFinite(x)) continue;
    if (!(x >= (firstStep.get(r.stage) ?? Infinity))) firstStep.set(r.stage, x);
  }
  const markers = stages.filter((s) => firstStep.has(s)).map((s) => ({ x: firstStep.get(s)!, label: s }));
  const written: string[] = [];

  const keys = opts.all
    ? [...new Set(train.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === 'number' && !['step', 'globalStep', 'time', 'stageIndex'].includes(k))))].map((key) => ({ key, title: key }))
    : DEFAULT_CURVES.filter((c) => train.some((r) => typeof r[c.key] === 'number'));
  for (const { key, title } of keys) {
    const series: PlotSeries[] = [];
    for (const stage of stages) {
      const pts = train.filter((r) => r.stage === stage && Number.isFinite(num(r[key]))).map((r) => [num(r.globalStep), num(r[key])] as [number, number]);
      if (pts.length === 0) continue;
      if (alpha < 1 && pts.length > 3) {
        series.push({ label: `${stage} (raw)`, points: pts, color: color(stage) + '55' });
        series.push({ label: `${stage} (EMA)`, points: smoothEma(pts, alpha), color: color(stage) });
      } else series.push({ label: stage, points: pts, color: color(stage) });
    }
    if (series.length === 0) continue;
    const path = join(outDir, `${safeName(key)}.png`);
    await saveLinePlot(path, { title, xLabel: 'update (all stages)', yLabel: key, series, markers });
    written.push(path);
  }

  const evals = records.filter((r) => r.kind === 'eval');
  if (evals.length > 0) {
    const groups = new Map<string, MetricsRecord[]>();
    for (const r of evals) {
      const k = [r.env, r.mode, r.style].filter((x) => typeof x === 'string').join(' ');
      let group = groups.get(k);
      if (!group) groups.set(k, (group = []));
      group.push(r);
    }
    const series: PlotSeries[] = [...groups.entries()].map(([label, rs], i) => ({
      label,
      color: PALETTE[i % PALETTE.length]!,
      points: rs.map((r) => [num(r.globalStep), num(r.success)] as [number, number]),
      band: rs.map((r) => [num(r.globalStep), num(r.successLo), num(r.successHi)] as [number, number, number]),
    }));
    const path = join(outDir, 'eval_success.png');
    await saveLinePlot(path, { title: 'held-out success (95% interval)', xLabel: 'update (all stages)', yLabel: 'success', series, markers, yMin: 0, yMax: 1 });
    written.push(path);
  }
  return written;
}
