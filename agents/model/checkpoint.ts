import * as tf from '@tensorflow/tfjs';
import { open, mkdir, readFile, rename, rm, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ModelConfig } from './config.js';
import { validateConfig } from './config.js';
import { CheckpointError } from './errors.js';
import { LmmModel } from './model.js';
import { parameterShapes } from './params.js';
import { Tokenizer } from './tokenizer.js';

/**
 * A checkpoint is a directory:
 *   model.json      {format, version, config, weights: [{name, shape, offset}], meta}
 *   tokenizer.json  the vocabulary
 *   weights.bin     every weight as little-endian float32, in model.json order
 * Saving writes a sibling temp directory, fsyncs each file and the directory, then swaps
 * it in by rename; a crash at any point leaves either the old or the new checkpoint
 * (during the swap the old one is briefly `.<dir>.old-*`, which `loadModel` falls back to:
 * the one with the highest step when crashes left several). Once a new checkpoint is
 * durable, stale `.<dir>.old-*` and `.<dir>.tmp-*` siblings are removed.
 *
 * Loading checks every file against model.json before building anything: JSON that does
 * not parse, a tokenizer whose size is not the config's vocabSize, a weights.bin whose size
 * is not the manifest's, and NaN / Infinity weights are CheckpointErrors naming the file.
 */
export const CHECKPOINT_FORMAT = 'lmm-gym-model';

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  config: ModelConfig;
  weights: { name: string; shape: number[]; offset: number }[];
  /** Caller data saved with the weights (step, stage, metrics...). */
  meta: Record<string, unknown>;
}

export interface SaveOptions {
  meta?: Record<string, unknown>;
  /** Also save this optimizer's state (Adam moments, step count) for an exact resume. */
  optimizer?: tf.Optimizer;
  /** Test hook: runs after the temp directory is complete, before it is swapped in. */
  beforeCommit?: () => void | Promise<void>;
}

async function writeSynced(path: string, bytes: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try { await fh.sync(); } catch { /* some filesystems refuse fsync on directories */ } finally { await fh.close(); }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

const unique = () => `${process.pid}-${Date.now().toString(36)}-${Math.floor(performance.now() * 1000).toString(36)}`;

/** Save weights, config and tokenizer to `dir` atomically (any backend). */
export async function saveModel(model: LmmModel, dir: string, options: SaveOptions = {}): Promise<void> {
  const target = resolve(dir);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.tmp-${unique()}`);
  const weights = await model.weights();
  const entries: CheckpointManifest['weights'] = [];
  let total = 0;
  for (const [name, shape] of parameterShapes(model.config)) {
    entries.push({ name, shape, offset: total });
    total += weights.get(name)!.length;
  }
  const bin = new Float32Array(total);
  for (const e of entries) bin.set(weights.get(e.name)!, e.offset);
  const manifest: CheckpointManifest = { format: CHECKPOINT_FORMAT, version: 1, config: model.config, weights: entries, meta: options.meta ?? {} };
  await mkdir(tmp);
  try {
    await writeSynced(join(tmp, 'weights.bin'), new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength));
    await writeSynced(join(tmp, 'tokenizer.json'), JSON.stringify(model.tokenizer.toJSON()));
    if (options.optimizer) {
      const state = await optimizerState(model, options.optimizer);
      await writeSynced(join(tmp, 'optimizer.bin'), state.bin);
      await writeSynced(join(tmp, 'optimizer.json'), JSON.stringify(state.manifest));
    }
    await writeSynced(join(tmp, 'model.json'), JSON.stringify(manifest, null, 1));
    await syncDir(tmp);
    await options.beforeCommit?.();
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = join(parent, `.${basename(target)}.old-${unique()}`);
  const hadOld = await exists(target);
  if (hadOld) await rename(target, old);
  await rename(tmp, target);
  await syncDir(parent);
  // The new checkpoint is durable: drop this swap's old copy and any stale ones earlier
  // crashes left (else a later crash mid-swap could fall back to one of them).
  const stale = (await readdir(parent).catch(() => [] as string[]))
    .filter((n) => n.startsWith(`.${basename(target)}.old-`) || n.startsWith(`.${basename(target)}.tmp-`));
  for (const n of stale) await rm(join(parent, n), { recursive: true, force: true });
}

/** A checkpoint's step, for choosing among leftovers: meta.trainer.globalStep, meta.trainer.step or meta.step (-Infinity when none). */
function manifestStep(m: CheckpointManifest): number {
  const meta = (m.meta ?? {}) as { step?: unknown; trainer?: { step?: unknown; globalStep?: unknown } };
  for (const v of [meta.trainer?.globalStep, meta.trainer?.step, meta.step]) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return -Infinity;
}

/**
 * The directory to read: `dir`, or the old copy a crash mid-swap left behind. When several
 * are left (crashes in a row), the one whose manifest has the highest step wins (name
 * order says nothing: names carry process ids).
 */
async function resolveCheckpointDir(dir: string): Promise<string> {
  const target = resolve(dir);
  if (await exists(join(target, 'model.json'))) return target;
  const parent = dirname(target), prefix = `.${basename(target)}.old-`;
  const olds = (await readdir(parent).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  let best: { dir: string; step: number; mtime: number } | null = null;
  for (const n of olds) {
    const candidate = join(parent, n);
    let m: CheckpointManifest;
    try {
      m = JSON.parse(await readFile(join(candidate, 'model.json'), 'utf8')) as CheckpointManifest;
    } catch {
      continue;
    }
    const step = manifestStep(m), mtime = (await stat(join(candidate, 'model.json'))).mtimeMs;
    if (!best || step > best.step || (step === best.step && mtime > best.mtime)) best = { dir: candidate, step, mtime };
  }
  if (best) return best.dir;
  throw new CheckpointError(`no checkpoint at ${target} (expected model.json, tokenizer.json and weights.bin)`);
}

/** Read and parse a checkpoint's JSON file; a missing or damaged one is a CheckpointError naming it. */
async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CheckpointError(`cannot read ${path} (${what}): ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${path} (${what}) is damaged: not valid JSON (${(e as Error).message}; ${text.length} characters); the checkpoint cannot be loaded`);
  }
}

/**
 * The float32 values of a binary checkpoint file, checked against the number the manifest
 * describes: a size that is not `4 * expected` bytes (truncated, odd length, another
 * checkpoint's file) is a CheckpointError naming the file and both sizes.
 */
function floatsOf(raw: Buffer, path: string, expected: number, described: string): Float32Array {
  if (raw.byteLength !== expected * 4) {
    throw new CheckpointError(`${path} is damaged: ${raw.byteLength} bytes, but ${described} describes ${expected} float32 values (${expected * 4} bytes)${raw.byteLength < expected * 4 ? '; the file is truncated' : ''}`);
  }
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/** Throw a CheckpointError naming the file and tensor when `values` holds NaN or Infinity. */
function checkFinite(values: Float32Array, path: string, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v !== 0) throw new CheckpointError(`${path}: weight ${name} holds ${String(v)} at index ${i}; the checkpoint is damaged (a run that diverged?) and would give meaningless answers`);
  }
}

/** Entries of a manifest list, checked: a name, an integer shape and offset inside the file. */
function checkEntries(entries: unknown, path: string): { name: string; shape: number[]; offset: number }[] {
  if (!Array.isArray(entries)) throw new CheckpointError(`${path} is damaged: weights must be a list of {name, shape, offset}`);
  for (const e of entries as { name?: unknown; shape?: unknown; offset?: unknown }[]) {
    if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
      || !Number.isSafeInteger(e.offset) || (e.offset as number) < 0) {
      throw new CheckpointError(`${path} is damaged: bad weight entry ${JSON.stringify(e)?.slice(0, 120)}`);
    }
  }
  return entries as { name: string; shape: number[]; offset: number }[];
}

/** Read a checkpoint's manifest (config and meta) without loading weights. */
export async function readCheckpointManifest(dir: string): Promise<CheckpointManifest> {
  const path = join(await resolveCheckpointDir(dir), 'model.json');
  const m = await readJsonFile(path, 'the manifest') as CheckpointManifest;
  if (m?.format !== CHECKPOINT_FORMAT || m.version !== 1) throw new CheckpointError(`${path} is not an lmm-gym model checkpoint (format ${String(m?.format)}, version ${String(m?.version)})`);
  return m;
}

/**
 * Load a checkpoint saved by `saveModel` (trainable unless told otherwise). Every file is
 * checked against model.json first (see the module comment): damage is a CheckpointError
 * naming the file, never a bare SyntaxError / RangeError or a model that answers nothing.
 */
export async function loadModel(dir: string, options: { trainable?: boolean } = {}): Promise<LmmModel> {
  const root = await resolveCheckpointDir(dir);
  const manifest = await readCheckpointManifest(root);
  const manifestPath = join(root, 'model.json');
  let config: ModelConfig;
  try {
    config = validateConfig(manifest.config);
  } catch (e) {
    throw new CheckpointError(`${manifestPath}: ${(e as Error).message}`);
  }
  const tokPath = join(root, 'tokenizer.json');
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromJSON(await readJsonFile(tokPath, 'the tokenizer'));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${tokPath} is damaged: ${(e as Error).message}`);
  }
  if (tokenizer.size !== config.vocabSize) throw new CheckpointError(`${tokPath} has ${tokenizer.size} tokens but ${manifestPath} says vocabSize ${config.vocabSize}; the files are from different checkpoints`);
  const entries = checkEntries(manifest.weights, manifestPath);
  const byName = new Map(entries.map((w) => [w.name, w]));
  const shapes = parameterShapes(config);
  let expected = 0;
  for (const [name, shape] of shapes) {
    const e = byName.get(name);
    if (!e || e.shape.join('x') !== shape.join('x')) {
      throw new CheckpointError(`checkpoint ${root}: weight ${name} is missing or has the wrong shape (expected ${shape.join('x')}, model.json says ${e ? e.shape.join('x') : 'nothing'})`);
    }
    expected = Math.max(expected, e.offset + shape.reduce((a, b) => a * b, 1));
  }
  const binPath = join(root, 'weights.bin');
  const raw = await readFile(binPath).catch((e: Error) => { throw new CheckpointError(`cannot read ${binPath}: ${e.message}`); });
  const floats = floatsOf(raw, binPath, expected, manifestPath);
  const values = new Map<string, Float32Array>();
  for (const [name, shape] of shapes) {
    const e = byName.get(name)!;
    const v = floats.subarray(e.offset, e.offset + shape.reduce((a, b) => a * b, 1));
    checkFinite(v, binPath, name);
    values.set(name, v);
  }
  return new LmmModel(config, tokenizer, values, options.trainable ?? true);
}

interface OptimizerManifest {
  format: 'lmm-gym-optimizer';
  version: 1;
  className: string;
  weights: { name: string; shape: number[]; offset: number }[];
}

/**
 * Optimizer slots are named `<tf variable name>/<slot>`; tf variable names are per
 * process, so they are saved under the model's weight names and mapped back on load.
 */
async function optimizerState(model: LmmModel, optimizer: tf.Optimizer): Promise<{ bin: Uint8Array; manifest: OptimizerManifest }> {
  const toParam = new Map<string, string>();
  for (const [name, v] of model.namedVariables()) toParam.set(v.name, name);
  const weights = await optimizer.getWeights();
  const entries: OptimizerManifest['weights'] = [];
  const arrays: Float32Array[] = [];
  let total = 0;
  for (const w of weights) {
    const cut = w.name.lastIndexOf('/');
    const varName = cut < 0 ? w.name : w.name.slice(0, cut);
    const param = toParam.get(varName);
    const name = cut < 0 ? w.name : param ? `${param}${w.name.slice(cut)}` : null;
    if (name === null) continue; // a slot of a variable that is not this model's
    const data = (await w.tensor.data()) as Float32Array;
    entries.push({ name, shape: w.tensor.shape, offset: total });
    arrays.push(Float32Array.from(data));
    total += data.length;
  }
  const bin = new Float32Array(total);
  arrays.forEach((a, i) => bin.set(a, entries[i]!.offset));
  return { bin: new Uint8Array(bin.buffer), manifest: { format: 'lmm-gym-optimizer', version: 1, className: optimizer.getClassName(), weights: entries } };
}

/**
 * Restore the optimizer state saved with `saveModel(..., {optimizer})` into `optimizer`
 * (same class, built for `model`). Returns false when the checkpoint has none.
 */
export async function loadOptimizerState(dir: string, model: LmmModel, optimizer: tf.Optimizer): Promise<boolean> {
  const root = await resolveCheckpointDir(dir);
  const jsonPath = join(root, 'optimizer.json'), binPath = join(root, 'optimizer.bin');
  if (!(await exists(jsonPath))) return false;
  const advice = `; delete ${jsonPath} and ${binPath} to load the weights with a fresh optimizer (Adam's moments restart from zero)`;
  let manifest: OptimizerManifest;
  try {
    manifest = await readJsonFile(jsonPath, 'the optimizer state') as OptimizerManifest;
  } catch (e) {
    throw new CheckpointError((e as Error).message + advice);
  }
  if (manifest?.format !== 'lmm-gym-optimizer') throw new CheckpointError(`${jsonPath} is not an lmm-gym optimizer state${advice}`);
  if (manifest.className !== optimizer.getClassName()) {
    throw new CheckpointError(`checkpoint ${root}: optimizer state is for ${manifest.className}, not ${optimizer.getClassName()}`);
  }
  let floats: Float32Array;
  let entries: OptimizerManifest['weights'];
  try {
    entries = checkEntries(manifest.weights, jsonPath);
    const expected = entries.reduce((m, w) => Math.max(m, w.offset + w.shape.reduce((a, b) => a * b, 1)), 0);
    const raw = await readFile(binPath).catch((e: Error) => { throw new CheckpointError(`cannot read ${binPath}: ${e.message}`); });
    floats = floatsOf(raw, binPath, expected, jsonPath);
  } catch (e) {
    throw new CheckpointError((e as Error).message + advice);
  }
  const vars = model.namedVariables();
  const named: { name: string; tensor: tf.Tensor }[] = [];
  for (const w of entries) {
    const cut = w.name.lastIndexOf('/');
    let name = w.name;
    if (cut >= 0) {
      const v = vars.get(w.name.slice(0, cut));
      if (!v) throw new CheckpointError(`checkpoint ${root}: optimizer slot ${w.name} names no model weight`);
      name = `${v.name}${w.name.slice(cut)}`;
    }
    const n = w.shape.reduce((a, b) => a * b, 1);
    named.push({ name, tensor: tf.tensor(floats.subarray(w.offset, w.offset + n), w.shape, 'float32') });
  }
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  return true;
}
