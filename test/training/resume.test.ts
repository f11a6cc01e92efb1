// Issue 18, "damaged checkpoints": a truncated optimizer.bin must not block --resume; it
// is named, the moments restart and the weights and step come from the checkpoint.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { validateTrainConfig } from '../../training/pipeline/config.js';
import { configHooks, runPipeline } from '../../training/pipeline/run.js';
import { loadOptimizer, readTrainerState, saveOptimizer } from '../../training/pipeline/checkpoint.js';

async function adamWithMoments(): Promise<tf.Optimizer> {
  const opt = tf.train.adam(0.1);
  const v = tf.variable(tf.tensor1d([1, 2, 3]));
  opt.minimize(() => v.square().sum() as tf.Scalar, false, [v]);
  return opt;
}

describe('trainer optimizer state', () => {
  it('restores a good file; names a damaged one and leaves the optimizer fresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-opt-'));
    const path = join(dir, 'optimizer.bin');
    await saveOptimizer(path, await adamWithMoments(), 4);
    expect(await loadOptimizer(path, tf.train.adam(0.1), 4)).toEqual({ restored: true });
    expect(await loadOptimizer(path, tf.train.adam(0.1), 5)).toEqual({ restored: false, reason: `${path} holds the moments of update 4, not 5` });
    const bytes = readFileSync(path);
    truncateSync(path, bytes.length - 3);
    const r = await loadOptimizer(path, tf.train.adam(0.1), 4);
    expect(r.restored).toBe(false);
    expect(!r.restored && r.reason).toMatch(/optimizer\.bin is damaged \(\d+ bytes of values, the header describes \d+\)/);
    writeFileSync(path, '{"format":"lmm-gym-opt');
    expect(await loadOptimizer(path, tf.train.adam(0.1), 4)).toMatchObject({ restored: false, reason: expect.stringMatching(/damaged \(no header line\)/) });
    expect(await loadOptimizer(join(dir, 'none.bin'), tf.train.adam(0.1), 4)).toMatchObject({ restored: false, reason: expect.stringMatching(/not found/) });
  });

  it('--resume with a truncated optimizer.bin continues from the checkpoint and says why the moments restart', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmm-train-'));
    const cfg = validateTrainConfig({
      name: 'test', seed: 3, model: { preset: 'tiny', overrides: { maxSeq: 192 } }, checkpointEvery: 1,
      sampling: { temperature: 1, maxTokens: 6 },
      stages: [{ type: 'fre', envs: [{ id: 'Countdown-v0', options: { difficulty: 'easy' } }], groupSize: 2, batch: 2, lr: 0.001, steps: 2, eval: { episodes: 1 } }],
    }, configHooks);
    await expect(runPipeline(cfg, { out, quiet: true, log: () => {}, noPlots: true, crashAfterUpdates: 2 })).rejects.toThrow(/injected crash/);
    const opt = join(out, 'fre', 'optimizer.bin');
    truncateSync(opt, readFileSync(opt).length - 10);
    const lines: string[] = [];
    await runPipeline(cfg, { out, resume: true, quiet: true, log: (l) => lines.push(l), noPlots: true });
    expect(lines.join('\n')).toMatch(/\[fre\] optimizer state not used for update 1: .*optimizer\.bin is damaged .*; Adam moments restart/);
    expect(await readTrainerState(join(out, 'fre'))).toMatchObject({ step: 2, done: true });
  });
});
