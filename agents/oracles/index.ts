export * from './oracle.js';
export * from './frozenlake.js';
export * from './text-tasks.js';
export * from './sokoban.js';
export * from './football.js';
