// Public API of training/. Rewards (issue 5); the RL engineer adds the rest below.
export * from './rewards/index.js';
