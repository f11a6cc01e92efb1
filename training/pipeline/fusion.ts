/**
 * The fusion stages of the pipeline (issue 16, FuseChat-3.0's recipe with rule-based scores):
 * - `fuse-sft`: build (or resume) the stage's source-sampling dataset, then SFT with
 *   training/priming's primeModel on the best response per prompt across the sources;
 * - `dpo`: the same dataset (its own, or an earlier stage's via `data.from`), (best,
 *   worst) pairs of one source per prompt with the reward gap in [minGap, maxGap], DPO or
 *   length-normalised DPO against the model at the start of the stage (frozen).
 * Both checkpoint every `checkpointEvery` steps and resume exactly (the data order and the
 * learning rate schedule are replayed from the stage seed), log one metrics record per step
 * (`sft` / `dpo`) plus a `data` record at the start, and evaluate like the other stages.
 */
import { join, resolve } from 'node:path';
import { Rng } from '../../envs/core/rng.js';
import { createAdam } from '../../agents/model/backend.js';
import { loadModel } from '../../agents/model/checkpoint.js';
import type { Frame } from '../../envs/render/frame.js';
import type { MetricsRecord } from '../metrics/jsonl.js';
import { ProgressBar } from '../metrics/progress.js';
import { primeModel, primingLearningRate } from '../priming/sft.js';
import { TrainingConfigError } from '../errors.js';
import { buildSourceDataset, planChunks, readSourceDataset, type FuseDataset, type FuseSample } from '../fusion/dataset.js';
import { bestResponses, preferencePairs, sampleExamples, sampleImages, sourceStats } from '../fusion/select.js';
import { dpoStepAsync, sideLogProbs, tokenizeSide, type DpoPair, type DpoSide } from '../fusion/dpo.js';
import { checkpointDir, loadOptimizer, saveTrainerCheckpoint, type TrainerState } from './checkpoint.js';
import { datasetStage, fuseDataSpec, type DpoStageConfig, type FuseSftStageConfig, type TrainConfig } from './config.js';
import type { StageContext } from './run.js';

/** What the fusion stages need from the pipeline (kept in run.ts). */
export interface FusionHelpers {
  evalStage(ctx: StageContext, step: number): Promise<Record<string, unknown>[]>;
  stageStartDir(ctx: StageContext): string;
  stageSeed(config: TrainConfig, index: number): number;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** The folder of a fusion stage's dataset: `data.dir`, else `<out>/datasets/<stage that declares it>`. */
export function datasetDir(ctx: StageContext<FuseSftStageConfig | DpoStageConfig>): string {
  const owner = datasetStage(ctx.config.stages, ctx.index);
  return resolve(('dir' in owner.data ? owner.data.dir : null) ?? join(ctx.out, 'datasets', owner.name));
}

/** Build (or finish) the stage's dataset, then read it. `stage:NAME` sources sample that stage's checkpoint. */
async function stageDataset(ctx: StageContext<FuseSftStageConfig | DpoStageConfig>): Promise<FuseDataset> {
  const owner = datasetStage(ctx.config.stages, ctx.index);
  const spec = fuseDataSpec(owner);
  const dir = datasetDir(ctx);
  const total = planChunks(spec).length;
  const bar = new ProgressBar(`[${ctx.stage.name}] dataset`, total, { quiet: ctx.quiet });
  const built = await buildSourceDataset(spec, dir, {
    resolveAgent: (a) => (a.startsWith('stage:') ? `model:${checkpointDir(join(ctx.out, a.slice('stage:'.length)))}` : a),
    promptOf: ctx.promptOf,
    log: ctx.log,
    progress: (done) => bar.update(done, `${spec.sources.length} sources`),
  });
  bar.done();
  if (built.chunksBuilt > 0) ctx.log(`[${ctx.stage.name}] dataset ${built.path}: built ${built.chunksBuilt} chunks (${built.samplesWritten} samples), ${built.chunksReused} were already there`);
  return readSourceDataset(dir);
}

/** Trainer state of a fusion stage (its order and schedule are replayed from the stage seed, so no Rng state). */
function state(ctx: StageContext, step: number, done: boolean, rngSeed: number, last: Record<string, unknown>): TrainerState {
  return { kind: 'lmm-gym-trainer', version: 1, stage: ctx.stage.name, stageIndex: ctx.index, step, done, globalStep: ctx.globalBase + step, rngSeed, rngState: null, last };
}

async function restoreOptimizer(ctx: StageContext, optimizer: Awaited<ReturnType<typeof createAdam>>, step: number): Promise<void> {
  const restored = await loadOptimizer(join(ctx.stageDir, 'optimizer.bin'), optimizer, step);
  if (!restored.restored) ctx.log(`[${ctx.stage.name}] optimizer state not used for update ${step}: ${restored.reason}; Adam moments restart (weights and step come from the checkpoint)`);
}

function record(ctx: StageContext, kind: string, step: number, rest: MetricsRecord): MetricsRecord {
  return { kind, stage: ctx.stage.name, stageIndex: ctx.index, step, globalStep: ctx.globalBase + step, time: Date.now() / 1000, ...rest };
}

/** fuse-sft: SFT on the best response per prompt across the sources. */
export async function runFuseSftStage(ctx: StageContext<FuseSftStageConfig>, h: FusionHelpers): Promise<Record<string, unknown>> {
  const { stage, model, config } = ctx;
  const data = await stageDataset(ctx);
  const picks = bestResponses(data.samples, { minReward: stage.minReward });
  if (picks.length === 0) throw new TrainingConfigError(`stages[${ctx.index}].data`, `the dataset at ${data.dir} has no prompt with a response to train on${stage.minReward !== null ? ` (minReward ${stage.minReward})` : ''}`);
  const chosen = picks.map((p) => p.sample);
  const images = await sampleImages(data, chosen);
  const examples = chosen.flatMap((s) => sampleExamples(s, images));
  const rngSeed = h.stageSeed(config, ctx.index);
  let step = ctx.state?.step ?? 0;
  const stats: Record<string, number> = { prompts: data.prompts.length, heldOutPrompts: data.skipped.length, samples: data.samples.length, picked: picks.length, examples: examples.length, pickedReward: mean(chosen.map((s) => s.reward)), pickedSuccess: mean(chosen.map((s) => (s.success ? 1 : 0))), ...sourceStats(data, chosen) };
  if (!ctx.state) ctx.logger.log(record(ctx, 'data', 0, stats));
  ctx.log(`[${stage.name}] ${picks.length} prompts, ${examples.length} SFT examples; best response from ${data.spec.sources.map((s) => `${s.name} ${stats[`picked/${s.name}`]}`).join(', ')}`);
  const optimizer = await createAdam(stage.lr);
  let last: Record<string, unknown> = ctx.state?.last ?? {};
  const save = (s: number, done: boolean) => saveTrainerCheckpoint(ctx.stageDir, model, state(ctx, s, done, rngSeed, last), optimizer);
  try {
    if (ctx.state) await restoreOptimizer(ctx, optimizer, step);
    else await save(0, false);
    const bar = new ProgressBar(`[${stage.name}]`, stage.steps, { quiet: ctx.quiet });
    const startStep = step;
    let skipped = 0;
    if (step < stage.steps) {
      const r = await primeModel(model, examples, {
        steps: stage.steps, batchSize: stage.batch, learningRate: stage.lr, seed: rngSeed, progress: false, optimizer, startStep: step,
        ...(stage.warmup !== null ? { warmupSteps: stage.warmup } : {}),
        onStep: async ({ step: s, loss, gradNorm, learningRate, tokens }) => {
          step = s + 1;
          const rec = record(ctx, 'sft', step, { loss, gradNorm, lr: learningRate, tokens });
          ctx.logger.log(rec);
          ctx.crashCheck();
          last = rec;
          bar.update(step, `loss ${loss.toFixed(3)}`, startStep);
          if (stage.eval.every > 0 && step % stage.eval.every === 0 && step < stage.steps) await h.evalStage(ctx, step);
          if (step % config.checkpointEvery === 0 && step < stage.steps) await save(step, false);
        },
      });
      skipped = r.skipped;
      if (skipped > 0) ctx.log(`[${stage.name}] ${skipped} examples longer than the model's context were left out`);
    }
    bar.done();
    const evals = await h.evalStage(ctx, stage.steps);
    step = stage.steps;
    await save(step, true);
    return { steps: step, last, eval: evals, data: stats, skipped };
  } finally {
    optimizer.dispose();
  }
}

/** The model input of each turn of a sample, with its frame. */
function sampleTurns(s: FuseSample, images: ReadonlyMap<string, Frame>) {
  return s.turns.map((t) => ({ input: { prompt: t.prompt, image: t.image ? images.get(t.image)! : null }, response: t.response }));
}

/** dpo: pairs of one source per prompt, DPO or length-normalised DPO against the stage's start model. */
export async function runDpoStage(ctx: StageContext<DpoStageConfig>, h: FusionHelpers): Promise<Record<string, unknown>> {
  const { stage, model, config } = ctx;
  const data = await stageDataset(ctx);
  const raw = preferencePairs(data.samples, { minGap: stage.minGap, maxGap: stage.maxGap });
  const images = await sampleImages(data, raw.flatMap((p) => [p.chosen, p.rejected]));
  const prepared: { chosen: DpoSide; rejected: DpoSide; source: string; gap: number }[] = [];
  let dropped = 0;
  for (const p of raw) {
    const c = tokenizeSide(model, sampleTurns(p.chosen, images));
    const r = tokenizeSide(model, sampleTurns(p.rejected, images));
    if (c && r) prepared.push({ chosen: c, rejected: r, source: p.source, gap: p.gap });
    else dropped++;
  }
  if (prepared.length === 0) {
    throw new TrainingConfigError(`stages[${ctx.index}].minGap`, `no preference pair to train on: ${raw.length} pairs with a reward gap in [${stage.minGap}, ${stage.maxGap ?? '∞'}] (${dropped} too long for the context) among ${data.prompts.length} prompts; sample more per source, add sources with varied answers, or widen the band`);
  }
  // The reference: the model at the start of the stage, frozen; its log-probs are computed once.
  const ref = await loadModel(h.stageStartDir(ctx), { trainable: false });
  let refLp: number[];
  try {
    refLp = await sideLogProbs(ref, prepared.flatMap((p) => [p.chosen, p.rejected]));
  } finally {
    ref.dispose();
  }
  const pairs: DpoPair[] = prepared.map((p, i) => ({ chosen: p.chosen, rejected: p.rejected, refChosen: refLp[2 * i]!, refRejected: refLp[2 * i + 1]! }));
  const stats: MetricsRecord = { prompts: data.prompts.length, samples: data.samples.length, pairs: pairs.length, pairsTooLong: dropped, meanGap: mean(prepared.map((p) => p.gap)) };
  for (const s of data.spec.sources) stats[`pairs/${s.name}`] = prepared.filter((p) => p.source === s.name).length;
  if (!ctx.state) ctx.logger.log(record(ctx, 'data', 0, stats));
  ctx.log(`[${stage.name}] ${pairs.length} preference pairs (${dropped} too long) from ${data.prompts.length} prompts; ${data.spec.sources.map((s) => `${s.name} ${stats[`pairs/${s.name}`]}`).join(', ')}`);

  const rngSeed = h.stageSeed(config, ctx.index);
  const optimizer = await createAdam(stage.lr);
  let step = ctx.state?.step ?? 0;
  let last: Record<string, unknown> = ctx.state?.last ?? {};
  const save = (s: number, done: boolean) => saveTrainerCheckpoint(ctx.stageDir, model, state(ctx, s, done, rngSeed, last), optimizer);
  try {
    if (ctx.state) await restoreOptimizer(ctx, optimizer, step);
    else await save(0, false);
    const bar = new ProgressBar(`[${stage.name}]`, stage.steps, { quiet: ctx.quiet });
    const batchSize = Math.min(stage.batch, pairs.length);
    const warmup = stage.warmup ?? Math.min(20, Math.ceil(stage.steps / 10));
    // Shuffled passes over the pairs, replayed from the stage seed (a resume skips the done steps' batches).
    const rng = new Rng(rngSeed);
    let order: number[] = [], cursor = 0;
    const startStep = step;
    for (let s = 0; s < stage.steps; s++) {
      if (cursor + batchSize > order.length) { order = rng.shuffle(pairs.map((_, i) => i)); cursor = 0; }
      const batch = order.slice(cursor, cursor + batchSize).map((i) => pairs[i]!);
      cursor += batchSize;
      if (s < startStep) continue;
      const t0 = performance.now();
      const lr = primingLearningRate(s, stage.steps, stage.lr, warmup);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const r = await dpoStepAsync(model, optimizer, batch, { beta: stage.beta, loss: stage.loss, maxGradNorm: stage.maxGradNorm });
      step = s + 1;
      const rec = record(ctx, 'dpo', step, {
        loss: r.loss, 'dpo/margin': r.margin, 'dpo/accuracy': r.accuracy, 'dpo/chosenLogp': r.chosenLogp, 'dpo/rejectedLogp': r.rejectedLogp,
        'dpo/chosenReward': r.chosenReward, 'dpo/rejectedReward': r.rejectedReward, gradNorm: r.gradNorm, lr, pairs: batch.length,
        tokens: batch.reduce((a, p) => a + p.chosen.tokens + p.rejected.tokens, 0), seconds: (performance.now() - t0) / 1000,
      });
      ctx.logger.log(rec);
      ctx.crashCheck();
      last = rec;
      bar.update(step, `loss ${r.loss.toFixed(3)} margin ${r.margin.toFixed(3)} acc ${r.accuracy.toFixed(2)}`, startStep);
      if (stage.eval.every > 0 && step % stage.eval.every === 0 && step < stage.steps) await h.evalStage(ctx, step);
      if (step % config.checkpointEvery === 0 && step < stage.steps) await save(step, false);
      if (step % 4 === 0) await new Promise((res) => setImmediate(res)); // let signals and I/O through
    }
    bar.done();
    const evals = await h.evalStage(ctx, stage.steps);
    step = stage.steps;
    await save(step, true);
    return { steps: step, last, eval: evals, data: stats };
  } finally {
    optimizer.dispose();
  }
}
