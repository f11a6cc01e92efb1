// Issue 16: the fuse-sft and dpo stages in `lmm-gym train` configs: strict validation,
// prime -> fuse-sft -> dpo -> mgt on a tiny model, metrics and curves, and an exact resume.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { OracleAgent } from '../../agents/oracles/oracle.js';
import { RandomAgent } from '../../agents/random.js';
import { registerAgent } from '../../agents/registry.js';
import { validateTrainConfig } from '../../training/pipeline/config.js';
import { configHooks, runPipeline } from '../../training/pipeline/run.js';
import { readTrainerState } from '../../training/pipeline/checkpoint.js';
import { readMetrics } from '../../training/metrics/jsonl.js';
import { plotMetrics } from '../../training/metrics/curves.js';
import { readSourceDataset } from '../../training/fusion/dataset.js';
import { badField } from './helpers.js';

// A source whose answers vary in quality: the oracle's answer or a random one, a coin flip
// per answer from the episode's generator (so a prompt's samples give preference pairs).
registerAgent('coin', () => {
  const oracle = new OracleAgent('verbose'), random = new RandomAgent(0);
  return {
    name: 'coin',
    act: async (obs, ctx = {}) => ((ctx.rng?.next() ?? 0) < 0.5 ? oracle.actSync(obs, ctx) : random.actSync(obs, ctx)),
  };
}, 'test source: oracle or random answer, a coin flip each', []);

const countdown = { id: 'Countdown-v0', options: { difficulty: 'easy' } };
const config = (over: { dpoSteps?: number; stages?: unknown[] } = {}) => ({
  name: 'fuse', seed: 4,
  model: { preset: 'tiny', overrides: { maxSeq: 192 } },
  checkpointEvery: 1,
  sampling: { temperature: 1, maxTokens: 24 },
  stages: over.stages ?? [
    { type: 'prime', envs: [countdown], traces: 4, steps: 2, batch: 4, lr: 0.002, eval: { episodes: 0 } },
    {
      type: 'fuse-sft', envs: [countdown], steps: 2, batch: 4, lr: 0.001, eval: { episodes: 2 },
      data: { sources: [{ agent: 'oracle' }, { agent: 'stage:prime', name: 'primed', samples: 2, temperature: 1 }, { agent: 'coin', samples: 4 }], prompts: 4, chunk: 2 },
    },
    { type: 'dpo', data: { from: 'fuse-sft' }, steps: over.dpoSteps ?? 3, batch: 2, lr: 0.001, beta: 0.1, eval: { episodes: 2 } },
    { type: 'mgt', envs: [countdown], groupSize: 2, batch: 1, lr: 0.0001, steps: 1, eval: { episodes: 0 } },
  ],
});

describe('fusion stage config', () => {
  const with_ = (f: (stages: any[]) => void) => { const c: any = config(); f(c.stages); return c; };
  it('fills defaults, resolves data.from and the dpo envs, and re-validates its own output', () => {
    const c = validateTrainConfig(config(), configHooks);
    const fuse = c.stages[1]!, dpo = c.stages[2]!;
    if (fuse.type !== 'fuse-sft' || dpo.type !== 'dpo') throw new Error('unexpected stage types');
    expect(fuse.data).toMatchObject({ prompts: 4, chunk: 2, seed: 4, maxTokens: 24, dir: null, rewards: { accuracy: 1, format: 0.5, env: 0, penalty: 1 } });
    expect(fuse.data.sources).toEqual([
      { name: 'oracle', agent: 'oracle', samples: 1, temperature: null, settings: {} },
      { name: 'primed', agent: 'stage:prime', samples: 2, temperature: 1, settings: {} },
      { name: 'coin', agent: 'coin', samples: 4, temperature: null, settings: {} },
    ]);
    expect(fuse.minReward).toBeNull();
    expect(dpo).toMatchObject({ data: { from: 'fuse-sft' }, envs: fuse.envs, beta: 0.1, loss: 'dpo', minGap: 0.01, maxGap: null, maxGradNorm: 1, batch: 2 });
    expect(validateTrainConfig(JSON.parse(JSON.stringify(c)), configHooks)).toEqual(c);
  });

  it('names the bad field: unknown fields, sources, references, the gap band, the loss', () => {
    expect(badField(with_((s) => { s[1].data.sources[0].agnet = 'oracle'; }))).toBe('stages[1].data.sources[0].agnet');
    expect(badField(with_((s) => { s[1].data.sources[0].agent = 'wizard'; }))).toBe('stages[1].data.sources[0].agent');
    expect(badField(with_((s) => { s[1].data.sources[1].agent = 'stage:dpo'; }))).toBe('stages[1].data.sources[1].agent'); // not an earlier stage
    expect(badField(with_((s) => { s[1].data.sources[2].name = 'oracle'; }))).toBe('stages[1].data.sources[2].name');
    expect(badField(with_((s) => { s[1].data.sources[2].samples = 0; }))).toBe('stages[1].data.sources[2].samples');
    expect(badField(with_((s) => { s[1].data.sources = []; }))).toBe('stages[1].data.sources');
    expect(badField(with_((s) => { s[1].data.rewards = { acuracy: 1 }; }))).toBe('stages[1].data.rewards.acuracy');
    expect(badField(with_((s) => { s[1].data.prompts = null; }))).toBe('stages[1].data.prompts');
    expect(badField(with_((s) => { s[1].data.from = 'prime'; }))).toBe('stages[1].data.from');
    expect(badField(with_((s) => { delete s[1].data; }))).toBe('stages[1].data');
    expect(badField(with_((s) => { s[1].beta = 0.1; }))).toBe('stages[1].beta'); // a dpo field on fuse-sft
    expect(badField(with_((s) => { s[2].data = { from: 'mgt' }; }))).toBe('stages[2].data.from');
    expect(badField(with_((s) => { s[2].data = { from: 'prime' }; }))).toBe('stages[2].data.from');
    expect(badField(with_((s) => { s[2].data = { from: 'fuse-sft', prompts: 3 }; }))).toBe('stages[2].data.prompts');
    expect(badField(with_((s) => { s[2].loss = 'ipo'; }))).toBe('stages[2].loss');
    expect(badField(with_((s) => { s[2].beta = 0; }))).toBe('stages[2].beta');
    expect(badField(with_((s) => { s[2].minGap = 0.5; s[2].maxGap = 0.2; }))).toBe('stages[2].maxGap');
    expect(badField(with_((s) => { s[2].eval = { seedStart: 999 }; }))).toBe('stages[2].eval.seedStart'); // would test on training prompts
    expect(badField(with_((s) => { s[2].groupSize = 4; }))).toBe('stages[2].groupSize');
  });

  it('any sub-sequence validates: dpo alone on its own data, fuse-sft then mgt', () => {
    const dpoOnly = validateTrainConfig(config({ stages: [{ type: 'dpo', envs: [countdown], steps: 1, lr: 1e-3, loss: 'dpo-norm', beta: 5, minGap: 0.4, maxGap: 1.2, data: { sources: [{ agent: 'random', samples: 4 }], prompts: 8 } }] }), configHooks);
    expect(dpoOnly.stages[0]).toMatchObject({ type: 'dpo', loss: 'dpo-norm', beta: 5, minGap: 0.4, maxGap: 1.2, data: { prompts: 8, chunk: 8 } });
    const c = config();
    const sub = validateTrainConfig({ ...c, stages: [{ ...(c.stages[1] as any), data: { sources: [{ agent: 'oracle' }] } }, c.stages[3]] }, configHooks);
    expect(sub.stages.map((s) => s.type)).toEqual(['fuse-sft', 'mgt']);
  });
});

describe('prime -> fuse-sft -> dpo -> mgt (tiny model)', () => {
  it('runs every stage: dataset, data/sft/dpo metrics, curves, checkpoints; a resumed dpo stage matches an uninterrupted one', async () => {
    const cfg = validateTrainConfig(config(), configHooks);
    const out = mkdtempSync(join(tmpdir(), 'lmm-fuse-run-'));
    const r = await runPipeline(cfg, { out, quiet: true, log: () => {}, noPlots: true });
    const m = readMetrics(r.metricsPath);
    const data = m.filter((x) => x.kind === 'data');
    expect(data.map((x) => x.stage)).toEqual(['fuse-sft', 'dpo']);
    expect(data[0]).toMatchObject({ prompts: 4, samples: 4 * (1 + 2 + 4), picked: 4, 'samples/coin': 16, 'picked/oracle': 4 }); // the oracle solves every prompt; the coin's copies of its answer tie, and the earlier source wins
    expect(data[1]!.pairs).toBeGreaterThan(0);
    expect(data[1]!['pairs/oracle']).toBe(0); // one deterministic answer: no gap
    expect(m.filter((x) => x.kind === 'sft').map((x) => x.step)).toEqual([1, 2]);
    const dpo = m.filter((x) => x.kind === 'dpo');
    expect(dpo.map((x) => x.step)).toEqual([1, 2, 3]);
    for (const d of dpo) for (const k of ['loss', 'dpo/margin', 'dpo/accuracy', 'dpo/chosenLogp', 'dpo/rejectedLogp', 'gradNorm']) expect(typeof d[k]).toBe('number');
    expect(dpo[0]!.loss as number).toBeCloseTo(Math.LN2, 3); // the reference is the stage's start model
    expect(m.filter((x) => x.kind === 'eval').map((x) => x.stage)).toEqual(['fuse-sft', 'dpo']);
    expect(m.filter((x) => x.kind === 'train').map((x) => x.stage)).toEqual(['mgt']);
    for (const s of ['fuse-sft', 'dpo', 'mgt']) expect(await readTrainerState(join(out, s))).toMatchObject({ done: true });
    expect(readSourceDataset(join(out, 'datasets', 'fuse-sft')).chunksDone).toBe(2);
    expect(existsSync(join(out, 'final', 'model.json'))).toBe(true);
    const pngs = await plotMetrics(m, join(out, 'curves'));
    expect(pngs.map((p) => p.slice(p.lastIndexOf('/') + 1))).toEqual(expect.arrayContaining(['dpo_margin.png', 'dpo_accuracy.png', 'dpo_chosenLogp.png', 'dpo_loss.png', 'sft_loss.png']));

    // The same run, crashing after the 2nd DPO step (before its checkpoint), then resumed.
    const out2 = mkdtempSync(join(tmpdir(), 'lmm-fuse-run-'));
    await expect(runPipeline(cfg, { out: out2, quiet: true, log: () => {}, noPlots: true, crashAfterUpdates: 2 + 2 })).rejects.toThrow(/injected crash/);
    expect(await readTrainerState(join(out2, 'dpo'))).toMatchObject({ step: 1, done: false });
    const lines: string[] = [];
    await runPipeline(cfg, { out: out2, resume: true, quiet: true, log: (l) => lines.push(l), noPlots: true });
    expect(lines.join('\n')).toMatch(/resume: stage dpo from update 1/);
    const dpo2 = readMetrics(join(out2, 'metrics.jsonl')).filter((x) => x.kind === 'dpo');
    expect(dpo2.map((x) => x.step)).toEqual([1, 2, 3]);
    dpo2.forEach((d, i) => {
      expect(d.loss as number).toBeCloseTo(dpo[i]!.loss as number, 5);
      expect(d['dpo/margin'] as number).toBeCloseTo(dpo[i]!['dpo/margin'] as number, 5);
    });

    // Crashing in fuse-sft (after its 2nd and last step, before the final checkpoint): the
    // resume replays the data order and schedule and continues from SFT step 1; the dataset is reused.
    const out3 = mkdtempSync(join(tmpdir(), 'lmm-fuse-run-'));
    await expect(runPipeline(cfg, { out: out3, quiet: true, log: () => {}, noPlots: true, crashAfterUpdates: 2 })).rejects.toThrow(/injected crash/);
    expect(await readTrainerState(join(out3, 'fuse-sft'))).toMatchObject({ step: 1, done: false });
    const lines3: string[] = [];
    await runPipeline(cfg, { out: out3, resume: true, quiet: true, log: (l) => lines3.push(l), noPlots: true });
    expect(lines3.join('\n')).toMatch(/resume: stage fuse-sft from update 1/);
    expect(lines3.join('\n')).not.toMatch(/built \d+ chunks/);
    const m3 = readMetrics(join(out3, 'metrics.jsonl'));
    expect(m3.filter((x) => x.kind === 'data').map((x) => x.stage)).toEqual(['fuse-sft', 'dpo']);
    expect(m3.filter((x) => x.kind === 'sft').map((x) => x.loss as number)).toEqual(m.filter((x) => x.kind === 'sft').map((x) => expect.closeTo(x.loss as number, 5)));
    expect(m3.filter((x) => x.kind === 'dpo').map((x) => x.loss as number)).toEqual(dpo.map((x) => expect.closeTo(x.loss as number, 5)));
  }, 240_000);
});
