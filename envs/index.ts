// The gym: core contract, rendering, and every built-in env. Importing this module
// registers the built-in envs (each folder's register.ts).
export * from './core/index.js';
export * from './render/index.js';
export * from './frozenlake/index.js';
import './frozenlake/register.js';
export * from './text-tasks/index.js';
import './text-tasks/register.js';
export * from './sokoban/index.js';
import './sokoban/register.js';
export * from './football/index.js';
import './football/register.js';
