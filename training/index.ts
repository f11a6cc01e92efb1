// Public API of training/. The rule-based rewards (issue 5) moved to tasks/rewards/;
// re-exported here so that existing imports from the training index keep working.
export * from '../tasks/rewards/index.js';
export * from './priming/index.js';
// RL and the staged pipeline (issue 8).
export * from './errors.js';
export * from './rl/advantages.js';
export * from './rl/turn-credit.js';
export * from './rl/kl.js';
export * from './rl/loss.js';
export * from './rl/update.js';
export * from './rl/sequences.js';
export * from './metrics/jsonl.js';
export * from './metrics/plot.js';
export * from './metrics/curves.js';
export * from './metrics/progress.js';
export * from './rollout/envs.js';
export * from './rollout/sampling-agent.js';
export * from './rollout/collect.js';
export * from './pipeline/config.js';
export * from './pipeline/checkpoint.js';
export * from './pipeline/run.js';
export * from './metrics/ablation.js';
// Source fusion: best-of-sources SFT and DPO (issue 16).
export * from './fusion/index.js';
