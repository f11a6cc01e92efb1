// Priming (SFT) on oracle traces (issue 7).
export type { SftExample } from './types.js';
export type { TraceSource } from './traces.js';
export { collectOracleExamples, examplesFromTraces } from './traces.js';
export type { PrimeOptions, PrimeResult } from './sft.js';
export { primeModel, saveLossCurve, toScoredExample, primingLearningRate, sftExampleSize } from './sft.js';
export type { DaggerSource, DaggerResult } from './dagger.js';
export { collectDaggerExamples } from './dagger.js';
