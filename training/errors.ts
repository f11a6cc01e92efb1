import { LmmGymError } from '../envs/core/errors.js';

/** A training config (JSON) that does not validate; `field` is the path of the bad value, e.g. `stages[1].groupSize`. */
export class TrainingConfigError extends LmmGymError {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Bad input to an RL algorithm piece (mismatched lengths, group size not dividing the batch ...). */
export class RlInputError extends LmmGymError {}

/** A checkpoint / trainer state that cannot be resumed from. */
export class ResumeError extends LmmGymError {}

/** A metrics file that cannot be read (names the line). */
export class MetricsFileError extends LmmGymError {}
