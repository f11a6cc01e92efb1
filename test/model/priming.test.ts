import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { initBackend, LmmModel, Tokenizer } from '../../agents/model/index.js';
import { collectOracleExamples, primeModel, primingLearningRate } from '../../training/priming/index.js';

describe('priming (SFT)', () => {
  it('collects oracle examples with the model prompt and the <think>/<answer> response', async () => {
    const ex = await collectOracleExamples([{ envId: 'Countdown-v0', episodes: 3 }, { envId: 'FrozenLake-v0', episodes: 2, mode: 'image', successOnly: false }]);
    expect(ex.length).toBeGreaterThanOrEqual(4);
    for (const e of ex) {
      expect(e.response).toMatch(/^<think>[\s\S]*<\/think><answer>[\s\S]*<\/answer>$/);
      expect(e.prompt.startsWith(`${e.source}\n`)).toBe(true);
    }
    expect(ex.some((e) => e.image && e.image.width > 0)).toBe(true);
    expect(ex.filter((e) => e.source === 'Countdown-v0').every((e) => !e.image)).toBe(true);
  });

  it('reduces the loss on oracle traces and writes the loss curve', async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
    const ex = await collectOracleExamples([{ envId: 'Countdown-v0', episodes: 4 }, { envId: 'FrozenLake-v0', episodes: 1, mode: 'image', successOnly: false }]);
    const tok = Tokenizer.build(ex.flatMap((e) => [e.prompt, e.response]));
    const model = LmmModel.create({ preset: 'tiny', tokenizer: tok, seed: 0, config: { maxSeq: 320 } });
    const dir = await mkdtemp(join(tmpdir(), 'lmm-prime-'));
    const steps: number[] = [];
    const fixed = ex.slice(0, 6).map((e) => ({ input: { prompt: e.prompt, image: e.image ?? null }, response: e.response }));
    const nll = () => { const t = model.nll(fixed); const v = t.dataSync()[0]!; t.dispose(); return v; };
    const before = nll();
    const r = await primeModel(model, ex, { steps: 10, batchSize: 4, learningRate: 1e-2, warmupSteps: 2, progress: false, lossCurvePath: join(dir, 'loss.png'), onStep: (s) => steps.push(s.step) });
    expect(r.steps).toBe(10);
    expect(steps).toEqual([...Array(10).keys()]);
    expect(r.skipped).toBe(0);
    expect(r.losses.length).toBe(10);
    expect(nll()).toBeLessThan(before * 0.8);
    const png = await readFile(join(dir, 'loss.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('entropyBonus keeps the predictive distribution wider than plain SFT from the same start', async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
    const ex = await collectOracleExamples([{ envId: 'Countdown-v0', episodes: 4 }]);
    const tok = Tokenizer.build(ex.flatMap((e) => [e.prompt, e.response]));
    const fixed = ex.slice(0, 6).map((e) => ({ input: { prompt: e.prompt }, response: e.response }));
    const entropyAfter = async (entropyBonus: number) => {
      const model = LmmModel.create({ preset: 'tiny', tokenizer: tok, seed: 0, config: { maxSeq: 320 } });
      await primeModel(model, ex, { steps: 40, batchSize: 4, learningRate: 1e-2, warmupSteps: 2, progress: false, entropyBonus });
      const { logProbs, mask, entropy } = model.responseLogProbs(fixed, { entropy: true });
      const [h, n, lp] = [entropy!.sum().dataSync()[0]!, mask.sum().dataSync()[0]!, logProbs.sum().dataSync()[0]!];
      [logProbs, mask, entropy!].forEach((t) => t.dispose());
      model.dispose();
      return { entropy: h / n, nll: -lp / n };
    };
    const plain = await entropyAfter(0), penalised = await entropyAfter(0.5);
    expect(penalised.entropy).toBeGreaterThan(plain.entropy * 1.5);
    expect(penalised.nll).toBeGreaterThan(plain.nll); // the price: less mass on the target
    await expect(primeModel(LmmModel.create({ preset: 'tiny', tokenizer: tok, config: { maxSeq: 320 } }), ex, { steps: 1, entropyBonus: -1, progress: false })).rejects.toThrow(/entropyBonus/);
  });

  it('warms up then decays the learning rate', () => {
    expect(primingLearningRate(0, 100, 1, 10)).toBeCloseTo(0.1);
    expect(primingLearningRate(9, 100, 1, 10)).toBeCloseTo(1);
    expect(primingLearningRate(99, 100, 1, 10)).toBeGreaterThanOrEqual(0.1);
    expect(primingLearningRate(99, 100, 1, 10)).toBeLessThan(0.11);
  });
});
