// The trainable multimodal model (issue 7): backend choice, tokenizer, model, checkpoints.
// Explicit names: agents/index.ts re-exports this next to the agent layer.
export { ModelError, CheckpointError } from './errors.js';
export type { ModelConfig, ModelPreset, PositionScheme } from './config.js';
export { MODEL_CONFIG_FIELDS, MODEL_LIMITS, modelConfig, validateConfig, visualTokens, parameterCount, forwardFlopsPerToken, usesAlibi, alibiSlopes } from './config.js';
export type { TokenizerJSON } from './tokenizer.js';
export { Tokenizer, SPECIAL_TOKENS, TAG_PIECES } from './tokenizer.js';
export { framePatches } from './vision.js';
export type { ModelInput } from './layout.js';
export type {
  ScoredExample, GenerationOptions, GenerationEngine, Generation, ResponseScores, TrainStepOptions, TrainStepResult, CreateModelOptions,
} from './model.js';
export { LmmModel } from './model.js';
export { growDepth, growImage, depthPlan } from './grow.js';
export type { BackendName, BackendRequest, BackendInfo, InitBackendOptions } from './backend.js';
export { initBackend, currentBackend, createAdam } from './backend.js';
export type { Reads } from './reads.js';
export { readSync, readAsync } from './reads.js';
export type { CheckpointManifest, SaveOptions } from './checkpoint.js';
export { saveModel, loadModel, readCheckpointManifest, loadOptimizerState } from './checkpoint.js';
export type { ModelAgentOptions } from './agent.js';
export { ModelAgent, modelInput } from './agent.js';
