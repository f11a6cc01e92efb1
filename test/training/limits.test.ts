// Issue 18, "unbounded inputs": model and training sizes that cannot fit are refused at
// validation, before a tokenizer, a model or a rollout is built, naming the field and the limit.
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { MODEL_LIMITS, modelConfig } from '../../agents/model/config.js';
import { ModelError } from '../../agents/model/errors.js';
import { TRAIN_LIMITS, validateTrainConfig } from '../../training/pipeline/config.js';
import { configHooks } from '../../training/pipeline/run.js';
import { TrainingConfigError } from '../../training/errors.js';

const tiny = () => ({
  name: 'test', seed: 3,
  model: { preset: 'tiny', overrides: { maxSeq: 192 } as Record<string, number> },
  sampling: { temperature: 1, maxTokens: 6 },
  stages: [{ type: 'fre', envs: [{ id: 'Countdown-v0' }], groupSize: 2, batch: 2, lr: 0.001, steps: 1 }] as any[],
});

function failure(cfg: unknown): TrainingConfigError {
  try {
    validateTrainConfig(cfg, configHooks);
  } catch (e) {
    expect(e).toBeInstanceOf(TrainingConfigError);
    return e as TrainingConfigError;
  }
  throw new Error('config was accepted');
}

describe('model config sizes', () => {
  it('dModel 100000 and friends are refused naming the field and the limit', () => {
    expect(() => modelConfig('tiny', 300, { dModel: 100_000 })).toThrow(`model config dModel is 100000; the limit is ${MODEL_LIMITS.dModel}`);
    expect(() => modelConfig('tiny', 300, { imageSize: 100_000 })).toThrow(/imageSize is 100000; the limit is 2048/);
    // Each field within its bound, the whole over the parameter budget.
    expect(() => modelConfig('small', 300, { dModel: 8192, dFF: 65536 })).toThrow(/parameter count is \d+; the limit is 268435456/);
    expect(() => modelConfig('tiny', 300, { maxSeq: 32768, nHeads: 2 })).toThrow(/maxSeq\^2 x nHeads .* the limit is 268435456/);
    const e = (() => { try { modelConfig('tiny', 300, { dModle: 64 } as never); } catch (x) { return x as ModelError; } return null; })();
    expect(e).toBeInstanceOf(ModelError);
    expect(e!.message).toMatch(/unknown model config override "dModle"; expected one of dModel, /);
    expect(e!.field).toBe('dModle');
    expect(modelConfig('tiny', 300, { dModel: 64 }).dModel).toBe(64);
  });

  it('training configs: model.overrides are checked up front', () => {
    const big = tiny(); big.model.overrides.dModel = 100_000;
    const e = failure(big);
    expect(e.field).toBe('model.overrides.dModel');
    expect(e.message).toContain('the limit is 8192');
    const typo = tiny(); typo.model.overrides.dModle = 64;
    expect(failure(typo).field).toBe('model.overrides.dModle');
    const heads = tiny(); heads.model.overrides.heads = 4;
    expect(failure(heads).message).toMatch(/unknown model config override "heads"/);
  });

  it('training configs: batch x groupSize over the per-update limit names both', () => {
    const c = tiny(); c.stages[0].batch = 100_000; c.stages[0].groupSize = 4096;
    const e = failure(c);
    expect(e.field).toBe('stages[0].batch');
    expect(e.message).toContain(`batch x groupSize (100000 x 4096 responses per update) is 409600000; the limit is ${TRAIN_LIMITS.responsesPerUpdate}`);
    const ok = tiny(); ok.stages[0].batch = 64; ok.stages[0].groupSize = 256;
    expect(() => validateTrainConfig(ok, configHooks)).not.toThrow();
  });
});
