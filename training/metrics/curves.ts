/**
 * Training curves from a metrics JSONL file (see docs/training.md for the record kinds):
 * the charts that buildCharts (charts.ts) decides, drawn to PNG. RL metrics one chart
 * each (x = global update, one colour per stage, EMA line over the raw values), SFT
 * metrics on their own charts, held-out eval success as points with interval whiskers
 * (or bars when each group has one eval), stage boundaries marked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MetricsRecord } from './jsonl.js';
import { buildCharts, type BuildChartsOptions, type ChartConfig, type ChartSpec } from './charts.js';
import { saveBarChart, saveLinePlot } from './plot.js';

export { buildCharts, type ChartSpec, type ChartConfig, type ChartBar, type BuildChartsOptions, type BuiltCharts, RL_METRICS, SFT_METRICS, DPO_METRICS, DEFAULT_RL_CHARTS, DEFAULT_SFT_CHARTS, DEFAULT_DPO_CHARTS, humanizeKey, type MetricInfo } from './charts.js';

export type CurveOptions = BuildChartsOptions;

/** Draw one chart spec to `path`. */
export async function drawChart(path: string, c: ChartSpec): Promise<void> {
  if (c.kind === 'bar') {
    await saveBarChart(path, { title: c.title, xLabel: c.xLabel, yLabel: c.yLabel, bars: c.bars, notes: c.notes, ...(c.yMin !== undefined ? { yMin: c.yMin } : {}), ...(c.yMax !== undefined ? { yMax: c.yMax } : {}) });
    return;
  }
  await saveLinePlot(path, {
    title: c.title, xLabel: c.xLabel, yLabel: c.yLabel, series: c.series, markers: c.markers, notes: c.notes,
    ...(c.yMin !== undefined ? { yMin: c.yMin } : {}), ...(c.yMax !== undefined ? { yMax: c.yMax } : {}),
    ...(c.xMin !== undefined ? { xMin: c.xMin } : {}), ...(c.xMax !== undefined ? { xMax: c.xMax } : {}),
  });
}

/** The run's config.json next to a metrics file (what `lmm-gym train` writes), or null. */
export function readRunConfig(metricsPath: string): ChartConfig | null {
  const path = join(dirname(metricsPath), 'config.json');
  if (!existsSync(path)) return null;
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v !== null && typeof v === 'object' ? (v as ChartConfig) : null;
  } catch {
    return null;
  }
}

/** Write the curves of `records` into `outDir`; returns the PNG paths written. */
export async function plotMetrics(records: readonly MetricsRecord[], outDir: string, opts: CurveOptions = {}): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const { charts } = buildCharts(records, opts);
  const written: string[] = [];
  for (const c of charts) {
    const path = join(outDir, c.file);
    await drawChart(path, c);
    written.push(path);
  }
  return written;
}
