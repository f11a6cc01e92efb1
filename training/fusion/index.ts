// Learning from several source agents (issue 16): source-sampling datasets, best-of-sources
// SFT data, same-source preference pairs and the DPO loss.
export type { FuseSource, FuseDataSpec, FuseTurn, FuseSample, FuseDataset, BuildOptions, BuildSummary } from './dataset.js';
export { buildSourceDataset, readSourceDataset, loadDatasetImages, datasetFile, planChunks, promptSeed, mixSeed, frameHash, FuseDataError, FUSE_DATA_FORMAT, FUSE_DATA_VERSION } from './dataset.js';
export type { BestPick, PreferencePair, GapBand } from './select.js';
export { bestResponses, preferencePairs, samplesByPrompt, compareBest, sourceStats, sampleImages, sampleExamples } from './select.js';
export type { DpoLoss, DpoOptions, DpoPairLogProbs, DpoStats, DpoSide, DpoPair } from './dpo.js';
export { DPO_LOSSES, dpoLossReference, dpoLossTensor, dpoStep, dpoStepAsync, tokenizeSide, sideLogProbs, softplusNeg } from './dpo.js';
