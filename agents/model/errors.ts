import { LmmGymError } from '../../envs/core/errors.js';

/** A bad model config, input, checkpoint or backend request; `field` names the config field when one is at fault. */
export class ModelError extends LmmGymError {
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** A checkpoint directory that is missing, incomplete or does not match the model. */
export class CheckpointError extends ModelError {}
