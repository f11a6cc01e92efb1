/**
 * Trainer checkpoints: the model via agents/model's atomic `saveModel` (weights, config,
 * tokenizer) with the trainer state in its `meta` (stage, step, rng state: saved in the
 * same atomic swap, so weights and step always agree), plus the optimizer moments in
 * `<stageDir>/optimizer.bin` written atomically just before, tagged with the step they
 * belong to. On resume the optimizer state is used only when its step matches the model's;
 * otherwise the optimizer restarts (logged), the weights and step are never lost.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../envs/render/png.js';
import { loadModel, readCheckpointManifest, saveModel } from '../../agents/model/checkpoint.js';
import type { LmmModel } from '../../agents/model/model.js';
import { ResumeError } from '../errors.js';

/** What a trainer checkpoint remembers besides the weights. */
export interface TrainerState {
  kind: 'lmm-gym-trainer';
  version: 1;
  stage: string;
  stageIndex: number;
  /** Updates done in this stage. */
  step: number;
  /** The stage finished (the next stage starts from this checkpoint). */
  done: boolean;
  /** Updates done in earlier stages + step (x axis of the curves). */
  globalStep: number;
  /** Seed and state of the stage's Rng (env choices, level seeds, sampling). */
  rngSeed: number;
  rngState: unknown;
  /** Last metrics of the stage (for summaries). */
  last?: Record<string, unknown>;
}

export const checkpointDir = (stageDir: string) => join(stageDir, 'checkpoint');

/** Save model + trainer state (+ optimizer moments when given). */
export async function saveTrainerCheckpoint(stageDir: string, model: LmmModel, state: TrainerState, optimizer?: tf.Optimizer | null): Promise<void> {
  if (optimizer) await saveOptimizer(join(stageDir, 'optimizer.bin'), optimizer, state.step);
  await saveModel(model, checkpointDir(stageDir), { meta: { trainer: state } });
}

/** The trainer state of a stage's checkpoint, or null when there is none. */
export async function readTrainerState(stageDir: string): Promise<TrainerState | null> {
  const dir = checkpointDir(stageDir);
  if (!existsSync(dir) && !existsSync(stageDir)) return null;
  let manifest;
  try {
    manifest = await readCheckpointManifest(dir);
  } catch {
    return null;
  }
  const t = (manifest.meta as { trainer?: TrainerState }).trainer;
  if (!t || t.kind !== 'lmm-gym-trainer') throw new ResumeError(`${dir} is a model checkpoint without trainer state; cannot resume from it`);
  return t;
}

/** Load a stage's checkpointed model (trainable). */
export async function loadTrainerModel(stageDir: string, trainable = true): Promise<LmmModel> {
  return loadModel(checkpointDir(stageDir), { trainable });
}

/**
 * Optimizer moments as one float32 file: a JSON header line (names, shapes, step) then the
 * raw values. tfjs optimizers restore moments by position, so the same model (same
 * variable order) must be trained.
 */
export async function saveOptimizer(path: string, optimizer: tf.Optimizer, step: number): Promise<void> {
  const weights = await optimizer.getWeights();
  const entries: { name: string; shape: number[]; offset: number }[] = [];
  let total = 0;
  for (const w of weights) { entries.push({ name: w.name, shape: w.tensor.shape, offset: total }); total += w.tensor.size; }
  const values = new Float32Array(total);
  for (const [i, w] of weights.entries()) values.set(await w.tensor.data() as Float32Array, entries[i]!.offset);
  const header = Buffer.from(JSON.stringify({ format: 'lmm-gym-optimizer', version: 1, step, entries }) + '\n');
  await writeFileAtomic(path, Buffer.concat([header, Buffer.from(values.buffer)]));
}

/** What loadOptimizer did: restored, or why not (absent, another step, damaged: the reason names the file). */
export type OptimizerRestore = { restored: true } | { restored: false; reason: string };

/**
 * Restore optimizer moments saved at `step`. When the file is absent, from another step or
 * damaged (unreadable header, a size that is not the header's: a crash or a full disk), the
 * optimizer is left fresh and the reason says so: resuming never stops on the optimizer
 * state, since the weights and the step come from the model checkpoint.
 */
export async function loadOptimizer(path: string, optimizer: tf.Optimizer, step: number): Promise<OptimizerRestore> {
  if (!existsSync(path)) return { restored: false, reason: `${path} not found` };
  const damaged = (why: string): OptimizerRestore => ({ restored: false, reason: `${path} is damaged (${why})` });
  const bytes = await readFile(path);
  const nl = bytes.indexOf(10);
  if (nl < 0) return damaged('no header line');
  let header: { format?: string; step?: number; entries?: { name: string; shape: number[]; offset: number }[] };
  try { header = JSON.parse(bytes.subarray(0, nl).toString('utf8')); } catch (e) { return damaged(`header is not valid JSON: ${(e as Error).message}`); }
  if (header?.format !== 'lmm-gym-optimizer' || !Array.isArray(header.entries)) return damaged('not an lmm-gym optimizer file');
  if (header.step !== step) return { restored: false, reason: `${path} holds the moments of update ${String(header.step)}, not ${step}` };
  let expected = 0;
  for (const e of header.entries) {
    if (!Array.isArray(e?.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !Number.isSafeInteger(e.offset) || e.offset < 0) return damaged(`bad entry ${JSON.stringify(e)?.slice(0, 80)}`);
    expected = Math.max(expected, e.offset + e.shape.reduce((a, b) => a * b, 1));
  }
  const raw = bytes.subarray(nl + 1);
  if (raw.byteLength !== expected * 4) return damaged(`${raw.byteLength} bytes of values, the header describes ${expected * 4}`);
  const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const named = header.entries.map((e) => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    return { name: e.name, tensor: tf.tensor(floats.subarray(e.offset, e.offset + n), e.shape) };
  });
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  return { restored: true };
}
