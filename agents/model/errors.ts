import { LmmGymError } from '../../envs/core/errors.js';

/** A bad model config, input, checkpoint or backend request. */
export class ModelError extends LmmGymError {}

/** A checkpoint directory that is missing, incomplete or does not match the model. */
export class CheckpointError extends ModelError {}
