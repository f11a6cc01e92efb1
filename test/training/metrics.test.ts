import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsLogger, filterMetricsFile, parseMetrics, readMetrics } from '../../training/metrics/jsonl.js';
import { plotMetrics } from '../../training/metrics/curves.js';
import { niceTicks, smoothEma } from '../../training/metrics/plot.js';
import { decodePng } from '../../envs/render/png.js';
import { MetricsFileError } from '../../training/errors.js';
import { maxOf, minOf, pushAll } from '../../envs/core/arrays.js';

describe('metrics JSONL', () => {
  it('appends flushed lines, writes NaN as null, and reads them back', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lmm-metrics-')), 'm.jsonl');
    const log = new MetricsLogger(path);
    log.log({ kind: 'train', step: 1, reward: 0.5, kl: NaN });
    // Flushed without close: another reader sees the line at once.
    expect(readFileSync(path, 'utf8')).toBe('{"kind":"train","step":1,"reward":0.5,"kl":null}\n');
    log.log({ kind: 'train', step: 2, reward: 1 });
    log.close();
    expect(readMetrics(path).map((r) => r.step)).toEqual([1, 2]);
  });

  it('skips a truncated last line but names a corrupt middle line', () => {
    expect(parseMetrics('{"a":1}\n{"a":2}\n{"a":')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => parseMetrics('{"a":1}\nnot json\n{"a":2}\n', 'm.jsonl')).toThrow(/m.jsonl:2/);
    expect(() => parseMetrics('[1,2]\n')).toThrow(MetricsFileError);
  });

  it('filterMetricsFile keeps only accepted records (resume)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lmm-metrics-')), 'm.jsonl');
    writeFileSync(path, [1, 2, 3, 4].map((s) => JSON.stringify({ step: s }) + '\n').join(''));
    expect(await filterMetricsFile(path, (r) => (r.step as number) <= 2)).toBe(2);
    appendFileSync(path, '{"step":3}\n');
    expect(readMetrics(path).map((r) => r.step)).toEqual([1, 2, 3]);
  });
});

describe('curves', () => {
  it('nice ticks and EMA', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(smoothEma([[0, 1], [1, NaN], [2, 3]], 0.5)).toEqual([[0, 1], [1, 1], [2, 2]]);
  });

  it('plots train metrics per stage and eval success as PNG files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-curves-'));
    const recs = [
      ...[1, 2, 3, 4, 5].map((s) => ({ kind: 'train', stage: 'fre', stageIndex: 0, step: s, globalStep: s, reward: s / 5, loss: 1 / s })),
      ...[1, 2, 3].map((s) => ({ kind: 'train', stage: 'mgt', stageIndex: 1, step: s, globalStep: 5 + s, reward: 0.5, loss: 0.2 })),
      { kind: 'eval', stage: 'mgt', stageIndex: 1, step: 3, globalStep: 8, env: 'Sokoban-v0', mode: 'image', style: 'plan', success: 0.5, successLo: 0.3, successHi: 0.7 },
    ];
    const paths = await plotMetrics(recs, dir);
    expect(paths.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['eval_success.png', 'reward.png', 'rl_loss.png']);
    const img = await decodePng(readFileSync(paths[0]!));
    expect([img.width, img.height]).toEqual([640, 400]);
  });
});

describe('big metrics files (issue 18: no spread of big arrays into arguments)', () => {
  it('plots 200k metric points (two stages) without overflowing the stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-curves-big-'));
    const N = 200_000;
    const lines: string[] = [];
    for (let i = 1; i <= N; i++) {
      const stage = i <= 190_000 ? 'fre' : 'mgt';
      lines.push(JSON.stringify({ kind: 'train', stage, step: i, globalStep: i, reward: (i % 100) / 100, loss: 1 / i }));
    }
    for (let i = 0; i < 2000; i++) lines.push(JSON.stringify({ kind: 'eval', stage: 'mgt', globalStep: 190_000 + i, env: 'Sokoban-v0', mode: 'image', style: 'plan', success: 0.5, successLo: 0.4, successHi: 0.6 }));
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    const records = readMetrics(path);
    expect(records).toHaveLength(N + 2000);
    const paths = await plotMetrics(records, join(dir, 'plots'));
    expect(paths.map((p) => p.slice(dir.length + 7)).sort()).toEqual(['eval_success.png', 'reward.png', 'rl_loss.png']);
    const img = await decodePng(readFileSync(paths[0]!));
    expect([img.width, img.height]).toEqual([640, 400]);
  });

  it('maxOf / minOf / pushAll take any length and keep Math.max semantics', () => {
    const big = Array.from({ length: 500_000 }, (_, i) => i);
    expect(maxOf(big)).toBe(499_999);
    expect(minOf(big)).toBe(0);
    expect(pushAll([-1], big)).toHaveLength(500_001);
    expect(maxOf([])).toBe(-Infinity);
    expect(minOf([])).toBe(Infinity);
    expect(maxOf([1, NaN, 3])).toBeNaN();
  });
});
