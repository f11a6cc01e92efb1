/**
 * Source-sampling datasets (issue 16, FuseChat-style fusion): several source agents (any
 * spec `createAgent` accepts: oracle, random, `model:DIR`, `openai:URL#model`) each answer
 * every prompt `samples` times; each answer is played in the env and scored with the
 * rule-based reward the RL stages use (training/rollout's `episodeComponents` weighted by
 * `composeReward`: accuracy, format, env return, penalty). The result is a JSONL file that
 * the `fuse-sft` (best answer per prompt) and `dpo` (best vs worst answer of one source)
 * stages read.
 *
 * A prompt is the start state of an episode: an env of the spec and a level seed. A
 * sample is the source's whole episode from there: one turn in plan mode and for
 * single-step tasks (Countdown), every turn in step mode (each with its own prompt, as the
 * RL stages credit every turn of an episode with the episode's reward).
 *
 * On disk, `<dir>/data.jsonl` and `<dir>/images/<hash>.png` (the frames of image modes,
 * one PNG per distinct frame, as `lmm-gym export` writes them):
 *   {"kind":"header","format":"lmm-gym-fuse-data","version":1,"spec":{...},"models":{...}}
 *   {"kind":"sample","chunk":"0/8","prompt":"0/9","env":0,"seed":123,"source":"oracle","sourceIndex":0,"sample":0,
 *    "turns":[{"prompt":"Sokoban-v0\n...","image":"images/ab12....png","response":"<think>...</think><answer>...</answer>"}],
 *    "components":{"accuracy":1,"format":1,"env":0.7,"penalty":0},"reward":1.5,"success":true,"chars":57,"heldOut":false}
 *   {"kind":"done","chunk":"0/8","env":0,"prompts":["0/8","0/9"],"skipped":[]}
 * Prompts are built in chunks (`chunk` prompts of one env, every source); a chunk's lines
 * are appended in one write ending with its `done` line, and only chunks with a `done`
 * line count. Building again resumes: finished chunks are skipped, a torn or unfinished
 * tail is dropped first. Every draw comes from seeds derived from (spec seed, env, chunk,
 * source, sample), so the file is the same whether it was built in one go or resumed, and
 * the same for the same seed (model and oracle sources; a server's sampling is its own).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../envs/core/rng.js';
import type { Frame } from '../../envs/render/frame.js';
import { decodePng, encodePngSync, writeFileAtomic } from '../../envs/render/png.js';
import { LmmGymError } from '../../envs/core/errors.js';
import { maxOf } from '../../envs/core/arrays.js';
import type { LanguageEnv } from '../../tasks/language-env.js';
import { composeReward } from '../../tasks/rewards/compose.js';
import type { AgentObservation } from '../../tasks/types.js';
import { agentActBatch } from '../../agents/agent.js';
import { createAgent, parseAgentSpec } from '../../agents/registry.js';
import { runEpisodes } from '../../agents/runner.js';
import { visitsHeldOut } from '../../agents/traces.js';
import type { Agent, AgentContext, AgentResponse } from '../../agents/types.js';
import { ModelAgent, modelInput } from '../../agents/model/agent.js';
import type { ModelInput } from '../../agents/model/layout.js';
import type { StageEnvSpec } from '../pipeline/config.js';
import { makeLanguageEnv } from '../rollout/envs.js';
import { episodeComponents } from '../rollout/collect.js';
import '../../agents/builtin.js';
import '../../agents/openai.js';

export const FUSE_DATA_FORMAT = 'lmm-gym-fuse-data';
export const FUSE_DATA_VERSION = 1;

/** A dataset that cannot be built or read (names the file and line). */
export class FuseDataError extends LmmGymError {}

/** One source agent of a dataset. */
export interface FuseSource {
  /** Label in the dataset (unique; default: the agent spec). */
  name: string;
  /** Agent spec for createAgent: `oracle`, `random`, `model:DIR`, `openai:URL#model`, or (in a pipeline) `stage:NAME`. */
  agent: string;
  /** Answers per prompt. */
  samples: number;
  /** Sampling temperature passed as the agent's `temperature` setting; null: the kind's default (model sources: 1). */
  temperature: number | null;
  /** Other agent settings (`--agent-option` names), e.g. `{ "style": "compact" }` for the oracle. */
  settings: Record<string, unknown>;
}

/** What a dataset is built from; stored in its header (a resume must match it exactly). */
export interface FuseDataSpec {
  envs: StageEnvSpec[];
  sources: FuseSource[];
  /** Prompts (start states) per env. */
  prompts: number;
  /** Prompts per chunk (one batched run per source; the unit of resume). */
  chunk: number;
  /** Seeds every draw of the dataset. */
  seed: number;
  /** Level seeds are drawn in [0, seedLimit) (held-out evaluation seeds start there). */
  seedLimit: number;
  /** Reward weights over accuracy, format, env, penalty (the RL stages' default: 1, 0.5, 0, 1). */
  rewards: Record<string, number>;
  /** Most tokens per answer of model sources (unless a source's settings say otherwise). */
  maxTokens: number;
}

/** One turn of a sample: what the model reads (prompt, image file) and what the source wrote. */
export interface FuseTurn {
  prompt: string;
  /** Image path relative to the dataset folder (`images/<hash>.png`), or null for text observations. */
  image: string | null;
  response: string;
}

export interface FuseSample {
  kind: 'sample';
  chunk: string;
  /** Prompt id `<env index>/<prompt index>`. */
  prompt: string;
  env: number;
  seed: number;
  source: string;
  sourceIndex: number;
  sample: number;
  turns: FuseTurn[];
  /** Episode-level reward components (episodeComponents) and their weighted total. */
  components: Record<string, number>;
  reward: number;
  success: boolean;
  /** Plan mode: the best cumulative env reward during the replay (MageBench's task score), when the env reports it. */
  bestEnvReturn?: number;
  /** Characters of all responses (the "shorter answer" tie-break). */
  chars: number;
  /** The episode passed through a held-out position (never trained on). */
  heldOut: boolean;
}

interface HeaderLine { kind: 'header'; format: string; version: number; spec: FuseDataSpec; models: Record<string, string> }
interface DoneLine { kind: 'done'; chunk: string; env: number; prompts: string[]; skipped: string[] }

/** A dataset read back: the samples of finished chunks only. */
export interface FuseDataset {
  dir: string;
  spec: FuseDataSpec;
  samples: FuseSample[];
  /** Prompt ids of finished chunks (skipped ones included). */
  prompts: string[];
  /** Prompts whose start state is held out (no samples). */
  skipped: string[];
  chunksDone: number;
  chunksTotal: number;
}

export const datasetFile = (dir: string) => join(dir, 'data.jsonl');

/** Derive a seed in [0, 2^31) from integers (FNV-1a over their decimal digits, then a murmur finaliser). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

/** Level seed of prompt i of env e: consecutive seeds from a per-env start in [0, seedLimit). */
export function promptSeed(spec: Pick<FuseDataSpec, 'seed' | 'seedLimit'>, env: number, i: number): number {
  const limit = BigInt(spec.seedLimit);
  const start = (BigInt(spec.seed) * 1_000_003n + BigInt(env) * 7_919_333n + 104_729n) % limit;
  return Number((start + BigInt(i)) % limit);
}

/** The chunks of a spec in build order: env by env, `chunk` consecutive prompts each. */
export function planChunks(spec: Pick<FuseDataSpec, 'envs' | 'prompts' | 'chunk'>): { id: string; env: number; first: number; count: number }[] {
  const out: { id: string; env: number; first: number; count: number }[] = [];
  for (let e = 0; e < spec.envs.length; e++) {
    for (let first = 0; first < spec.prompts; first += spec.chunk) out.push({ id: `${e}/${first}`, env: e, first, count: Math.min(spec.chunk, spec.prompts - first) });
  }
  return out;
}

/** Short content hash of a frame (its image file name). */
export function frameHash(frame: Frame): string {
  const h = createHash('sha256');
  h.update(`${frame.width}x${frame.height}:`);
  h.update(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength));
  return h.digest('hex').slice(0, 20);
}

/**
 * Wraps a source agent for one run of a chunk: records each turn's model input (prompt text
 * and frame) per episode, marks episodes that visit a held-out position, and hands each
 * episode its own generator (`rngOf(episode)`), so the samples of one prompt differ for
 * agents that draw from ctx.rng (the runner's default is one generator per level seed).
 */
class RecordingAgent implements Agent {
  readonly name: string;
  readonly concurrency: number;
  readonly inputs = new Map<number, ModelInput[]>();
  readonly heldOut = new Set<number>();
  private readonly rngs = new Map<number, Rng>();

  constructor(private readonly inner: Agent, private readonly rngOf: (episode: number) => Rng, private readonly promptOf: (obs: AgentObservation) => ModelInput) {
    this.name = inner.name;
    this.concurrency = inner.concurrency ?? 1;
  }

  reset(episode: number): void {
    this.inner.reset?.(episode);
  }

  async act(obs: AgentObservation, ctx?: AgentContext): Promise<AgentResponse> {
    return (await this.actBatch([obs], ctx ? [ctx] : []))[0]!;
  }

  async actBatch(obs: readonly AgentObservation[], ctxs: readonly AgentContext[] = []): Promise<AgentResponse[]> {
    const contexts = obs.map((o, i) => {
      const ctx = ctxs[i] ?? {};
      const ep = ctx.episode ?? -1;
      let list = this.inputs.get(ep);
      if (!list) this.inputs.set(ep, (list = []));
      list.push(this.promptOf(o));
      if (ctx.env && visitsHeldOut(ctx.env)) this.heldOut.add(ep);
      let rng = this.rngs.get(ep);
      if (!rng) this.rngs.set(ep, (rng = this.rngOf(ep)));
      return { ...ctx, rng };
    });
    return agentActBatch(this.inner, obs, contexts);
  }
}

/** Options of `buildSourceDataset`. */
export interface BuildOptions {
  /** Maps a source's agent spec to the one createAgent gets (the pipeline turns `stage:NAME` into `model:<checkpoint>`). */
  resolveAgent?: (spec: string) => string;
  /** Observation -> model input (default agents/model's modelInput, what SFT and RL use). */
  promptOf?: (obs: AgentObservation) => ModelInput;
  log?: (line: string) => void;
  /** Called after each chunk with chunks done / total. */
  progress?: (done: number, total: number) => void;
  /** Test hook: stop (throw) after writing this many chunks in this call (simulates a crash). */
  stopAfterChunks?: number;
}

export interface BuildSummary {
  path: string;
  chunksTotal: number;
  /** Chunks already on disk when the build started. */
  chunksReused: number;
  chunksBuilt: number;
  samplesWritten: number;
}

/** What the model sources were sampled from: checkpoint name -> hash of its weights (a resume from other weights is refused). */
function modelFingerprints(spec: FuseDataSpec, resolve: (s: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of spec.sources) {
    const { kind, arg } = parseAgentSpec(resolve(src.agent));
    if (kind !== 'model') continue;
    const weights = join(arg, 'weights.bin');
    if (!existsSync(weights)) throw new FuseDataError(`source ${src.name}: no checkpoint at ${arg} (${weights} not found)`);
    out[src.name] = createHash('sha256').update(readFileSync(weights)).digest('hex').slice(0, 20);
  }
  return out;
}

/** Parse data.jsonl: header, sample and done lines, plus what to keep on resume. */
function parseFile(path: string): { header: HeaderLine | null; samples: FuseSample[]; done: DoneLine[]; keep: string[]; dropped: number } {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const endsClean = text.endsWith('\n');
  const parsed: { line: string; value: { kind?: string; chunk?: string } }[] = [];
  let dropped = 0;
  lines.forEach((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      if (i === lines.length - 1 && !endsClean) { dropped++; return; } // torn last line (a crash mid-write)
      throw new FuseDataError(`${path}:${i + 1}: not a JSON line (${(e as Error).message})`);
    }
    if (value === null || typeof value !== 'object') throw new FuseDataError(`${path}:${i + 1}: expected a JSON object`);
    parsed.push({ line, value: value as { kind?: string; chunk?: string } });
  });
  const first = parsed[0]?.value as HeaderLine | undefined;
  if (!first) return { header: null, samples: [], done: [], keep: [], dropped };
  if (first.kind !== 'header' || first.format !== FUSE_DATA_FORMAT) throw new FuseDataError(`${path}: not an ${FUSE_DATA_FORMAT} file (first line is not its header)`);
  if (first.version !== FUSE_DATA_VERSION) throw new FuseDataError(`${path}: format version ${first.version}; this code reads version ${FUSE_DATA_VERSION}`);
  const done = parsed.filter((p) => p.value.kind === 'done').map((p) => p.value as unknown as DoneLine);
  const doneIds = new Set(done.map((d) => d.chunk));
  const keep: string[] = [parsed[0]!.line];
  const samples: FuseSample[] = [];
  for (const p of parsed.slice(1)) {
    if (!doneIds.has(p.value.chunk ?? '')) { dropped++; continue; }
    keep.push(p.line);
    if (p.value.kind === 'sample') samples.push(p.value as unknown as FuseSample);
  }
  return { header: first, samples, done, keep, dropped };
}

/** Read a dataset folder (finished chunks only). */
export function readSourceDataset(dir: string): FuseDataset {
  const path = datasetFile(dir);
  if (!existsSync(path)) throw new FuseDataError(`no dataset at ${path}`);
  const { header, samples, done } = parseFile(path);
  if (!header) throw new FuseDataError(`${path} is empty`);
  return {
    dir, spec: header.spec, samples,
    prompts: done.flatMap((d) => d.prompts), skipped: done.flatMap((d) => d.skipped),
    chunksDone: done.length, chunksTotal: planChunks(header.spec).length,
  };
}

/** Decode the frames of the given image paths (relative to the dataset folder). */
export async function loadDatasetImages(dir: string, paths: Iterable<string>): Promise<Map<string, Frame>> {
  const out = new Map<string, Frame>();
  for (const p of paths) {
    if (out.has(p)) continue;
    if (!/^images\/[0-9a-f]+\.png$/.test(p)) throw new FuseDataError(`bad image reference ${JSON.stringify(p)} in ${datasetFile(dir)}`);
    out.set(p, await decodePng(await readFile(join(dir, p))));
  }
  return out;
}

/**
 * Build (or finish) the dataset of `spec` in `dir`. An existing file must have been built
 * from the same spec and the same model weights; its finished chunks are kept.
 */
export async function buildSourceDataset(spec: FuseDataSpec, dir: string, options: BuildOptions = {}): Promise<BuildSummary> {
  const resolve = options.resolveAgent ?? ((s: string) => s);
  const promptOf = options.promptOf ?? modelInput;
  const log = options.log ?? (() => {});
  const path = datasetFile(dir);
  const models = modelFingerprints(spec, resolve);
  const header: HeaderLine = { kind: 'header', format: FUSE_DATA_FORMAT, version: FUSE_DATA_VERSION, spec, models };
  const chunks = planChunks(spec);
  const done = new Set<string>();
  const images = new Set<string>();
  if (existsSync(path)) {
    const old = parseFile(path);
    if (old.header) {
      if (JSON.stringify(old.header.spec) !== JSON.stringify(spec)) throw new FuseDataError(`${path} was built from another spec (sources, envs, prompts, seed ...); delete it or use another folder`);
      if (JSON.stringify(old.header.models) !== JSON.stringify(models)) throw new FuseDataError(`${path} was sampled from other model weights (${JSON.stringify(old.header.models)}, now ${JSON.stringify(models)}); delete it or use another folder`);
      for (const d of old.done) done.add(d.chunk);
      for (const s of old.samples) for (const t of s.turns) if (t.image) images.add(t.image);
      if (old.dropped > 0) {
        log(`dataset ${path}: dropping ${old.dropped} lines of unfinished chunks`);
        await writeFileAtomic(path, old.keep.map((l) => l + '\n').join(''));
      }
    }
  }
  if (!existsSync(path) || readFileSync(path, 'utf8').length === 0) await writeFileAtomic(path, JSON.stringify(header) + '\n');
  const summary: BuildSummary = { path, chunksTotal: chunks.length, chunksReused: done.size, chunksBuilt: 0, samplesWritten: 0 };
  if (done.size === chunks.length) return summary;
  if (done.size > 0) log(`dataset ${path}: ${done.size}/${chunks.length} chunks already built, resuming`);

  const maxSamples = Math.max(1, maxOf(spec.sources.map((s) => s.samples)));
  const pools = new Map<number, LanguageEnv[]>();
  // Model sources: the checkpoint is loaded once; each chunk gets its own seeded ModelAgent on it.
  const loaded = new Map<number, ModelAgent>();
  const agentFor = async (si: number, envId: string, seed: number): Promise<{ agent: Agent; close: boolean }> => {
    const src = spec.sources[si]!;
    const agentSpec = resolve(src.agent);
    const settings: Record<string, unknown> = { ...src.settings };
    const { kind } = parseAgentSpec(agentSpec);
    if (kind === 'model') {
      if (settings.maxTokens === undefined) settings.maxTokens = spec.maxTokens;
      if (settings.temperature === undefined) settings.temperature = src.temperature ?? 1;
    } else if (src.temperature !== null) settings.temperature = src.temperature;
    let base = loaded.get(si);
    if (!base && kind === 'model') {
      const a = await createAgent(agentSpec, { envId, seed: 0, settings });
      if (!(a instanceof ModelAgent)) throw new FuseDataError(`source ${src.name}: ${agentSpec} did not give a model agent`);
      loaded.set(si, (base = a));
    }
    if (base) return { agent: new ModelAgent(base.model, { ...base.options, seed, input: promptOf, name: src.name }), close: false };
    return { agent: await createAgent(agentSpec, { envId, seed, settings }), close: true };
  };

  let built = 0;
  try {
    for (const chunk of chunks) {
      if (done.has(chunk.id)) continue;
      const envSpec = spec.envs[chunk.env]!;
      let pool = pools.get(chunk.env);
      if (!pool) pools.set(chunk.env, (pool = []));
      while (pool.length < chunk.count * maxSamples) pool.push(makeLanguageEnv(envSpec, spec.rewards));
      const prompts: { id: string; seed: number }[] = [];
      const skipped: string[] = [];
      for (let i = chunk.first; i < chunk.first + chunk.count; i++) {
        const id = `${chunk.env}/${i}`, seed = promptSeed(spec, chunk.env, i);
        pool[0]!.reset({ seed });
        if (visitsHeldOut(pool[0]!.env)) skipped.push(id);
        else prompts.push({ id, seed });
      }
      const lines: string[] = [];
      const newImages = new Map<string, Frame>();
      for (const [si, src] of spec.sources.entries()) {
        if (prompts.length === 0) break;
        const N = src.samples;
        const { agent, close } = await agentFor(si, envSpec.id, mixSeed(spec.seed, chunk.env, chunk.first, si, 1));
        const rec = new RecordingAgent(agent, (ep) => new Rng(mixSeed(spec.seed, chunk.env, chunk.first, si, 2, ep)), promptOf);
        try {
          const seeds = prompts.flatMap((p) => Array.from({ length: N }, () => p.seed));
          const results = await runEpisodes(rec, pool.slice(0, seeds.length), {
            seeds,
            onTurn: (_t, ep, env) => { if (visitsHeldOut(env.env)) rec.heldOut.add(ep); },
          });
          results.forEach((r, k) => {
            const p = prompts[Math.floor(k / N)]!;
            const inputs = rec.inputs.get(k) ?? [];
            const turns: FuseTurn[] = r.turns.map((t, j) => {
              const input = inputs[j];
              if (!input) throw new FuseDataError(`source ${src.name}: turn ${j} of episode ${k} was not recorded`);
              let image: string | null = null;
              if (input.image) {
                image = `images/${frameHash(input.image)}.png`;
                if (!images.has(image)) newImages.set(image, input.image);
              }
              return { prompt: input.prompt, image, response: t.response };
            });
            const components = episodeComponents(r);
            const sample: FuseSample = {
              kind: 'sample', chunk: chunk.id, prompt: p.id, env: chunk.env, seed: p.seed, source: src.name, sourceIndex: si, sample: k % N,
              turns, components, reward: composeReward(components, spec.rewards).total, success: r.success,
              ...(r.bestEnvReturn !== null ? { bestEnvReturn: r.bestEnvReturn } : {}),
              chars: turns.reduce((a, t) => a + t.response.length, 0), heldOut: rec.heldOut.has(k),
            };
            lines.push(JSON.stringify(sample));
          });
        } finally {
          if (close) await agent.close?.();
        }
      }
      for (const [p, frame] of newImages) {
        await writeFileAtomic(join(dir, p), encodePngSync(frame));
        images.add(p);
      }
      const doneLine: DoneLine = { kind: 'done', chunk: chunk.id, env: chunk.env, prompts: [...prompts.map((p) => p.id), ...skipped].sort(byPromptIndex), skipped };
      lines.push(JSON.stringify(doneLine));
      appendFileSync(path, lines.map((l) => l + '\n').join(''));
      summary.chunksBuilt++;
      summary.samplesWritten += lines.length - 1;
      done.add(chunk.id);
      options.progress?.(done.size, chunks.length);
      built++;
      if (options.stopAfterChunks !== undefined && built >= options.stopAfterChunks) throw new FuseDataError(`stopped after ${built} chunks (test hook)`);
      await new Promise((r) => setImmediate(r)); // stay interruptible
    }
  } finally {
    for (const envs of pools.values()) for (const e of envs) e.close();
    for (const a of loaded.values()) a.close();
  }
  return summary;
}

function byPromptIndex(a: string, b: string): number {
  const [ea, ia] = a.split('/').map(Number) as [number, number];
  const [eb, ib] = b.split('/').map(Number) as [number, number];
  return ea - eb || ia - ib;
}
