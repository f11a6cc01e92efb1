export * from './stats.js';
export * from './scores.js';
export * from './evaluate.js';
export * from './replays.js';
