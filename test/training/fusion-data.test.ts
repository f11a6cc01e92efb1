// Issue 16: source-sampling datasets (several agents, N samples per prompt, scored with the
// RL reward, resumable, deterministic per seed) and what the fusion stages pick from them.
import { appendFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { composeReward } from '../../tasks/rewards/compose.js';
import { saveModel } from '../../agents/model/checkpoint.js';
import { makeLanguageEnv } from '../../training/rollout/envs.js';
import {
  buildSourceDataset, readSourceDataset, loadDatasetImages, datasetFile, FuseDataError, promptSeed,
  type FuseDataSpec, type FuseSample, type FuseSource,
} from '../../training/fusion/dataset.js';
import { bestResponses, preferencePairs } from '../../training/fusion/select.js';
import type { StageEnvSpec } from '../../training/pipeline/config.js';
import { tinyModel } from '../model/helpers.js';

const countdown: StageEnvSpec = { id: 'Countdown-v0', options: { difficulty: 'easy' }, mode: 'text', style: 'step', weight: 1 };
const source = (agent: string, samples: number, extra: Partial<FuseSource> = {}): FuseSource => ({ name: agent, agent, samples, temperature: null, settings: {}, ...extra });
const spec = (over: Partial<FuseDataSpec> = {}): FuseDataSpec => ({
  envs: [countdown], sources: [source('oracle', 1), source('random', 3)], prompts: 5, chunk: 2, seed: 7, seedLimit: 1_000_000_000,
  rewards: { accuracy: 1, format: 0.5, env: 0, penalty: 1 }, maxTokens: 16, ...over,
});
const tmp = () => mkdtempSync(join(tmpdir(), 'lmm-fuse-'));

describe('source-sampling dataset', () => {
  it('samples every source N times per prompt and scores each answer with the RL reward', async () => {
    const dir = tmp();
    const s = await buildSourceDataset(spec(), dir);
    expect(s).toMatchObject({ chunksTotal: 3, chunksReused: 0, chunksBuilt: 3, samplesWritten: 20 });
    const data = readSourceDataset(dir);
    expect(data.prompts).toEqual(['0/0', '0/1', '0/2', '0/3', '0/4']);
    expect(data.samples).toHaveLength(5 * (1 + 3));
    for (const x of data.samples) {
      expect(Object.keys(x.components).sort()).toEqual(['accuracy', 'env', 'format', 'penalty']);
      expect(x.reward).toBeCloseTo(composeReward(x.components, spec().rewards).total, 12);
      expect(x.seed).toBe(promptSeed(spec(), 0, Number(x.prompt.split('/')[1])));
      expect(x.turns).toHaveLength(1);
      expect(x.turns[0]!.prompt.startsWith('Countdown-v0\n')).toBe(true);
      expect(x.turns[0]!.image).toBeNull();
      expect(x.chars).toBe(x.turns[0]!.response.length);
    }
    // The oracle solves every easy Countdown (accuracy 1 + 0.5 format); the random agent keeps the format.
    const oracle = data.samples.filter((x) => x.source === 'oracle');
    expect(oracle.map((x) => x.reward)).toEqual([1.5, 1.5, 1.5, 1.5, 1.5]);
    const random = data.samples.filter((x) => x.source === 'random');
    expect(random.every((x) => x.components.format === 1)).toBe(true);
    // Each sample of a prompt gets its own generator: the random answers of a prompt are not all copies.
    const distinct = data.prompts.map((p) => new Set(random.filter((x) => x.prompt === p).map((x) => x.turns[0]!.response)).size);
    expect(Math.max(...distinct)).toBeGreaterThan(1);
    expect(random.map((x) => x.sample).slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('is the same file for the same seed, resumed after a crash or built in one go; another spec is refused', async () => {
    const a = tmp(), b = tmp();
    await buildSourceDataset(spec(), a);
    await expect(buildSourceDataset(spec(), b, { stopAfterChunks: 1 })).rejects.toThrow(/stopped after 1 chunks/);
    expect(readSourceDataset(b)).toMatchObject({ chunksDone: 1, chunksTotal: 3 });
    appendFileSync(datasetFile(b), '{"kind":"sample","chunk":"0/2","prompt":"0/2"'); // torn line of the next chunk
    const lines: string[] = [];
    const r = await buildSourceDataset(spec(), b, { log: (l) => lines.push(l) });
    expect(r).toMatchObject({ chunksReused: 1, chunksBuilt: 2 });
    expect(lines.join('\n')).toMatch(/dropping 1 lines of unfinished chunks/);
    expect(readFileSync(datasetFile(b), 'utf8')).toBe(readFileSync(datasetFile(a), 'utf8'));
    // Building again changes nothing; another seed gives other prompts and is refused on this folder.
    expect(await buildSourceDataset(spec(), a)).toMatchObject({ chunksReused: 3, chunksBuilt: 0 });
    await expect(buildSourceDataset(spec({ seed: 8 }), a)).rejects.toThrow(FuseDataError);
    const c = tmp();
    await buildSourceDataset(spec({ seed: 8 }), c);
    expect(readSourceDataset(c).samples[0]!.seed).not.toBe(readSourceDataset(a).samples[0]!.seed);
  });

  it('stores each distinct frame once as a PNG that decodes to the observation', async () => {
    const dir = tmp();
    const sokoban: StageEnvSpec = { id: 'Sokoban-v0', options: {}, mode: 'image', style: 'plan', weight: 1 };
    await buildSourceDataset(spec({ envs: [sokoban], sources: [source('oracle', 1), source('random', 2)], prompts: 2, chunk: 2 }), dir);
    const data = readSourceDataset(dir);
    expect(data.samples).toHaveLength(6);
    const refs = new Set(data.samples.map((x) => x.turns[0]!.image!));
    expect(refs.size).toBe(2); // one start frame per prompt, shared by its 3 samples
    expect(readdirSync(join(dir, 'images')).sort()).toEqual([...refs].map((r) => r.slice('images/'.length)).sort());
    const frames = await loadDatasetImages(dir, refs);
    const env = makeLanguageEnv(sokoban);
    for (const x of data.samples) {
      const obs = env.reset({ seed: x.seed }).observation;
      const f = frames.get(x.turns[0]!.image!)!;
      expect([f.width, f.height]).toEqual([obs.image!.width, obs.image!.height]);
      expect(Buffer.from(f.data).equals(Buffer.from(obs.image!.data))).toBe(true);
    }
    env.close();
    expect(data.samples.filter((x) => x.source === 'oracle').every((x) => x.success && x.reward === 1.5)).toBe(true);
  });

  it('samples a model checkpoint at its temperature, deterministically per seed', async () => {
    const model = await tinyModel(3);
    const ckpt = tmp();
    await saveModel(model, ckpt);
    model.dispose();
    const s = spec({ sources: [source(`model:${ckpt}`, 3, { name: 'tiny', temperature: 1 })], prompts: 2, chunk: 2 });
    const a = tmp(), b = tmp();
    await buildSourceDataset(s, a);
    await buildSourceDataset(s, b);
    expect(readFileSync(datasetFile(a), 'utf8')).toBe(readFileSync(datasetFile(b), 'utf8'));
    const data = readSourceDataset(a);
    expect(data.samples).toHaveLength(6);
    expect(data.samples.every((x) => x.source === 'tiny')).toBe(true);
    const answers = new Set(data.samples.map((x) => x.turns[0]!.response));
    expect(answers.size).toBeGreaterThan(1); // sampled at temperature 1, not greedy copies
    expect(JSON.parse(readFileSync(datasetFile(a), 'utf8').split('\n')[0]!).models.tiny).toMatch(/^[0-9a-f]{20}$/);
  });
});

const sample = (prompt: string, sourceIndex: number, sampleIndex: number, reward: number, chars: number, extra: Partial<FuseSample> = {}): FuseSample => ({
  kind: 'sample', chunk: '0/0', prompt, env: 0, seed: 1, source: `s${sourceIndex}`, sourceIndex, sample: sampleIndex,
  turns: [{ prompt: 'p', image: null, response: 'x'.repeat(chars) }], components: {}, reward, success: reward >= 1, chars, heldOut: false, ...extra,
});

describe('best response per prompt (fuse-sft data)', () => {
  it('takes the highest reward across sources, ties to the shorter answer, never a held-out episode', () => {
    const picks = bestResponses([
      sample('a', 0, 0, 1.5, 40), sample('a', 1, 0, 1.5, 25), sample('a', 2, 0, 0.5, 5),
      sample('b', 0, 0, 0.5, 10), sample('b', 2, 1, 1.0, 30), sample('b', 1, 0, 1.5, 3, { heldOut: true }),
      sample('c', 0, 0, 0, 9), sample('c', 0, 1, 0, 9),
    ]);
    expect(picks.map((p) => [p.prompt, p.sample.source, p.sample.sample])).toEqual([['a', 's1', 0], ['b', 's2', 1], ['c', 's0', 0]]);
    expect(bestResponses([sample('a', 0, 0, 1.5, 4), sample('c', 0, 0, 0.5, 9)], { minReward: 1 }).map((p) => p.prompt)).toEqual(['a']);
  });
});

describe('preference pairs (dpo data)', () => {
  it('pairs the best and worst answer of one source, keeps gaps in the band, prefers the source with the best answer', () => {
    const samples = [
      // prompt a: s0 gap 1.5 (1.5 vs 0), s1 gap 1.0 (1.5 vs 0.5): both chosen 1.5 -> the earlier source.
      sample('a', 0, 0, 1.5, 10), sample('a', 0, 1, 0, 20), sample('a', 0, 2, 0.5, 5),
      sample('a', 1, 0, 0.5, 10), sample('a', 1, 1, 1.5, 12),
      // prompt b: s0 all equal (no pair), s1 gap 0.5 -> s1.
      sample('b', 0, 0, 0.5, 10), sample('b', 0, 1, 0.5, 11), sample('b', 1, 0, 1.0, 10), sample('b', 1, 1, 0.5, 10),
      // prompt c: one sample per source: no pair.
      sample('c', 0, 0, 1.5, 10), sample('c', 1, 0, 0, 10),
    ];
    const all = preferencePairs(samples, { minGap: 0.01, maxGap: null });
    expect(all.map((p) => [p.prompt, p.source, p.chosen.sample, p.rejected.sample, p.gap])).toEqual([['a', 's0', 0, 1, 1.5], ['b', 's1', 0, 1, 0.5]]);
    // A band of [0.4, 1.2] drops s0's 1.5 gap on prompt a, so s1's pair (1.0) is used.
    const band = preferencePairs(samples, { minGap: 0.4, maxGap: 1.2 });
    expect(band.map((p) => [p.prompt, p.source, p.gap])).toEqual([['a', 's1', 1], ['b', 's1', 0.5]]);
    expect(preferencePairs(samples, { minGap: 2, maxGap: null })).toEqual([]);
  });

  it('ties among the worst answers go to the longer one (the shorter equal answer is never rejected first)', () => {
    const p = preferencePairs([sample('a', 0, 0, 1.5, 10), sample('a', 0, 1, 0, 8), sample('a', 0, 2, 0, 30)], { minGap: 0.01, maxGap: null });
    expect(p.map((x) => [x.chosen.sample, x.rejected.sample])).toEqual([[0, 2]]);
  });
});
