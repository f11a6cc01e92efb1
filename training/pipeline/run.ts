/**
 * The staged training pipeline behind `lmm-gym train`: prime (SFT) -> fre (RL on text) ->
 * mgt (RL on images), and the fusion stages fuse-sft (best-of-sources SFT) and dpo
 * (training/pipeline/fusion.ts), each stage starting from the previous stage's checkpoint.
 *
 * Output folder:
 *   config.json           the validated config with defaults filled in
 *   metrics.jsonl         one line per update / eval / priming log (see docs/training.md)
 *   init/                 the starting model (fresh or copied from model.init)
 *   <stage>/checkpoint/   latest checkpoint of the stage (model + trainer state)
 *   <stage>/optimizer.bin optimizer moments of that checkpoint
 *   <stage>/replays/      replays of sample episodes (step-XXXXXX/ folders)
 *   final/                the model after the last stage
 *   curves/*.png          training curves (also: lmm-gym plot metrics.jsonl --out DIR)
 *   summary.json          last metrics and eval of each stage
 * `resume: true` continues after a crash: finished stages are skipped, the running stage
 * restarts from its last checkpoint (weights, step, rng, optimizer), and metrics lines
 * written after that checkpoint are dropped so no update is counted twice.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Rng } from '../../envs/core/rng.js';
import { loadBoxobanFile } from '../../envs/sokoban/files.js';
import { LanguageEnv } from '../../tasks/language-env.js';
import { evaluateAgent, saveEpisodeResultReplay } from '../../agents/eval/index.js';
import { createAdam, initBackend } from '../../agents/model/backend.js';
import { loadModel, saveModel } from '../../agents/model/checkpoint.js';
import { modelConfig, type ModelPreset } from '../../agents/model/config.js';
import { LmmModel } from '../../agents/model/model.js';
import { ModelAgent, modelInput } from '../../agents/model/agent.js';
import { Tokenizer } from '../../agents/model/tokenizer.js';
import { degenerateGroupFraction } from '../rl/advantages.js';
import { rolloutSequences } from '../rl/sequences.js';
import { policyUpdateAsync, scoreSequences, type UpdateStats } from '../rl/update.js';
import { prefixKlWeights } from '../rl/kl.js';
import { MetricsLogger, filterMetricsFile, readMetrics, type MetricsRecord } from '../metrics/jsonl.js';
import { plotMetrics } from '../metrics/curves.js';
import { ProgressBar } from '../metrics/progress.js';
import { collectInformativeRollouts, collectRollouts, type InformativeRollouts, type RolloutBatch } from '../rollout/collect.js';
import { checkEnvSpec, envLabel, makeLanguageEnv } from '../rollout/envs.js';
import type { PromptBuilder } from '../rollout/sampling-agent.js';
import { collectOracleExamples, type TraceSource } from '../priming/traces.js';
import { primeModel, sftExampleSize } from '../priming/sft.js';
import { collectDaggerExamples } from '../priming/dagger.js';
import type { SftExample } from '../priming/types.js';
import { ResumeError, TrainingConfigError } from '../errors.js';
import { PRIME_TRACE_SEED_MARGIN, validateTrainConfig, type DpoStageConfig, type FuseSftStageConfig, type PrimeStageConfig, type RlStageConfig, type StageConfig, type StageEnvSpec, type TrainConfig } from './config.js';
import { runDpoStage, runFuseSftStage, type FusionHelpers } from './fusion.js';
import { listAgents, parseAgentSpec } from '../../agents/registry.js';
import '../../agents/builtin.js';
import '../../agents/openai.js';
import { checkpointDir, loadOptimizer, readTrainerState, saveTrainerCheckpoint, type TrainerState } from './checkpoint.js';
import { minOf, pushAll } from '../../envs/core/arrays.js';

/** Hooks and settings of one pipeline run (the CLI sets them from flags). */
export interface RunOptions {
  /** Overrides config.output. */
  out?: string;
  /** Continue from the checkpoints in the output folder. */
  resume?: boolean;
  /** Progress bars off (tests). */
  quiet?: boolean;
  /** One line per notable event (default: stderr). */
  log?: (line: string) => void;
  /** Prompt mapping (default agents/model modelInput: what SFT and eval use too). */
  promptOf?: PromptBuilder;
  /** Test hook: throw after this many updates of this run (simulates a crash). */
  crashAfterUpdates?: number;
  /** Skip the PNG curves at the end. */
  noPlots?: boolean;
  /** Runs the prime stage (default: oracle traces + training/priming's primeModel). */
  prime?: PrimeRunner;
}

/** What the pipeline needs from the priming (SFT) code for a `prime` stage. */
export type PrimeRunner = (args: {
  model: LmmModel;
  stage: PrimeStageConfig;
  seed: number;
  /** Called with each logged SFT step (loss ...). */
  log: (step: number, record: Record<string, number>) => void;
  progress: (done: number, status: string) => void;
}) => Promise<void>;

export interface RunResult {
  out: string;
  finalCheckpoint: string;
  metricsPath: string;
  summary: Record<string, unknown>;
}

/** Config checks that need the env registry and the model presets. */
export const configHooks = {
  checkEnv: checkEnvSpec,
  checkModelPreset(preset: string) {
    modelConfig(preset as ModelPreset, 300);
  },
  /** The preset with the overrides (vocabulary: a small tokenizer's; the real one is checked again at creation). */
  checkModel(preset: string, overrides: Record<string, number>) {
    modelConfig(preset as ModelPreset, 300, overrides);
  },
  /** A fusion source's agent kind must be registered (oracle, random, model, openai ...). */
  checkAgent(spec: string) {
    const { kind } = parseAgentSpec(spec);
    const kinds = listAgents().map((a) => a.name);
    if (!kinds.includes(kind)) throw new TrainingConfigError('agent', `unknown agent kind ${JSON.stringify(kind)}; known kinds: ${[...kinds, 'stage'].join(', ')}`);
  },
};

/** Texts the tokenizer of a fresh model learns its word pieces from: prompts and oracle answers of every env of the config. */
export async function tokenizerCorpus(config: TrainConfig, seedsPerEnv = 4): Promise<string[]> {
  const out: string[] = [];
  for (const stage of config.stages) {
    for (const spec of stage.envs) {
      const env = makeLanguageEnv(spec);
      try {
        for (let s = 0; s < seedsPerEnv; s++) {
          const { observation } = env.reset({ seed: s });
          out.push(modelInput(observation).prompt, observation.systemPrompt);
        }
      } finally {
        env.close();
      }
      // The oracle's reasoning language too, when the env has an oracle.
      let traced: { response: string }[] = [];
      try {
        traced = await collectOracleExamples([{ envId: spec.id, envOptions: spec.options, mode: 'text', interaction: spec.style, episodes: seedsPerEnv, successOnly: false, ...(spec.reasoning ? { reasoning: spec.reasoning } : {}) }]);
      } catch { /* no oracle for this env: prompts only */ }
      pushAll(out, traced.map((e) => e.response));
    }
  }
  return out;
}

async function freshModel(config: TrainConfig): Promise<LmmModel> {
  if (config.model.init) {
    if (!existsSync(resolve(config.model.init))) throw new TrainingConfigError('model.init', `no checkpoint at ${config.model.init}`);
    return loadModel(config.model.init, { trainable: true });
  }
  const tokenizer = Tokenizer.build(await tokenizerCorpus(config));
  return LmmModel.create({ preset: config.model.preset as ModelPreset, config: config.model.overrides, tokenizer, seed: config.seed });
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** The stage's start model: the previous stage's final checkpoint, else init/. */
function stageStartDir(out: string, stages: readonly StageConfig[], index: number): string {
  return index === 0 ? join(out, 'init') : checkpointDir(join(out, stages[index - 1]!.name));
}

/**
 * Whether any stage folder of `out` holds progress a resume would keep: a checkpoint after
 * at least one update, or of a finished stage (a stage's step-0 checkpoint is its start
 * model, which a fresh run rebuilds the same way).
 */
async function hasStageProgress(out: string): Promise<boolean> {
  const entries = await readdir(out, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || e.name === 'init') continue;
    let state: TrainerState | null;
    try {
      state = await readTrainerState(join(out, e.name));
    } catch {
      return true; // a checkpoint we cannot read as trainer state: never overwrite it silently
    }
    if (state && (state.step > 0 || state.done)) return true;
  }
  return false;
}

/** Run (or resume) the pipeline of a validated config. */
export async function runPipeline(rawConfig: TrainConfig, options: RunOptions = {}): Promise<RunResult> {
  const config = validateTrainConfig(rawConfig, configHooks);
  const out = resolve(options.out ?? config.output);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const promptOf = options.promptOf ?? modelInput;
  const metricsPath = join(out, 'metrics.jsonl');
  await initBackend({ log });

  // A run has started once a stage checkpoint holds an update. A folder with only init/,
  // config.json, step-0 checkpoints and metrics of updates never checkpointed (a run stopped
  // before its first checkpoint) holds nothing a resume would keep: a plain re-run starts over.
  const started = await hasStageProgress(out);
  if (started && !options.resume) throw new ResumeError(`${out} already holds a run; pass --resume to continue it or choose another --out`);
  if (!started && !options.resume && (existsSync(join(out, 'init')) || existsSync(metricsPath))) {
    log(`${out} holds a run stopped before its first checkpoint: starting it over`);
    await rm(join(out, 'init'), { recursive: true, force: true });
    await rm(metricsPath, { force: true });
    for (const s of config.stages) await rm(join(out, s.name), { recursive: true, force: true });
  }
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  if (!existsSync(join(out, 'init', 'model.json'))) {
    const m = await freshModel(config);
    try {
      // Refuse a prime stage whose examples cannot fit the context now, not after its traces.
      if (!options.prime) await checkPrimeExamplesFit(config, m);
      await saveModel(m, join(out, 'init'), { meta: { source: config.model.init ?? `fresh ${config.model.preset} seed ${config.seed}` } });
    } finally {
      m.dispose();
    }
  }

  // Which stage to run from, and trim metrics written after the last checkpoint.
  const states: (TrainerState | null)[] = [];
  for (const s of config.stages) states.push(await readTrainerState(join(out, s.name)));
  let first = states.findIndex((s) => !s?.done);
  if (first < 0) first = config.stages.length;
  const resumeStep = first < config.stages.length ? states[first]?.step ?? 0 : 0;
  await filterMetricsFile(metricsPath, (r) => {
    const si = typeof r.stageIndex === 'number' ? r.stageIndex : -1;
    return si < first || (si === first && typeof r.step === 'number' && r.step <= resumeStep);
  });
  if (options.resume && started) log(`resume: ${first < config.stages.length ? `stage ${config.stages[first]!.name} from update ${resumeStep}` : 'all stages done'}`);

  const logger = new MetricsLogger(metricsPath);
  const summary: Record<string, unknown> = {};
  let updatesThisRun = 0;
  const crashCheck = () => {
    updatesThisRun++;
    if (options.crashAfterUpdates !== undefined && updatesThisRun >= options.crashAfterUpdates) throw new Error(`injected crash after ${updatesThisRun} updates`);
  };
  const stageSteps = (s: StageConfig) => (s.type === 'prime' ? primeSteps(s) : s.steps);
  let globalBase = config.stages.slice(0, first).reduce((a, s) => a + stageSteps(s), 0);
  try {
    for (let i = first; i < config.stages.length; i++) {
      const stage = config.stages[i]!;
      const stageDir = join(out, stage.name);
      const state = states[i];
      const model = state && !state.done ? await loadModel(checkpointDir(stageDir), { trainable: true }) : await loadModel(stageStartDir(out, config.stages, i), { trainable: true });
      const ctx: StageContext = { config, stage, index: i, stageDir, out, model, logger, log, promptOf, globalBase, quiet: Boolean(options.quiet), crashCheck, state: state && !state.done ? state : null };
      try {
        if (stage.type === 'prime') await runPrimeStage(ctx as StageContext<PrimeStageConfig>, options.prime);
        else if (stage.type === 'fuse-sft') summary[stage.name] = await runFuseSftStage(ctx as StageContext<FuseSftStageConfig>, fusionHelpers);
        else if (stage.type === 'dpo') summary[stage.name] = await runDpoStage(ctx as StageContext<DpoStageConfig>, fusionHelpers);
        else summary[stage.name] = await runRlStage(ctx as StageContext<RlStageConfig>);
      } finally {
        model.dispose();
      }
      globalBase += stageSteps(stage);
    }
    const lastDir = config.stages.length ? checkpointDir(join(out, config.stages.at(-1)!.name)) : join(out, 'init');
    const final = await loadModel(lastDir, { trainable: false });
    await saveModel(final, join(out, 'final'), { meta: { config: config.name, stages: config.stages.map((s) => s.name) } });
    final.dispose();
  } finally {
    logger.close();
  }
  await writeFile(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (!options.noPlots) {
    const paths = await plotMetrics(readMetrics(metricsPath), join(out, 'curves'), { config });
    log(`curves: ${paths.length} PNG files in ${join(out, 'curves')}`);
  }
  return { out, finalCheckpoint: join(out, 'final'), metricsPath, summary };
}

/** What a stage runner gets: the run, the stage, its model (loaded) and the logging hooks. */
export interface StageContext<S extends StageConfig = StageConfig> {
  config: TrainConfig;
  stage: S;
  index: number;
  stageDir: string;
  out: string;
  model: LmmModel;
  logger: MetricsLogger;
  log: (line: string) => void;
  promptOf: PromptBuilder;
  globalBase: number;
  quiet: boolean;
  crashCheck: () => void;
  /** Trainer state to resume from (null: fresh start of the stage). */
  state: TrainerState | null;
}

function stageSeed(config: TrainConfig, index: number): number {
  return (config.seed * 1000 + index * 7919 + 17) % 2 ** 31;
}

const fusionHelpers: FusionHelpers = {
  evalStage: (ctx, step) => evalStage(ctx, step),
  stageStartDir: (ctx) => stageStartDir(ctx.out, ctx.config.stages, ctx.index),
  stageSeed,
};

/**
 * The default prime stage: oracle traces of every env of the stage (`traces` episodes each,
 * successful ones only) via training/priming's collectOracleExamples, then its primeModel
 * SFT for `steps` steps. Trace seeds lie below the held-out eval seeds.
 */
export const defaultPrimeRunner: PrimeRunner = async ({ model, stage, seed, log, progress }) => {
  const sources = stage.envs.map((spec, i) => primeTraceSource(spec, spec.traces ?? stage.traces, (seed * 7 + i * 1_000_003) % (stage.eval.seedStart - PRIME_TRACE_SEED_MARGIN)));
  const examples = await collectOracleExamples(sources);
  if (examples.length === 0) throw new TrainingConfigError('stages.prime.envs', 'the oracle produced no successful traces for this stage');
  const optimizer = await createAdam(stage.lr);
  let done = 0;
  const sft = async (data: readonly SftExample[], steps: number, warmup: number | null, status = '') => {
    const base = done;
    await primeModel(model, data, {
      steps, batchSize: stage.batch, learningRate: stage.lr, seed: seed + base, progress: false, optimizer,
      ...(warmup !== null ? { warmupSteps: warmup } : {}),
      onStep: ({ step, loss, gradNorm, learningRate, tokens }) => {
        log(base + step + 1, { loss, gradNorm, lr: learningRate, tokens });
        progress(base + step + 1, `loss ${loss.toFixed(3)}${status}`);
      },
    });
    done += steps;
  };
  try {
    await sft(examples, stage.steps, stage.warmup);
    const data = [...examples];
    for (let round = 0; round < (stage.dagger?.rounds ?? 0); round++) {
      const d = stage.dagger!;
      // Sampled, not greedy (a greedy learner loops on a blocked move); 128 tokens fit the compact walk.
      const learner = new ModelAgent(model, { temperature: d.temperature, maxTokens: 128, seed: seed + round });
      const r = await collectDaggerExamples(learner, stage.envs.filter((e) => e.style === 'step').map((spec, i) => ({
        envId: spec.id, envOptions: spec.options, mode: spec.mode, episodes: d.episodes,
        seed: (seed * 13 + round * 100_003 + i * 1_000_003) % (stage.eval.seedStart - 10_000_000),
        ...(spec.maxTurns !== undefined ? { maxTurns: spec.maxTurns } : {}),
        ...(spec.historyLength !== undefined ? { historyLength: spec.historyLength } : {}),
        ...(spec.reasoning ? { reasoning: spec.reasoning } : {}),
      })));
      pushAll(data, r.examples);
      log(done, { daggerRound: round + 1, daggerExamples: r.examples.length, daggerWinRate: r.learnerWins / Math.max(1, r.episodes), daggerDisagreement: r.disagreements / Math.max(1, r.turns) });
      await sft(data, d.steps, 0, ` · dagger ${round + 1}/${d.rounds} (learner won ${r.learnerWins}/${r.episodes})`);
    }
  } finally {
    optimizer.dispose();
  }
};

/** The oracle traces the default prime runner collects for one env of a prime stage. */
function primeTraceSource(spec: StageEnvSpec, episodes: number, seed: number): TraceSource {
  return {
    envId: spec.id, envOptions: spec.options, mode: spec.mode, interaction: spec.style,
    ...(spec.maxActions !== undefined ? { maxActions: spec.maxActions } : {}),
    ...(spec.historyLength !== undefined ? { historyLength: spec.historyLength } : {}),
    ...(spec.reasoning ? { reasoning: spec.reasoning } : {}),
    episodes, seed,
  };
}

/**
 * Up front, before any stage's work (priming collects minutes of oracle traces first):
 * every env of every prime stage must give SFT examples that fit the model's context.
 * `episodes` oracle episodes per env are traced and measured as primeModel measures them
 * (sftExampleSize); when not one of their examples fits maxSeq, a TrainingConfigError
 * names the stage's env and the limit (primeModel would skip them all and fail later).
 */
export async function checkPrimeExamplesFit(config: TrainConfig, model: Pick<LmmModel, 'config' | 'tokenizer'>, episodes = 4): Promise<void> {
  const maxSeq = model.config.maxSeq;
  for (const [i, stage] of config.stages.entries()) {
    if (stage.type !== 'prime') continue;
    for (const [j, spec] of stage.envs.entries()) {
      const examples = await collectOracleExamples([{ ...primeTraceSource(spec, episodes, 0), successOnly: false }]);
      if (examples.length === 0) continue; // no oracle turns to measure: the stage itself says so
      const shortest = minOf(examples.map((e) => sftExampleSize(model, e).length));
      if (shortest > maxSeq) {
        throw new TrainingConfigError(`stages[${i}].envs[${j}]`, `the ${stage.name} stage's SFT examples of ${spec.id} (${spec.mode}, ${spec.style}) cannot fit the model's context: the shortest of ${examples.length} from ${episodes} oracle episodes takes ${shortest} tokens, the context (maxSeq) holds ${maxSeq}; raise model.overrides.maxSeq to at least ${shortest}, use a bigger preset, or shorten the examples (reasoning 'compact', historyLength, mode)`);
      }
    }
  }
}

/** SFT steps of a prime stage: the first pass plus every DAgger round's. */
export function primeSteps(stage: PrimeStageConfig): number {
  return stage.steps + (stage.dagger ? stage.dagger.rounds * stage.dagger.steps : 0);
}

async function runPrimeStage(ctx: StageContext<PrimeStageConfig>, prime: PrimeRunner = defaultPrimeRunner): Promise<void> {
  const { stage, model, config } = ctx;
  const total = primeSteps(stage);
  const bar = new ProgressBar(`[${stage.name}]`, total, { quiet: ctx.quiet });
  const rngSeed = stageSeed(config, ctx.index);
  await prime({
    model, stage, seed: rngSeed,
    log: (step, rec) => ctx.logger.log({ kind: 'prime', stage: stage.name, stageIndex: ctx.index, step, globalStep: ctx.globalBase + step, ...rec }),
    progress: (done, status) => bar.update(done, status),
  });
  bar.done();
  await evalStage(ctx, total);
  const state: TrainerState = { kind: 'lmm-gym-trainer', version: 1, stage: stage.name, stageIndex: ctx.index, step: total, done: true, globalStep: ctx.globalBase + total, rngSeed, rngState: null };
  await saveTrainerCheckpoint(ctx.stageDir, model, state, null);
}

async function runRlStage(ctx: StageContext<RlStageConfig>): Promise<Record<string, unknown>> {
  const { stage, model, config, logger } = ctx;
  const alg = stage.algorithm;
  const optimizer = await createAdam(stage.lr); // native Adam when the native kernels run
  let step = 0;
  let rngSeed = stageSeed(config, ctx.index);
  let rng = new Rng(rngSeed);
  if (ctx.state) {
    step = ctx.state.step;
    rngSeed = ctx.state.rngSeed;
    rng = Rng.fromState(rngSeed, ctx.state.rngState as ReturnType<Rng['state']>);
    const restored = await loadOptimizer(join(ctx.stageDir, 'optimizer.bin'), optimizer, step);
    if (!restored.restored) ctx.log(`[${stage.name}] optimizer state not used for update ${step}: ${restored.reason}; Adam moments restart (weights and step come from the checkpoint)`);
  }
  // Frozen reference policy (the stage's start model) only when the KL term is on.
  const ref = alg.klCoef > 0 ? await loadModel(stageStartDir(ctx.out, config.stages, ctx.index), { trainable: false }) : null;
  const pool = new Map<number, LanguageEnv[]>();
  const bar = new ProgressBar(`[${stage.name}]`, stage.steps, { quiet: ctx.quiet });
  const startStep = step;
  let last: Record<string, unknown> = {};
  const save = async (done: boolean) => {
    const state: TrainerState = { kind: 'lmm-gym-trainer', version: 1, stage: stage.name, stageIndex: ctx.index, step, done, globalStep: ctx.globalBase + step, rngSeed, rngState: rng.state(), last };
    await saveTrainerCheckpoint(ctx.stageDir, model, state, optimizer);
  };
  try {
    if (step === 0) await save(false);
    while (step < stage.steps) {
      const t0 = performance.now();
      const collect = {
        model, promptOf: ctx.promptOf, envs: stage.envs, groups: stage.batch, groupSize: stage.groupSize,
        sampling: stage.sampling, rewardWeights: stage.rewards, rng, seedLimit: stage.eval.seedStart, pool,
      };
      const dynamic = alg.dynamicSampling > 0 ? await collectInformativeRollouts(collect, alg.dynamicSampling) : null;
      const batch = dynamic ? dynamic.batch : await collectRollouts(collect);
      const { sequences: seqs, episodeAdvantages: adv, turnAdvantages: turnAdv } = rolloutSequences(batch, { ...alg, groupSize: stage.groupSize, rewards: stage.rewards });
      if (ref) {
        const refLp = await scoreSequences(ref, seqs, stage.sampling.temperature);
        seqs.forEach((q, j) => { q.refLogp = refLp[j]!; });
      }
      if (alg.klPrefix) for (const q of seqs) q.klWeight = prefixKlWeights(q.tokenIds.map((id) => model.tokenizer.bytesOf([id])), alg.klPrefix);
      const tUpdate = performance.now();
      const u = await policyUpdateAsync(model, optimizer, seqs, {
        clip: alg.clip, clipHigh: alg.clipHigh, dualClip: alg.dualClip, klCoef: alg.klCoef, klEstimator: alg.klEstimator, aggregation: alg.aggregation,
        ppoEpochs: alg.ppoEpochs, miniBatch: alg.miniBatch, maxGradNorm: alg.maxGradNorm, entropyCoef: alg.entropyCoef,
        temperature: stage.sampling.temperature,
      });
      step++;
      const seconds = (performance.now() - t0) / 1000;
      const rec = trainRecord(ctx, step, batch, adv, turnAdv, u, seconds, (performance.now() - tUpdate) / 1000, dynamic);
      logger.log(rec);
      ctx.crashCheck(); // test hook: a crash after the update, before its checkpoint
      last = rec;
      bar.update(step, `reward ${(rec.reward as number).toFixed(2)} success ${(rec.success as number).toFixed(2)} fmt ${(rec.formatRate as number).toFixed(2)}`, startStep);
      if (stage.replays.every > 0 && step % stage.replays.every === 0) writeBatchReplays(ctx, step, batch, pool);
      if (stage.eval.every > 0 && step % stage.eval.every === 0 && step < stage.steps) await evalStage(ctx, step);
      if (step % config.checkpointEvery === 0 && step < stage.steps) await save(false);
    }
    bar.done();
    const evals = await evalStage(ctx, step);
    await save(true);
    return { steps: step, last, eval: evals };
  } finally {
    ref?.dispose();
    optimizer.dispose();
    for (const envs of pool.values()) for (const e of envs) e.close();
  }
}

/**
 * The train record of one update. `adv`: the episode advantages (credit 'episode'), null
 * under credit 'turn', where advAbs is the mean |advantage| over the turns and
 * `advSolvedTurns` / `advFailedTurns` the mean advantage of the turns of solved / failed
 * episodes. Under dynamic sampling the reward, success, component and degenerate-group
 * statistics are of every episode sampled (the trained groups, the informative ones, are a
 * biased sample); `sampledGroups` / `trainedGroups` / `samplingRounds` count them.
 */
function trainRecord(ctx: StageContext<RlStageConfig>, step: number, batch: RolloutBatch, adv: Float64Array | null, turnAdv: Float64Array[], u: UpdateStats, seconds: number, updateSeconds: number, dynamic: InformativeRollouts | null): MetricsRecord {
  const eps = batch.episodes;
  const all = dynamic ? dynamic.sampled.episodes : eps;
  const turns = eps.flatMap((e) => e.samples);
  const rec: MetricsRecord = {
    kind: 'train', stage: ctx.stage.name, stageIndex: ctx.index, step, globalStep: ctx.globalBase + step, time: Date.now() / 1000,
    reward: mean(all.map((e) => e.reward)),
    success: mean(all.map((e) => e.components.accuracy!)),
    formatRate: mean(all.map((e) => e.components.format!)),
  };
  for (const k of Object.keys(all[0]?.components ?? {})) rec[`reward/${k}`] = mean(all.map((e) => e.components[k]!));
  if (ctx.stage.envs.length > 1) {
    ctx.stage.envs.forEach((spec, i) => {
      const sub = all.filter((e) => e.envIndex === i);
      if (sub.length) rec[`success/${envLabel(spec)}`] = mean(sub.map((e) => e.components.accuracy!));
    });
  }
  if (dynamic) Object.assign(rec, { sampledGroups: all.length / batch.groupSize, trainedGroups: eps.length / batch.groupSize, samplingRounds: dynamic.rounds });
  Object.assign(rec, {
    responseTokens: mean(turns.map((t) => t.tokenIds.length)),
    truncatedRate: mean(turns.map((t) => (t.finishReason === 'length' || t.finishReason === 'context' ? 1 : 0))),
    turnsPerEpisode: mean(eps.map((e) => e.result.turns.length)),
    advAbs: adv ? mean([...adv].map(Math.abs)) : mean(turnAdv.flatMap((a) => [...a].map(Math.abs))),
    ...(adv ? {} : {
      advSolvedTurns: mean(turnAdv.flatMap((a, k) => (eps[k]!.components.accuracy! > 0 ? [...a] : []))),
      advFailedTurns: mean(turnAdv.flatMap((a, k) => (eps[k]!.components.accuracy! > 0 ? [] : [...a]))),
    }),
    degenerateGroups: degenerateGroupFraction(all.map((e) => e.reward), batch.groupSize),
    loss: u.loss, pgLoss: u.pgLoss, kl: u.kl, entropy: u.entropy, clipFraction: u.clipFraction, approxKlOld: u.approxKlOld,
    gradNorm: u.gradNorm, tokens: u.tokens,
    tokensPerSec: batch.generatedTokens / Math.max(batch.seconds, 1e-9),
    trainTokensPerSec: (u.tokens * ctx.stage.algorithm.ppoEpochs) / Math.max(updateSeconds, 1e-9),
    seconds,
  });
  return rec;
}

/** Replays of the best and worst episodes of the batch (`replays.count` in all). */
function writeBatchReplays(ctx: StageContext<RlStageConfig>, step: number, batch: RolloutBatch, pool: Map<number, LanguageEnv[]>): void {
  const order = batch.episodes.map((e, i) => i).sort((a, b) => batch.episodes[b]!.reward - batch.episodes[a]!.reward || a - b);
  const n = Math.min(ctx.stage.replays.count, order.length);
  const pick = [...new Set([...order.slice(0, Math.ceil(n / 2)), ...order.slice(order.length - Math.floor(n / 2))])];
  const dir = join(ctx.stageDir, 'replays', `step-${String(step).padStart(6, '0')}`);
  for (const i of pick) {
    const e = batch.episodes[i]!;
    const env = pool.get(e.envIndex)?.[0] ?? makeLanguageEnv(ctx.stage.envs[e.envIndex]!);
    try {
      saveEpisodeResultReplay(dir, { ...e.result, episode: i }, env, `policy@${ctx.stage.name}:${step}`, { reward: e.reward, group: e.group });
    } catch (err) {
      ctx.log(`[${ctx.stage.name}] replay of episode ${i} not written: ${(err as Error).message}`);
    }
  }
}

/** Held-out evaluation of every env of the stage; logs one eval record per env. */
async function evalStage(ctx: StageContext, step: number): Promise<Record<string, unknown>[]> {
  const { stage } = ctx;
  if (stage.eval.episodes === 0) return [];
  if (stage.eval.keep) await saveModel(ctx.model, join(ctx.stageDir, `eval-step-${step}`));
  const out: Record<string, unknown>[] = [];
  const sampling = 'sampling' in stage ? stage.sampling : ctx.config.sampling;
  const agent = new ModelAgent(ctx.model, { temperature: stage.eval.temperature, maxTokens: sampling.maxTokens, seed: stage.eval.seedStart, input: ctx.promptOf, name: `policy@${stage.name}:${step}` });
  const levels = stage.eval.levels ? loadBoxobanFile(stage.eval.levels) : null;
  const episodes = levels ? Math.min(levels.length, stage.eval.episodes) : stage.eval.episodes;
  for (const spec of stage.eval.envs ?? stage.envs) {
    const report = await evaluateAgent({
      envId: spec.id, envOptions: spec.options, agent, episodes, seed: stage.eval.seedStart,
      ...(levels ? { resetOptions: levels.slice(0, episodes).map((level) => ({ level })) } : {}),
      mode: spec.mode, interaction: spec.style, parallel: Math.min(episodes, 64), keepResponses: false,
      language: {
        ...(spec.maxActions !== undefined ? { maxActions: spec.maxActions } : {}),
        ...(spec.maxTurns !== undefined ? { maxTurns: spec.maxTurns } : {}),
        ...(spec.historyLength !== undefined ? { historyLength: spec.historyLength } : {}),
        ...(spec.invalidAnswer !== undefined ? { invalidAnswer: spec.invalidAnswer } : {}),
      },
    });
    const rec: MetricsRecord = {
      kind: 'eval', stage: stage.name, stageIndex: ctx.index, step, globalStep: ctx.globalBase + step, time: Date.now() / 1000,
      env: spec.id, mode: spec.mode, style: spec.style, episodes: report.episodes,
      success: report.successRate, successLo: report.successInterval95[0], successHi: report.successInterval95[1],
      formatRate: report.formatValidRate, meanReturn: report.meanReturn, meanSteps: report.meanSteps,
    };
    ctx.logger.log(rec);
    ctx.log(`[${stage.name}] eval @${step} ${envLabel(spec)}: success ${(report.successRate * 100).toFixed(1)}% [${(report.successInterval95[0] * 100).toFixed(0)}, ${(report.successInterval95[1] * 100).toFixed(0)}] format ${(report.formatValidRate * 100).toFixed(0)}% (${report.episodes} held-out episodes)`);
    out.push(rec);
  }
  return out;
}
