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
