import { expect } from 'vitest';
import { validateTrainConfig } from '../../training/pipeline/config.js';
import { configHooks } from '../../training/pipeline/run.js';
import { TrainingConfigError } from '../../training/errors.js';

/** The field a TrainingConfigError names for `cfg` (fails the test when the config is accepted). */
export function badField(cfg: unknown): string {
  try {
    validateTrainConfig(cfg, configHooks);
  } catch (e) {
    expect(e).toBeInstanceOf(TrainingConfigError);
    return (e as TrainingConfigError).field;
  }
  throw new Error('config was accepted');
}
