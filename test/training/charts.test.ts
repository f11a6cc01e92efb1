import { describe, expect, it } from 'vitest';
import { buildCharts, RL_METRICS, SFT_METRICS, type ChartSpec } from '../../training/metrics/charts.js';
import { layoutMarkerLabels } from '../../training/metrics/plot.js';
import type { MetricsRecord } from '../../training/metrics/jsonl.js';

const prime = (s: number, loss: number): MetricsRecord => ({ kind: 'prime', stage: 'prime', stageIndex: 0, step: s, globalStep: s, loss, gradNorm: 1, lr: 1e-4, tokens: 1700 });
const train = (stage: string, s: number, g: number, extra: Record<string, number> = {}): MetricsRecord => ({
  kind: 'train', stage, stageIndex: 1, step: s, globalStep: g, reward: 0.5 + s / 100, success: 0.3, formatRate: 0.99,
  'reward/accuracy': 0.3, 'reward/format': 0.99, 'reward/env': 0.8 + s / 10, 'reward/penalty': 0, responseTokens: 50, loss: 0.1 / s,
  kl: 0, entropy: 0.08, clipFraction: 0.01, tokensPerSec: 2000 + s, gradNorm: 1.2, tokens: 20000, ...extra,
});
const evalRec = (g: number, success: number, env = 'Sokoban-v0', stage = 'mgt'): MetricsRecord => ({
  kind: 'eval', stage, globalStep: g, env, mode: 'image', style: 'step', episodes: 250, success, successLo: success - 0.05, successHi: success + 0.06,
});
const RUN: MetricsRecord[] = [
  ...[1, 2, 3, 4, 5, 6].map((s) => prime(s, 6 / s)),
  evalRec(6, 0.1, 'Sokoban-v0', 'prime'),
  ...[1, 2, 3, 4, 5].map((s) => train('mgt', s, 6 + s)),
];
const byFile = (charts: ChartSpec[]) => new Map(charts.map((c) => [c.file, c]));

describe('chart specs (issue 14: charts that do not mislead)', () => {
  it('SFT and RL losses go on separate charts with their own units', () => {
    const c = byFile(buildCharts(RUN).charts);
    const sft = c.get('sft_loss.png')!, rl = c.get('rl_loss.png')!;
    expect(sft.series.map((s) => s.label)).toEqual(['prime (raw)', 'prime (EMA 0.3)']);
    expect(rl.series.every((s) => s.label.startsWith('mgt'))).toBe(true);
    expect(sft.yLabel).toBe('nats per response token');
    expect(rl.yLabel).toBe('loss per token');
    expect(c.has('loss.png')).toBe(false);
  });

  it('every y axis is a human label with a unit, never the raw key', () => {
    const { charts } = buildCharts(RUN, { all: true });
    expect(charts.length).toBeGreaterThan(15);
    for (const c of charts) {
      const key = c.file.replace(/\.png$/, '').replace(/^(sft|rl)_/, '');
      expect(c.yLabel, c.file).not.toBe(key);
      expect(c.yLabel, c.file).toMatch(/ /);
    }
    expect(byFile(charts).get('tokensPerSec.png')!.yLabel).toBe('generated tokens per second');
    expect(byFile(charts).get('tokensPerSec.png')!.title).toBe(RL_METRICS.tokensPerSec!.title);
    expect(byFile(charts).get('sft_lr.png')!.yLabel).toBe(SFT_METRICS.lr!.y);
  });

  it('fractions are drawn on [0, 1]; other metrics on their data', () => {
    const c = byFile(buildCharts(RUN, { all: true }).charts);
    for (const f of ['success.png', 'formatRate.png', 'clipFraction.png', 'reward_accuracy.png', 'eval_success.png']) {
      expect([c.get(f)!.yMin, c.get(f)!.yMax], f).toEqual([0, 1]);
    }
    expect(c.get('reward.png')!.yMin).toBeUndefined(); // rewards can be negative
    // Amounts start at 0 (2136 vs 2321 tokens/s is not a fall off a cliff); their top is free.
    expect([c.get('tokensPerSec.png')!.yMin, c.get('tokensPerSec.png')!.yMax]).toEqual([0, undefined]);
    expect(c.get('sft_loss.png')!.yMin).toBe(0);
  });

  it('every line chart spans the whole run, so a single point sits where it was measured', () => {
    const recs = [...RUN, { kind: 'prime', stage: 'prime', stageIndex: 0, step: 6, globalStep: 6, daggerWinRate: 0.25 }];
    const { charts } = buildCharts(recs, { all: true });
    const one = byFile(charts).get('sft_daggerWinRate.png')!;
    expect(one.series[0]!.points).toEqual([[6, 0.25]]);
    for (const c of charts.filter((x) => x.kind === 'line')) expect([c.xMin, c.xMax], c.file).toEqual([-0.02 * 11, 1.02 * 11]);
  });

  it('KL switched off by a coefficient of 0 is left out, and says why', () => {
    const withConfig = buildCharts(RUN, { config: { stages: [{ name: 'prime', type: 'prime' }, { name: 'mgt', type: 'mgt', algorithm: { klCoef: 0 } }] } });
    expect(byFile(withConfig.charts).has('kl.png')).toBe(false);
    expect(withConfig.omitted).toEqual([{ file: 'kl.png', reason: expect.stringContaining('KL coefficient is 0') }]);
    // Without a config: a KL of exactly 0 at every update is taken as switched off.
    const noConfig = buildCharts(RUN);
    expect(byFile(noConfig.charts).has('kl.png')).toBe(false);
    expect(noConfig.omitted[0]!.reason).toMatch(/0 at every update/);
    // A measured KL is drawn; a stage with klCoef 0 beside it is dropped with a note.
    const mixed = [...RUN, ...[1, 2, 3, 4, 5].map((s) => train('rl2', s, 11 + s, { kl: 0.01 * s }))];
    const m = byFile(buildCharts(mixed, { config: { stages: [{ name: 'mgt', algorithm: { klCoef: 0 } }, { name: 'rl2', algorithm: { klCoef: 0.05 } }] } }).charts).get('kl.png')!;
    expect(m.series.every((s) => s.label.startsWith('rl2'))).toBe(true);
    expect(m.notes).toEqual([expect.stringContaining('KL of stage mgt omitted')]);
  });

  it('a reward component of weight 0 is labelled so; other constant series say "constant"', () => {
    const c = byFile(buildCharts(RUN, { all: true, config: { stages: [{ name: 'mgt', rewards: { accuracy: 1, format: 0.5, env: 0, penalty: 1 } }] } }).charts);
    expect(c.get('reward_env.png')!.series.map((s) => s.label)).toEqual(['mgt (weight 0: not in the reward)']);
    expect(c.get('reward_penalty.png')!.series.map((s) => s.label)).toEqual(['mgt (constant 0) (raw)', 'mgt (constant 0) (EMA 0.3)']);
    expect(c.get('reward.png')!.series[0]!.label).toBe('mgt (raw)');
  });

  it('single evals per group are categories: bars with their 95% interval on [0, 1]', () => {
    const recs = [...RUN, evalRec(11, 0.3, 'FrozenLake-v0')];
    const c = byFile(buildCharts(recs).charts).get('eval_success.png')!;
    expect(c.kind).toBe('bar');
    expect(c.series).toEqual([]);
    expect(c.bars.map((b) => [b.label, b.value, b.lo, b.hi])).toEqual([
      ['Sokoban-v0 image step after prime', 0.1, 0.1 - 0.05, 0.1 + 0.06],
      ['FrozenLake-v0 image step after mgt', 0.3, 0.3 - 0.05, 0.3 + 0.06],
    ]);
    expect(c.bars[0]!.note).toBe('10.0% [5.0%, 16.0%] n=250');
    expect([c.yMin, c.yMax]).toEqual([0, 1]);
  });

  it('repeated evals are points with interval whiskers over the whole run (no band between evals)', () => {
    const recs = [...RUN, evalRec(11, 0.3)];
    const c = byFile(buildCharts(recs).charts).get('eval_success.png')!;
    expect(c.kind).toBe('line');
    const s = c.series[0]!;
    expect(s.points).toEqual([[6, 0.1], [11, 0.3]]);
    expect(s.whiskers).toEqual([[6, 0.1 - 0.05, 0.1 + 0.06], [11, 0.3 - 0.05, 0.3 + 0.06]]);
    expect(s.band).toBeUndefined();
    expect(s.markPoints).toBe(true);
    expect(s.dashed).toBe(true); // nothing measured between evals
    expect([c.xMin, c.xMax, c.yMin, c.yMax]).toEqual([-0.02 * 11, 1.02 * 11, 0, 1]);
    expect(c.markers.map((m) => m.label)).toEqual(['prime', 'mgt']);
  });

  it('is deterministic: the same records give the same specs', () => {
    expect(JSON.stringify(buildCharts(RUN, { all: true }))).toBe(JSON.stringify(buildCharts(RUN, { all: true })));
  });
});

describe('stage labels do not overlap', () => {
  it('puts a label that would touch the previous one on the next row', () => {
    const p = layoutMarkerLabels([{ x: 64, width: 40 }, { x: 66, width: 30 }, { x: 300, width: 30 }], 600);
    expect(p.map((q) => q.row)).toEqual([0, 1, 0]);
    for (let i = 0; i < p.length; i++) for (let j = i + 1; j < p.length; j++) {
      if (p[i]!.row !== p[j]!.row) continue;
      const a = p[i]!, b = p[j]!;
      const [wa, wb] = [[40, 30, 30][i]!, [40, 30, 30][j]!];
      expect(a.left + wa <= b.left || b.left + wb <= a.left).toBe(true);
    }
  });

  it('a label near the right edge is drawn to the left of its line', () => {
    expect(layoutMarkerLabels([{ x: 590, width: 40 }], 600)).toEqual([{ row: 0, left: 547, align: 'right' }]);
  });

  it('labels in input order come back in input order whatever their x order', () => {
    const p = layoutMarkerLabels([{ x: 300, width: 20 }, { x: 64, width: 20 }], 600);
    expect(p.map((q) => q.left)).toEqual([303, 67]);
  });
});
