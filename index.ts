// lmm-gym public API. One index per area; this file re-exports them.
export * from './envs/index.js';
export * from './tasks/index.js';
export * from './agents/index.js';
export * from './training/index.js';
export * from './replays/index.js';
export * from './serve/index.js';
