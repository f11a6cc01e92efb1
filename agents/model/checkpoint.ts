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
 * (during the swap the old one is briefly `<dir>.old-*`, which `loadModel` falls back to).
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
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/** The directory to read: `dir`, or the old copy a crash mid-swap left behind. */
async function resolveCheckpointDir(dir: string): Promise<string> {
  const target = resolve(dir);
  if (await exists(join(target, 'model.json'))) return target;
  const parent = dirname(target), prefix = `.${basename(target)}.old-`;
  const olds = (await readdir(parent).catch(() => [] as string[])).filter((n) => n.startsWith(prefix)).sort();
  for (const n of olds.reverse()) if (await exists(join(parent, n, 'model.json'))) return join(parent, n);
  throw new CheckpointError(`no checkpoint at ${target} (expected model.json, tokenizer.json and weights.bin)`);
}

/** Read a checkpoint's manifest (config and meta) without loading weights. */
export async function readCheckpointManifest(dir: string): Promise<CheckpointManifest> {
  const path = join(await resolveCheckpointDir(dir), 'model.json');
  let m: CheckpointManifest;
  try {
    m = JSON.parse(await readFile(path, 'utf8')) as CheckpointManifest;
  } catch (e) {
    throw new CheckpointError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (m?.format !== CHECKPOINT_FORMAT || m.version !== 1) throw new CheckpointError(`${path} is not an lmm-gym model checkpoint (format ${String(m?.format)}, version ${String(m?.version)})`);
  return m;
}

/** Load a checkpoint saved by `saveModel` (trainable unless told otherwise). */
export async function loadModel(dir: string, options: { trainable?: boolean } = {}): Promise<LmmModel> {
  const root = await resolveCheckpointDir(dir);
  const manifest = await readCheckpointManifest(root);
  const config = validateConfig(manifest.config);
  const tokenizer = Tokenizer.fromJSON(JSON.parse(await readFile(join(root, 'tokenizer.json'), 'utf8')));
  const raw = await readFile(join(root, 'weights.bin'));
  const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const values = new Map<string, Float32Array>();
  const byName = new Map(manifest.weights.map((w) => [w.name, w]));
  for (const [name, shape] of parameterShapes(config)) {
    const e = byName.get(name);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!e || e.shape.join('x') !== shape.join('x') || e.offset + n > floats.length) {
      throw new CheckpointError(`checkpoint ${root}: weight ${name} is missing or has the wrong shape (expected ${shape.join('x')})`);
    }
    values.set(name, floats.subarray(e.offset, e.offset + n));
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
  let manifest: OptimizerManifest;
  try {
    manifest = JSON.parse(await readFile(join(root, 'optimizer.json'), 'utf8')) as OptimizerManifest;
  } catch {
    return false;
  }
  if (manifest.format !== 'lmm-gym-optimizer' || manifest.className !== optimizer.getClassName()) {
    throw new CheckpointError(`checkpoint ${root}: optimizer state is for ${manifest.className}, not ${optimizer.getClassName()}`);
  }
  const raw = await readFile(join(root, 'optimizer.bin'));
  const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const vars = model.namedVariables();
  const named: { name: string; tensor: tf.Tensor }[] = [];
  for (const w of manifest.weights) {
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
