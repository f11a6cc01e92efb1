export * from './frame.js';
export * from './resize.js';
export * from './png.js';
export * from './atlas.js';
