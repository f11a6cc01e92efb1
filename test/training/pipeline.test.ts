import { describe, expect, it } from 'vitest';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../envs/index.js';
import '../../agents/index.js';
import { validateTrainConfig } from '../../training/pipeline/config.js';
import { checkPrimeExamplesFit, configHooks, runPipeline } from '../../training/pipeline/run.js';
import { readTrainerState } from '../../training/pipeline/checkpoint.js';
import { readMetrics } from '../../training/metrics/jsonl.js';
import { loadModel } from '../../agents/model/checkpoint.js';
import { modelConfig } from '../../agents/model/config.js';
import { Tokenizer } from '../../agents/model/tokenizer.js';
import { TrainingConfigError, ResumeError } from '../../training/errors.js';
import { badField } from './helpers.js';

const tiny = (steps = 2) => ({
  name: 'test', seed: 3,
  model: { preset: 'tiny', overrides: { maxSeq: 192 } },
  checkpointEvery: 1,
  sampling: { temperature: 1, maxTokens: 6 },
  stages: [{
    type: 'fre', envs: [{ id: 'Countdown-v0', options: { difficulty: 'easy' } }],
    groupSize: 2, batch: 2, lr: 0.001, steps, eval: { episodes: 2 }, replays: { every: 1, count: 2 },
  }],
});

describe('training config validation', () => {
  it('fills defaults for a minimal config', () => {
    const c = validateTrainConfig(tiny(), configHooks);
    const s = c.stages[0]!;
    expect(s.type).toBe('fre');
    if (s.type === 'prime') throw new Error('unexpected');
    expect(s.algorithm.estimator).toBe('reinforce_baseline');
    expect(s.algorithm.klCoef).toBe(0);
    expect(s.algorithm.dualClip).toBe(3);
    expect(s.rewards).toMatchObject({ accuracy: 1, format: 0.5 });
    expect(s.envs[0]!.mode).toBe('text');
    expect(c.output).toBe('runs/test');
  });

  it('names the bad field', () => {
    const with_ = (f: (c: any) => void) => { const c: any = tiny(); f(c); return c; };
    expect(badField(with_((c) => { c.stages[0].groupSize = 0; }))).toBe('stages[0].groupSize');
    expect(badField(with_((c) => { c.stages[0].envs[0].mode = 'video'; }))).toBe('stages[0].envs[0].mode');
    expect(badField(with_((c) => { c.stages[0].envs[0].id = 'Nope-v0'; }))).toBe('stages[0].envs[0].id');
    expect(badField(with_((c) => { c.stages[0].envs[0].options = { colour: 1 }; }))).toBe('stages[0].envs[0].options');
    expect(badField(with_((c) => { c.stages[0].algorithm = { estimator: 'ppo2' }; }))).toBe('stages[0].algorithm.estimator');
    expect(badField(with_((c) => { c.stages[0].algorithm = { klCoef: -1 }; }))).toBe('stages[0].algorithm.klCoef');
    expect(badField(with_((c) => { c.stages[0].algorithm = { dualClip: 0.5 }; }))).toBe('stages[0].algorithm.dualClip');
    // miniBatch counts responses: one per episode in plan mode, up to one per turn in step mode.
    expect(badField(with_((c) => { c.stages[0].envs = [{ id: 'Sokoban-v0', style: 'plan' }]; c.stages[0].algorithm = { miniBatch: 5 }; }))).toBe('stages[0].algorithm.miniBatch');
    const step = (miniBatch: number) => with_((c) => { c.stages[0].type = 'mgt'; c.stages[0].envs = [{ id: 'Sokoban-v0', mode: 'image', style: 'step', maxTurns: 3 }]; c.stages[0].algorithm = { miniBatch }; });
    expect(validateTrainConfig(step(12), configHooks).stages[0]).toMatchObject({ algorithm: { miniBatch: 12 } });
    expect(badField(step(13))).toBe('stages[0].algorithm.miniBatch');
    expect(badField(with_((c) => { c.stages[0].lr = '1e-3'; }))).toBe('stages[0].lr');
    expect(badField(with_((c) => { c.stages[0].type = 'sft'; }))).toBe('stages[0].type');
    expect(badField(with_((c) => { c.stages[0].bogus = 1; }))).toBe('stages[0].bogus');
    expect(badField(with_((c) => { c.model.preset = 'huge'; }))).toBe('model.preset');
    expect(badField(with_((c) => { c.stages = []; }))).toBe('stages');
    expect(badField(with_((c) => { c.stages.push({ ...c.stages[0] }); }))).toBe('stages[1].name');
    expect(badField(with_((c) => { c.stages[0].envs[0].mode = 'image'; }))).toBe('stages[0].envs[0].mode'); // fre is text-only
    expect(badField(with_((c) => { c.stages[0].algorithm = { estimator: 'rloo' }; c.stages[0].groupSize = 1; }))).toBe('stages[0].groupSize');
    expect(badField(with_((c) => { c.stages[0].rewards = { format: 'half' }; }))).toBe('stages[0].rewards.format');
  });

  it('algorithm.klPrefix: null by default, validated, needs klCoef > 0', () => {
    const with_ = (algorithm: unknown) => { const c: any = tiny(); c.stages[0].algorithm = algorithm; return c; };
    const alg = (c: any) => { const s = validateTrainConfig(c, configHooks).stages[0]!; if (s.type === 'prime' || s.type === 'sft' || s.type === 'dpo') throw new Error('unexpected'); return s.algorithm; };
    expect(alg(tiny()).klPrefix).toBeNull();
    const ok = alg(with_({ klCoef: 0.2, klPrefix: { until: '; box', weight: 5 } }));
    expect(ok.klPrefix).toEqual({ until: '; box', weight: 5 });
    expect(alg(with_(ok)).klPrefix).toEqual(ok.klPrefix); // validation is idempotent
    expect(badField(with_({ klPrefix: { until: '; box', weight: 5 } }))).toBe('stages[0].algorithm.klPrefix');
    expect(badField(with_({ klCoef: 0.2, klPrefix: { until: '', weight: 5 } }))).toBe('stages[0].algorithm.klPrefix.until');
    expect(badField(with_({ klCoef: 0.2, klPrefix: { until: '; box' } }))).toBe('stages[0].algorithm.klPrefix.weight');
    expect(badField(with_({ klCoef: 0.2, klPrefix: { until: '; box', weight: -1 } }))).toBe('stages[0].algorithm.klPrefix.weight');
    expect(badField(with_({ klCoef: 0.2, klPrefix: { until: '; box', weight: 5, upto: 3 } }))).toBe('stages[0].algorithm.klPrefix.upto');
    expect(badField(with_({ klCoef: 0.2, klPrefix: '; box' }))).toBe('stages[0].algorithm.klPrefix');
  });
});

describe('every config object is strict (issue 18)', () => {
  const with_ = (f: (c: any) => void) => { const c: any = tiny(); f(c); return c; };
  it('typos and nulls are errors naming the field, not defaults', () => {
    expect(badField(with_((c) => { c.stages[0].rewards = { acuracy: 1 }; }))).toBe('stages[0].rewards.acuracy');
    expect(badField(with_((c) => { c.seed = null; }))).toBe('seed');
    expect(badField(with_((c) => { c.model = null; }))).toBe('model');
    expect(badField(with_((c) => { c.stages[0].groupSize = null; }))).toBe('stages[0].groupSize');
    expect(badField(with_((c) => { c.sampling.temperature = null; }))).toBe('sampling.temperature');
    expect(badField(with_((c) => { c.stages[0].eval = { episodes: 2, seedStart: null }; }))).toBe('stages[0].eval.seedStart');
    expect(badField(with_((c) => { c.stages[0].eval = { episodes: 2, keep: 'yes' }; }))).toBe('stages[0].eval.keep');
    expect(badField(with_((c) => { c.model.overrides.heads = 4; }))).toBe('model.overrides.heads');
    expect(validateTrainConfig(with_((c) => { c.stages[0].rewards = { penalty: 2, env: 0.1 }; }), configHooks).stages[0]).toMatchObject({ rewards: { penalty: 2, env: 0.1 } });
  });

  it('what would fail after minutes of work is refused up front', () => {
    const e = (() => { try { validateTrainConfig(with_((c) => { c.stages[0].eval = { episodes: 2, seedStart: Number.MAX_SAFE_INTEGER }; }), configHooks); } catch (x) { return x as TrainingConfigError; } return null; })();
    expect(e?.field).toBe('stages[0].eval.seedStart');
    expect(e?.message).toMatch(/past the largest exact seed/);
    const prime = with_((c) => { c.stages = [{ type: 'prime', envs: [{ id: 'Countdown-v0' }], steps: 1, lr: 0.001, eval: { seedStart: 5_000_000 } }]; });
    expect(badField(prime)).toBe('stages[0].eval.seedStart');
  });
});

// Issue 18: a prime stage whose examples cannot fit the context used to fail only after its
// oracle traces were collected (primeModel: "no SFT example fits the model's context").
describe('prime stage examples must fit the model context (checked up front)', () => {
  const primeCfg = (overrides: Record<string, number> = {}) => validateTrainConfig({
    name: 'fit', seed: 1, model: { preset: 'tiny', overrides },
    stages: [{ type: 'prime', envs: [{ id: 'Sokoban-v0', mode: 'text', style: 'plan' }], steps: 1, traces: 2, batch: 2, lr: 0.001, eval: { episodes: 1 } }],
  }, configHooks);

  it('the tiny preset (maxSeq 160) with Sokoban text plans is refused before any stage work, naming the env and the limit', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmm-train-'));
    const err = await runPipeline(primeCfg(), { out, quiet: true, log: () => {}, noPlots: true }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingConfigError);
    expect((err as TrainingConfigError).field).toBe('stages[0].envs[0]');
    expect((err as Error).message).toMatch(/the prime stage's SFT examples of Sokoban-v0 \(text, plan\) cannot fit .* takes \d+ tokens, the context \(maxSeq\) holds 160; raise model.overrides.maxSeq/);
    expect(existsSync(join(out, 'init'))).toBe(false); // nothing saved: a fixed config re-runs cleanly
  });

  it('measures examples as priming does: the limit is the shortest example', async () => {
    const cfg = primeCfg();
    const tokenizer = new Tokenizer();
    const model = (maxSeq: number) => ({ tokenizer, config: modelConfig('tiny', tokenizer.size, { maxSeq }) });
    let need = 0;
    await checkPrimeExamplesFit(cfg, model(160)).catch((e: Error) => { need = Number(/at least (\d+)/.exec(e.message)![1]); });
    expect(need).toBeGreaterThan(160);
    await expect(checkPrimeExamplesFit(cfg, model(need))).resolves.toBeUndefined();
    await expect(checkPrimeExamplesFit(cfg, model(need - 1))).rejects.toThrow(TrainingConfigError);
  });
});

describe('training pipeline (tiny model)', () => {
  it('a folder left by a run stopped before its first checkpoint does not refuse a plain re-run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmm-train-'));
    const cfg = validateTrainConfig(tiny(1), configHooks);
    await expect(runPipeline(cfg, { out, quiet: true, log: () => {}, noPlots: true, crashAfterUpdates: 1 })).rejects.toThrow(/injected crash/);
    expect(existsSync(join(out, 'init', 'model.json'))).toBe(true);
    const lines: string[] = [];
    await runPipeline(cfg, { out, quiet: true, log: (l) => lines.push(l), noPlots: true });
    expect(lines.join('\n')).toMatch(/stopped before its first checkpoint: starting it over/);
    expect(readMetrics(join(out, 'metrics.jsonl')).filter((x) => x.kind === 'train').map((x) => x.step)).toEqual([1]);
  });

  it('eval.keep keeps the model of every eval, the same weights as the checkpoint of that step', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmm-train-'));
    const cfg: any = tiny(2);
    cfg.stages[0].eval = { episodes: 1, every: 1, keep: true };
    cfg.stages[0].algorithm = { entropyCoef: 0.05 }; // a gradient even when every group's rewards are equal
    const r = await runPipeline(validateTrainConfig(cfg, configHooks), { out, quiet: true, log: () => {}, noPlots: true });
    const at1 = await loadModel(join(out, 'fre', 'eval-step-1'));
    const at2 = await loadModel(join(out, 'fre', 'eval-step-2'));
    const final = await loadModel(r.finalCheckpoint);
    const all = async (m: typeof final) => [...(await m.weights()).values()].flatMap((a) => Array.from(a));
    expect(await all(at2)).toEqual(await all(final));
    expect(await all(at1)).not.toEqual(await all(final)); // the update between the two evals moved the weights
    for (const m of [at1, at2, final]) m.dispose();
  });

  it('runs 2 updates: metrics lines, replays, a checkpoint with trainer state, a final model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmm-train-'));
    const r = await runPipeline(validateTrainConfig(tiny(2), configHooks), { out, quiet: true, log: () => {}, noPlots: true });
    const m = readMetrics(r.metricsPath);
    const train = m.filter((x) => x.kind === 'train');
    expect(train.map((x) => x.step)).toEqual([1, 2]);
    for (const t of train) {
      for (const k of ['reward', 'success', 'formatRate', 'responseTokens', 'loss', 'entropy', 'kl', 'tokensPerSec']) expect(typeof t[k]).toBe('number');
    }
    expect(m.filter((x) => x.kind === 'eval')).toHaveLength(1);
    const st = await readTrainerState(join(out, 'fre'));
    expect(st).toMatchObject({ stage: 'fre', step: 2, done: true });
    expect(existsSync(join(out, 'fre', 'replays', 'step-000001'))).toBe(true);
    expect(existsSync(join(out, 'fre', 'eval-step-2'))).toBe(false); // eval.keep is off by default
    const final = await loadModel(r.finalCheckpoint);
    expect(final.config.dModel).toBe(32);
    final.dispose();
    await expect(runPipeline(validateTrainConfig(tiny(2), configHooks), { out, quiet: true, log: () => {}, noPlots: true })).rejects.toThrow(ResumeError);
  });

  it('algorithm.dynamicSampling: off by default; on, the record counts the rounds and the sampled and trained groups', async () => {
    const cfg = (alg: unknown) => { const c: any = tiny(1); c.stages[0].algorithm = alg; c.stages[0].replays = { every: 0 }; return c; };
    const s0 = validateTrainConfig(tiny(), configHooks).stages[0]!;
    if (s0.type !== 'fre') throw new Error('unexpected');
    expect(s0.algorithm.dynamicSampling).toBe(0);
    expect(badField(cfg({ dynamicSampling: -1 }))).toBe('stages[0].algorithm.dynamicSampling');
    expect(badField(cfg({ dynamicSampling: 1.5 }))).toBe('stages[0].algorithm.dynamicSampling');
    const out = mkdtempSync(join(tmpdir(), 'lmm-train-'));
    const r = await runPipeline(validateTrainConfig(cfg({ dynamicSampling: 2 }), configHooks), { out, quiet: true, log: () => {}, noPlots: true });
    const [t] = readMetrics(r.metricsPath).filter((x) => x.kind === 'train');
    // The untrained tiny model scores every Countdown answer alike, so no group is informative:
    // both rounds are sampled and the first round's groups are trained.
    expect(t).toMatchObject({ samplingRounds: 2, sampledGroups: 4, trainedGroups: 2, degenerateGroups: 1 });
  });

  it('a crash mid-run leaves the last checkpoint loadable; --resume continues from its step', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmm-train-'));
    const cfg = validateTrainConfig(tiny(3), configHooks);
    await expect(runPipeline(cfg, { out, quiet: true, log: () => {}, noPlots: true, crashAfterUpdates: 2 })).rejects.toThrow(/injected crash/);
    const st = await readTrainerState(join(out, 'fre'));
    expect(st).toMatchObject({ step: 1, done: false }); // update 2 ran but its checkpoint was not written yet
    const m = await loadModel(join(out, 'fre', 'checkpoint'));
    m.dispose();
    const lines: string[] = [];
    await runPipeline(cfg, { out, resume: true, quiet: true, log: (l) => lines.push(l), noPlots: true });
    expect(lines.join('\n')).toMatch(/resume: stage fre from update 1/);
    const train = readMetrics(join(out, 'metrics.jsonl')).filter((x) => x.kind === 'train');
    expect(train.map((x) => x.step)).toEqual([1, 2, 3]); // update 2's orphan line was dropped, then redone
    expect(await readTrainerState(join(out, 'fre'))).toMatchObject({ step: 3, done: true });
  });
});
