export * from './oracle.js';
export * from './frozenlake.js';
export * from './text-tasks.js';
