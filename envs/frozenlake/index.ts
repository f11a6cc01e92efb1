export * from './frozenlake.js';
export * from './maps.js';
