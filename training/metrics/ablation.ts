/**
 * Compare training arms over seeds (the LMM-R1 ablation: FRE-then-MGT vs MGT only): final
 * held-out success of one stage per run, pooled with a Wilson 95% interval and per seed,
 * and the stage's training curve as mean over seeds with a min-max band (PNG).
 */
import { join } from 'node:path';
import { wilsonInterval } from '../../agents/eval/stats.js';
import { readMetrics, type MetricsRecord } from './jsonl.js';
import { PALETTE, saveBarChart, saveLinePlot, type PlotSeries } from './plot.js';
import { RL_METRICS, humanizeKey } from './charts.js';
import { maxOf, minOf } from '../../envs/core/arrays.js';

export interface AblationArm {
  label: string;
  /** Run folders (one per seed), each with a metrics.jsonl. */
  runs: string[];
}

export interface ArmResult {
  label: string;
  seeds: number;
  /** Final eval success of each run (the last eval record of `stage`). */
  perSeed: { run: string; success: number; episodes: number }[];
  pooledSuccess: number;
  pooledInterval: [number, number];
  meanOfSeeds: number;
  minOfSeeds: number;
  maxOfSeeds: number;
}

/** Summarise each arm's runs at stage `stage` and draw `<outDir>/<stage>_success.png`. */
export async function compareArms(arms: readonly AblationArm[], stage: string, outDir: string, metric = 'success'): Promise<ArmResult[]> {
  const results: ArmResult[] = [];
  const series: PlotSeries[] = [];
  arms.forEach((arm, a) => {
    const perSeed: ArmResult['perSeed'] = [];
    const curves: Map<number, number[]> = new Map();
    for (const run of arm.runs) {
      const recs: MetricsRecord[] = readMetrics(join(run, 'metrics.jsonl'));
      const evals = recs.filter((r) => r.kind === 'eval' && r.stage === stage);
      const last = evals.at(-1);
      if (last && typeof last.success === 'number' && typeof last.episodes === 'number') perSeed.push({ run, success: last.success, episodes: last.episodes });
      for (const r of recs) {
        if (r.kind !== 'train' || r.stage !== stage || typeof r.step !== 'number' || typeof r[metric] !== 'number') continue;
        let values = curves.get(r.step);
        if (!values) curves.set(r.step, (values = []));
        values.push(r[metric] as number);
      }
    }
    const n = perSeed.reduce((s, p) => s + p.episodes, 0);
    const k = perSeed.reduce((s, p) => s + Math.round(p.success * p.episodes), 0);
    const succ = perSeed.map((p) => p.success);
    results.push({
      label: arm.label, seeds: perSeed.length, perSeed,
      pooledSuccess: n ? k / n : 0, pooledInterval: wilsonInterval(k, n),
      meanOfSeeds: succ.length ? succ.reduce((x, y) => x + y, 0) / succ.length : 0,
      minOfSeeds: succ.length ? minOf(succ) : 0, maxOfSeeds: succ.length ? maxOf(succ) : 0,
    });
    const steps = [...curves.keys()].sort((x, y) => x - y);
    series.push({
      label: `${arm.label} (mean of ${arm.runs.length} seeds, band min-max)`,
      color: PALETTE[a % PALETTE.length]!,
      points: steps.map((s) => { const v = curves.get(s)!; return [s, v.reduce((x, y) => x + y, 0) / v.length] as [number, number]; }),
      band: steps.map((s) => { const v = curves.get(s)!; return [s, minOf(v), maxOf(v)] as [number, number, number]; }),
    });
  });
  const info = RL_METRICS[metric] ?? { title: humanizeKey(metric), y: humanizeKey(metric) };
  await saveLinePlot(join(outDir, `${stage}_${metric}.png`), { title: `${stage}: ${info.title.replace(/^RL: /, '')} per update`, xLabel: `${stage} update`, yLabel: info.y, series, ...(info.range ? { yMin: info.range[0], yMax: info.range[1] } : {}) });
  // The arms are categories: bars with their pooled Wilson 95% interval, on [0, 1].
  await saveBarChart(join(outDir, `${stage}_final_eval.png`), {
    title: `Held-out ${metric} after ${stage} (pooled over seeds; whiskers: Wilson 95% interval)`, xLabel: 'arm', yLabel: 'held-out episodes solved (fraction)', yMin: 0, yMax: 1,
    bars: results.map((r, i) => ({
      label: r.label, value: r.pooledSuccess, lo: r.pooledInterval[0], hi: r.pooledInterval[1], color: PALETTE[i % PALETTE.length]!,
      note: `${(r.pooledSuccess * 100).toFixed(1)}% [${(r.pooledInterval[0] * 100).toFixed(1)}, ${(r.pooledInterval[1] * 100).toFixed(1)}] · ${r.seeds} seed${r.seeds === 1 ? '' : 's'}`,
    })),
  });
  return results;
}

/** The comparison as a Markdown table. */
export function armsTable(results: readonly ArmResult[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return ['| arm | seeds | pooled success [Wilson 95%] | per seed |', '|---|---|---|---|',
    ...results.map((r) => `| ${r.label} | ${r.seeds} | ${pct(r.pooledSuccess)} [${pct(r.pooledInterval[0])}, ${pct(r.pooledInterval[1])}] | ${r.perSeed.map((p) => pct(p.success)).join(', ')} |`)].join('\n');
}
