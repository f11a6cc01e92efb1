/**
 * What the training charts show, decided before any pixel is drawn: one ChartSpec per
 * PNG (series, axes with units, ranges, stage markers, bars, notes). `buildCharts` is
 * pure, so tests check the specs; curves.ts draws them.
 *
 * Rules (issue 14, "charts that do not mislead"):
 * - Y axes say what is measured and in which unit (a catalogue per metric key), never
 *   the raw key.
 * - SFT records (kind 'prime') and RL records (kind 'train') share key names (`loss`,
 *   `gradNorm`) but measure different things: they get separate charts (sft_*, rl_*).
 * - Fractions (success, format rate, clipped share ...) are drawn on [0, 1].
 * - A metric switched off by the config (KL with klCoef 0 is never computed and logged
 *   as 0) is omitted with a note; a reward component of weight 0 is labelled so; any
 *   other series constant over all its updates is labelled "constant".
 * - Held-out evals are points with their 95% interval as whiskers (no band interpolated
 *   between evals, no line through one point). When each eval group has a single eval, the
 *   groups are categories: a bar chart with interval whiskers on [0, 1].
 */
import type { MetricsRecord } from './jsonl.js';
import { PALETTE, smoothEma, type PlotSeries } from './plot.js';

/** How one metric is shown. */
export interface MetricInfo {
  title: string;
  /** Y axis label: the quantity and its unit. */
  y: string;
  /** Fixed y range (fractions: [0, 1]). */
  range?: readonly [number, number];
  /** A non-negative amount (tokens, speed, a norm): the axis starts at 0, so a small change does not look large. */
  fromZero?: boolean;
}

/** RL metrics (kind 'train'). */
export const RL_METRICS: Readonly<Record<string, MetricInfo>> = {
  reward: { title: 'RL: mean episode reward (rule-based, weighted)', y: 'reward per episode' },
  success: { title: 'RL: success rate of the training rollouts', y: 'episodes solved (fraction)', range: [0, 1] },
  formatRate: { title: 'RL: answers in the required format', y: 'turns in format (fraction)', range: [0, 1] },
  'reward/accuracy': { title: 'RL: accuracy reward', y: 'accuracy reward per episode (0 to 1)', range: [0, 1] },
  'reward/format': { title: 'RL: format reward', y: 'format reward per episode (0 to 1)', range: [0, 1] },
  'reward/env': { title: "RL: env reward (the game's own)", y: 'env return per episode' },
  'reward/penalty': { title: 'RL: invalid-answer penalty', y: 'penalty per episode' },
  responseTokens: { title: 'RL: response length', y: 'tokens per response', fromZero: true },
  truncatedRate: { title: 'RL: responses cut at the token limit', y: 'responses cut (fraction)', range: [0, 1] },
  turnsPerEpisode: { title: 'RL: turns per episode', y: 'turns per episode', fromZero: true },
  advAbs: { title: 'RL: mean absolute advantage', y: '|advantage| (reward units)', fromZero: true },
  advSolvedTurns: { title: 'RL (turn credit): mean advantage of the turns of solved episodes', y: 'advantage per turn' },
  advFailedTurns: { title: 'RL (turn credit): mean advantage of the turns of failed episodes', y: 'advantage per turn' },
  degenerateGroups: { title: 'RL: groups with no reward spread', y: 'groups whose rewards are all equal (fraction)', range: [0, 1] },
  loss: { title: 'RL loss (policy-gradient surrogate, + KL term)', y: 'loss per token' },
  pgLoss: { title: 'RL: policy-gradient loss', y: 'loss per token' },
  kl: { title: 'RL: KL divergence to the reference model', y: 'KL (nats per token)' },
  entropy: { title: 'RL: policy entropy', y: 'entropy (nats per token)', fromZero: true },
  clipFraction: { title: 'RL: tokens whose ratio was clipped', y: 'clipped tokens (fraction)', range: [0, 1] },
  approxKlOld: { title: 'RL: KL to the rollout policy (approx.)', y: 'KL (nats per token)' },
  gradNorm: { title: 'RL: gradient norm', y: 'L2 norm (before clipping)', fromZero: true },
  tokens: { title: 'RL: tokens trained per update', y: 'tokens per update', fromZero: true },
  tokensPerSec: { title: 'RL: generation speed', y: 'generated tokens per second', fromZero: true },
  trainTokensPerSec: { title: 'RL: training speed', y: 'trained tokens per second', fromZero: true },
  seconds: { title: 'RL: time per update', y: 'seconds per update', fromZero: true },
};

/** SFT metrics (kind 'prime': the priming stage's supervised steps). */
export const SFT_METRICS: Readonly<Record<string, MetricInfo>> = {
  loss: { title: 'SFT loss (cross-entropy on the target responses)', y: 'nats per response token', fromZero: true },
  gradNorm: { title: 'SFT: gradient norm', y: 'L2 norm (before clipping)', fromZero: true },
  lr: { title: 'SFT: learning rate', y: 'learning rate', fromZero: true },
  tokens: { title: 'SFT: tokens per step', y: 'tokens per step', fromZero: true },
  daggerExamples: { title: 'SFT (DAgger): new examples per round', y: 'examples per round', fromZero: true },
  daggerWinRate: { title: 'SFT (DAgger): learner episodes solved', y: 'episodes solved (fraction)', range: [0, 1] },
  daggerDisagreement: { title: 'SFT (DAgger): learner vs expert disagreement', y: 'turns where they differ (fraction)', range: [0, 1] },
};

/** DPO metrics (kind 'dpo': the dpo stage's preference steps). */
export const DPO_METRICS: Readonly<Record<string, MetricInfo>> = {
  loss: { title: 'DPO loss (-log sigmoid of the scaled log-ratio margin)', y: 'loss per pair' },
  'dpo/margin': { title: 'DPO: implicit reward margin (chosen - rejected)', y: 'margin (beta x log-ratio)' },
  'dpo/accuracy': { title: 'DPO: pairs whose implicit reward ranks chosen first', y: 'pairs (fraction)', range: [0, 1] },
  'dpo/chosenLogp': { title: 'DPO: log-prob of the chosen response', y: 'log-prob (nats)' },
  'dpo/rejectedLogp': { title: 'DPO: log-prob of the rejected response', y: 'log-prob (nats)' },
  gradNorm: { title: 'DPO: gradient norm', y: 'L2 norm (before clipping)' },
};

/** Drawn by default (others with `all`). */
export const DEFAULT_RL_CHARTS = ['reward', 'success', 'formatRate', 'reward/accuracy', 'responseTokens', 'loss', 'kl', 'entropy', 'clipFraction', 'tokensPerSec'] as const;
export const DEFAULT_SFT_CHARTS = ['loss'] as const;
export const DEFAULT_DPO_CHARTS = ['loss', 'dpo/margin', 'dpo/accuracy', 'dpo/chosenLogp', 'dpo/rejectedLogp'] as const;

/** Keys never charted (bookkeeping). */
const NOT_METRICS = new Set(['step', 'globalStep', 'time', 'stageIndex', 'daggerRound', 'episodes']);

/** Readable words for a key without a catalogue entry: `trainTokensPerSec` -> "train tokens per sec". */
export function humanizeKey(key: string): string {
  return key.replace(/\//g, ': ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
}

/** The part of a training config the charts read (config.json next to metrics.jsonl). */
export interface ChartConfig {
  stages?: readonly { name?: unknown; type?: unknown; algorithm?: { klCoef?: unknown }; rewards?: Record<string, unknown> }[];
}

export interface ChartBar {
  label: string;
  value: number;
  /** Interval (e.g. Wilson 95%); drawn as a whisker. */
  lo?: number;
  hi?: number;
  color: string;
  /** Text above the bar, e.g. "30.4% [25.0, 36.4] (n=250)". */
  note?: string;
}

export interface ChartSpec {
  /** PNG file name. */
  file: string;
  kind: 'line' | 'bar';
  title: string;
  xLabel: string;
  yLabel: string;
  /** Fixed y range; otherwise from the data. */
  yMin?: number;
  yMax?: number;
  /** Fixed x range (eval charts: the whole run). */
  xMin?: number;
  xMax?: number;
  series: PlotSeries[];
  bars: ChartBar[];
  markers: { x: number; label: string }[];
  /** Said under the title (what was left out or how to read it). */
  notes: string[];
}

export interface BuildChartsOptions {
  /** EMA factor of the smoothed line (default 0.3; 1 = raw only). */
  smoothing?: number;
  /** Chart every numeric key, not only the default ones. */
  all?: boolean;
  /** The run's config (stage algorithms and reward weights). */
  config?: ChartConfig | null;
}

export interface BuiltCharts {
  charts: ChartSpec[];
  /** Metrics left out, with the reason. */
  omitted: { file: string; reason: string }[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The charts of a metrics file. Pure: the same records give the same specs. */
export function buildCharts(records: readonly MetricsRecord[], options: BuildChartsOptions = {}): BuiltCharts {
  const alpha = options.smoothing ?? 0.3;
  const stages: string[] = [];
  const seen = new Set<string>();
  for (const r of records) if (typeof r.stage === 'string' && !seen.has(r.stage)) { seen.add(r.stage); stages.push(r.stage); }
  const color = (stage: string) => PALETTE[Math.max(0, stages.indexOf(stage)) % PALETTE.length]!;
  const firstStep = new Map<string, number>();
  let lastStep = 0;
  for (const r of records) {
    const x = num(r.globalStep);
    if (!Number.isFinite(x)) continue;
    lastStep = Math.max(lastStep, x);
    if (typeof r.stage === 'string' && !(x >= (firstStep.get(r.stage) ?? Infinity))) firstStep.set(r.stage, x);
  }
  const markers = stages.filter((s) => firstStep.has(s)).map((s) => ({ x: firstStep.get(s)!, label: s }));
  const span = Math.max(1, lastStep);
  const runRange = { xMin: -0.02 * span, xMax: 1.02 * span };
  const stageConfig = new Map<string, NonNullable<ChartConfig['stages']>[number]>();
  for (const s of options.config?.stages ?? []) if (typeof s.name === 'string') stageConfig.set(s.name, s);
  const out: BuiltCharts = { charts: [], omitted: [] };

  const groups = [
    { kinds: ['train'], prefix: 'rl', catalogue: RL_METRICS, defaults: DEFAULT_RL_CHARTS as readonly string[], what: 'RL' },
    // Priming and fuse-sft are both supervised steps: one SFT chart per key, a series per stage.
    { kinds: ['prime', 'sft'], prefix: 'sft', catalogue: SFT_METRICS, defaults: DEFAULT_SFT_CHARTS as readonly string[], what: 'SFT' },
    { kinds: ['dpo'], prefix: 'dpo', catalogue: DPO_METRICS, defaults: DEFAULT_DPO_CHARTS as readonly string[], what: 'DPO' },
  ] as const;
  for (const g of groups) {
    const recs = records.filter((r) => (g.kinds as readonly unknown[]).includes(r.kind));
    if (recs.length === 0) continue;
    const present = new Set<string>();
    for (const r of recs) for (const [k, v] of Object.entries(r)) if (typeof v === 'number' && !NOT_METRICS.has(k)) present.add(k);
    const keys = options.all ? [...g.defaults.filter((k) => present.has(k)), ...[...present].filter((k) => !g.defaults.includes(k)).sort()] : g.defaults.filter((k) => present.has(k));
    for (const key of keys) {
      const info = g.catalogue[key] ?? { title: `${g.what}: ${humanizeKey(key)}`, y: humanizeKey(key) };
      // RL keys keep their file names (reward.png ...); the shared names get a prefix.
      const file = `${g.prefix !== 'rl' || key === 'loss' || key === 'gradNorm' || key === 'tokens' ? `${g.prefix}_` : ''}${safeName(key.replace(/^dpo\//, ''))}.png`;
      const series: PlotSeries[] = [];
      const notes: string[] = [];
      for (const stage of stages) {
        const pts = recs.filter((r) => r.stage === stage && Number.isFinite(num(r[key]))).map((r) => [num(r.globalStep), num(r[key])] as [number, number]);
        if (pts.length === 0) continue;
        const off = switchedOff(key, stage, pts, stageConfig.get(stage));
        if (off?.omit) { notes.push(off.note); continue; }
        let label = stage;
        if (off) label += ` (${off.note})`;
        else if (pts.length > 1 && pts.every(([, y]) => y === pts[0]![1])) label += ` (constant ${pts[0]![1]})`;
        if (alpha < 1 && pts.length > 3 && !off) {
          series.push({ label: `${label} (raw)`, points: pts, color: color(stage) + '55' });
          series.push({ label: `${label} (EMA ${alpha})`, points: smoothEma(pts, alpha), color: color(stage) });
        } else series.push({ label, points: pts, color: color(stage) });
      }
      if (series.length === 0) {
        out.omitted.push({ file, reason: notes.join('; ') || 'no data' });
        continue;
      }
      // Every chart spans the whole run, so one point sits where it was measured and the charts line up.
      const spec: ChartSpec = { file, kind: 'line', title: info.title, xLabel: 'update (all stages)', yLabel: info.y, series, bars: [], markers, notes, ...runRange };
      if (info.range) { spec.yMin = info.range[0]; spec.yMax = info.range[1]; }
      else if (info.fromZero) spec.yMin = 0;
      out.charts.push(spec);
    }
  }

  const evals = records.filter((r) => r.kind === 'eval' && Number.isFinite(num(r.success)));
  if (evals.length > 0) out.charts.push(evalChart(evals, markers, runRange));
  return out;
}

/**
 * Is `key` switched off in this stage? KL with klCoef 0 is never computed (logged as 0):
 * omitted. A reward component of weight 0 is measured but not paid: labelled. Without a
 * config, a KL that is exactly 0 at every update is taken as switched off.
 */
function switchedOff(key: string, stage: string, pts: readonly (readonly [number, number])[], cfg: NonNullable<ChartConfig['stages']>[number] | undefined): { omit: boolean; note: string } | null {
  if (key === 'kl') {
    const coef = cfg?.algorithm?.klCoef;
    if (coef === 0) return { omit: true, note: `KL of stage ${stage} omitted: its KL coefficient is 0, so KL is not computed (logged as 0)` };
    if (coef === undefined && pts.every(([, y]) => y === 0)) return { omit: true, note: `KL of stage ${stage} omitted: 0 at every update (a KL coefficient of 0 skips it)` };
  }
  const m = /^reward\/(.+)$/.exec(key);
  if (m && cfg?.rewards && cfg.rewards[m[1]!] === 0) return { omit: false, note: 'weight 0: not in the reward' };
  return null;
}

/** Held-out success: bars per group when each group has one eval, else points with whiskers over the run. */
function evalChart(evals: readonly MetricsRecord[], markers: ChartSpec['markers'], runRange: { xMin: number; xMax: number }): ChartSpec {
  const groups = new Map<string, MetricsRecord[]>();
  for (const r of evals) {
    const k = [r.env, r.mode, r.style].filter((x) => typeof x === 'string').join(' ') || 'eval';
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const base = { file: 'eval_success.png', yLabel: 'held-out episodes solved (fraction)', yMin: 0, yMax: 1, notes: [] as string[] };
  const interval = (r: MetricsRecord) => {
    const lo = num(r.successLo), hi = num(r.successHi);
    return Number.isFinite(lo) && Number.isFinite(hi) ? { lo, hi } : {};
  };
  if ([...groups.values()].every((g) => g.length === 1)) {
    const bars: ChartBar[] = [...groups.entries()].map(([label, [r]], i) => {
      const iv = interval(r!);
      const n = num(r!.episodes);
      const stage = typeof r!.stage === 'string' ? ` after ${r!.stage}` : '';
      return {
        label: `${label}${stage}`, value: num(r!.success), ...iv, color: PALETTE[i % PALETTE.length]!,
        note: `${pct(num(r!.success))}${iv.lo !== undefined ? ` [${pct(iv.lo)}, ${pct(iv.hi!)}]` : ''}${Number.isFinite(n) ? ` n=${n}` : ''}`,
      };
    });
    const hasIv = bars.some((b) => b.lo !== undefined);
    return { ...base, kind: 'bar', title: `Held-out success${hasIv ? ' (whiskers: 95% interval)' : ''}`, xLabel: 'env · mode · style', series: [], bars, markers: [] };
  }
  const series: PlotSeries[] = [...groups.entries()].map(([label, rs], i) => ({
    label,
    color: PALETTE[i % PALETTE.length]!,
    points: rs.map((r) => [num(r.globalStep), num(r.success)] as [number, number]),
    whiskers: rs.map((r) => { const iv = interval(r); return [num(r.globalStep), iv.lo ?? NaN, iv.hi ?? NaN] as [number, number, number]; }),
    markPoints: true,
    // Dashed: nothing was measured between two evals.
    dashed: true,
  }));
  return { ...base, kind: 'line', title: 'Held-out success (whiskers: 95% interval)', xLabel: 'update (all stages)', ...runRange, series, bars: [], markers };
}
