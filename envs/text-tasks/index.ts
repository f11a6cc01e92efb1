export * from './expression.js';
export * from './countdown.js';
export * from './arithmetic.js';
export * from './text-frame.js';
