export * from './format.js';
export * from './accuracy.js';
export * from './compose.js';
export * from './reasoning.js';
