import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, readdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, loadModel, loadOptimizerState, readCheckpointManifest, saveModel } from '../../agents/model/index.js';
import type { LmmModel } from '../../agents/model/index.js';
import { testFrame, tinyModel } from './helpers.js';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'lmm-ckpt-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

async function maxWeightDiff(a: LmmModel, b: LmmModel): Promise<number> {
  const wa = await a.weights(), wb = await b.weights();
  let m = 0;
  for (const [k, v] of wa) { const u = wb.get(k)!; for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]! - u[i]!)); }
  return m;
}

async function sameWeights(a: LmmModel, b: LmmModel): Promise<boolean> {
  const wa = await a.weights(), wb = await b.weights();
  if (wa.size !== wb.size) return false;
  for (const [k, v] of wa) {
    const u = wb.get(k);
    if (!u || u.length !== v.length || v.some((x, i) => x !== u[i])) return false;
  }
  return true;
}

describe('checkpoints', () => {
  it('round-trip weights, config, tokenizer and meta exactly', async () => {
    const m = await tinyModel(3);
    const dir = join(root, 'a');
    await saveModel(m, dir, { meta: { step: 7 } });
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'tokenizer.json', 'weights.bin']);
    const back = await loadModel(dir);
    expect(back.config).toEqual(m.config);
    expect(back.tokenizer.words).toEqual(m.tokenizer.words);
    expect(await sameWeights(m, back)).toBe(true);
    expect((await readCheckpointManifest(dir)).meta).toEqual({ step: 7 });
    const input = { prompt: 'push', image: testFrame() };
    const [g1] = await m.generate([input], { seed: 4, maxTokens: 8 });
    const [g2] = await back.generate([input], { seed: 4, maxTokens: 8 });
    expect(g2).toEqual(g1);
    m.dispose(); back.dispose();
  });

  it('a failure mid-save leaves the old checkpoint intact and no temp files', async () => {
    const oldModel = await tinyModel(1), newModel = await tinyModel(2);
    const dir = join(root, 'b');
    await saveModel(oldModel, dir);
    await expect(saveModel(newModel, dir, { beforeCommit: () => { throw new Error('simulated crash'); } })).rejects.toThrow('simulated crash');
    expect((await readdir(root)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const loaded = await loadModel(dir);
    expect(await sameWeights(loaded, oldModel)).toBe(true);
    // A later save replaces it whole.
    await saveModel(newModel, dir);
    const replaced = await loadModel(dir);
    expect(await sameWeights(replaced, newModel)).toBe(true);
    expect((await readdir(root)).filter((n) => n.startsWith('.b.'))).toEqual([]);
    for (const x of [oldModel, newModel, loaded, replaced]) x.dispose();
  });

  it('a crash between the two renames still loads the old checkpoint', async () => {
    const m = await tinyModel(5);
    const dir = join(root, 'c');
    await saveModel(m, join(root, '.c.old-123'));
    const loaded = await loadModel(dir);
    expect(await sameWeights(loaded, m)).toBe(true);
    m.dispose(); loaded.dispose();
  });

  it('saves and restores the optimizer state for an exact resume (text and image batches)', async () => {
    const m = await tinyModel(6);
    const textBatch = [{ input: { prompt: 'go' }, response: '<answer>Up</answer>' }];
    const imageBatch = [{ input: { prompt: 'see', image: testFrame() }, response: '<answer>Left</answer>' }];
    const opt = tf.train.adam(1e-2);
    // Text-only then image batches: the vision weights have no gradient on the first.
    m.trainStep(() => m.nll(textBatch), opt);
    m.trainStep(() => m.nll(imageBatch), opt);
    const dir = join(root, 'e');
    await saveModel(m, dir, { optimizer: opt });
    m.trainStep(() => m.nll(imageBatch), opt);
    m.trainStep(() => m.nll(textBatch), opt);
    const resumed = await loadModel(dir);
    const opt2 = tf.train.adam(1e-2);
    expect(await loadOptimizerState(dir, resumed, opt2)).toBe(true);
    resumed.trainStep(() => resumed.nll(imageBatch), opt2);
    resumed.trainStep(() => resumed.nll(textBatch), opt2);
    // tf's Adam rebuilds beta^t with pow() on restore instead of a running product: equal
    // to float rounding. Without the saved moments the first resumed steps differ by ~lr.
    expect(await maxWeightDiff(m, resumed)).toBeLessThan(1e-5);
    const fresh = await loadModel(dir);
    const opt3 = tf.train.adam(1e-2);
    fresh.trainStep(() => fresh.nll(imageBatch), opt3);
    fresh.trainStep(() => fresh.nll(textBatch), opt3);
    expect(await maxWeightDiff(m, fresh)).toBeGreaterThan(1e-4);
    opt3.dispose(); fresh.dispose();
    // Without saved state there is nothing to restore.
    await saveModel(m, join(root, 'f'));
    expect(await loadOptimizerState(join(root, 'f'), resumed, tf.train.adam(1e-2))).toBe(false);
    opt.dispose(); opt2.dispose(); m.dispose(); resumed.dispose();
  });

  it('rejects missing or mismatched checkpoints with CheckpointError', async () => {
    await expect(loadModel(join(root, 'nothing'))).rejects.toThrow(CheckpointError);
    const m = await tinyModel(1);
    const dir = join(root, 'd');
    await saveModel(m, dir);
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(16));
    await expect(loadModel(dir)).rejects.toThrow(/weights\.bin is damaged: 16 bytes, but .*model\.json describes \d+ float32 values .*truncated/);
    m.dispose();
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });

  it('damaged files are CheckpointErrors naming the file (issue 18)', async () => {
    const m = await tinyModel(2);
    const fresh = async (name: string) => { const d = join(root, name); await saveModel(m, d); return d; };
    // A truncated tokenizer.json: not a bare SyntaxError.
    let d = await fresh('dmg-tok');
    const tok = await readFile(join(d, 'tokenizer.json'), 'utf8');
    await writeFile(join(d, 'tokenizer.json'), tok.slice(0, tok.length >> 1));
    let e = await loadModel(d).catch((x) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.message).toMatch(/dmg-tok\/tokenizer\.json \(the tokenizer\) is damaged: not valid JSON/);
    // A tokenizer from another checkpoint.
    await writeFile(join(d, 'tokenizer.json'), JSON.stringify({ format: 'lmm-gym-tokenizer', version: 1, words: ['xyz'] }));
    await expect(loadModel(d)).rejects.toThrow(/tokenizer\.json has \d+ tokens but .*model\.json says vocabSize \d+/);
    // An odd-length weights.bin: not a RangeError.
    d = await fresh('dmg-odd');
    const bin = await readFile(join(d, 'weights.bin'));
    await writeFile(join(d, 'weights.bin'), bin.subarray(0, bin.length - 1));
    e = await loadModel(d).catch((x) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.message).toContain(`dmg-odd/weights.bin is damaged: ${bin.length - 1} bytes`);
    await writeFile(join(d, 'weights.bin'), Buffer.concat([bin, Buffer.alloc(4)]));
    await expect(loadModel(d)).rejects.toThrow(/weights\.bin is damaged/);
    // NaN weights: refused, naming the weight.
    d = await fresh('dmg-nan');
    const nan = Buffer.from(bin);
    nan.writeFloatLE(NaN, 4 * 10);
    await writeFile(join(d, 'weights.bin'), nan);
    await expect(loadModel(d)).rejects.toThrow(/dmg-nan\/weights\.bin: weight \S+ holds NaN at index \d+; the checkpoint is damaged/);
    // A damaged model.json.
    d = await fresh('dmg-manifest');
    await writeFile(join(d, 'model.json'), '{"format":"lmm-gym-model",');
    await expect(loadModel(d)).rejects.toThrow(/model\.json \(the manifest\) is damaged: not valid JSON/);
    m.dispose();
  });

  it('a truncated optimizer.bin names the file and the way forward', async () => {
    const m = await tinyModel(3);
    const opt = tf.train.adam(1e-2);
    m.trainStep(() => m.nll([{ input: { prompt: 'go' }, response: '<answer>Up</answer>' }]), opt);
    const dir = join(root, 'dmg-opt');
    await saveModel(m, dir, { optimizer: opt });
    const size = (await readFile(join(dir, 'optimizer.bin'))).length;
    await truncate(join(dir, 'optimizer.bin'), size - 6);
    const e = await loadOptimizerState(dir, m, tf.train.adam(1e-2)).catch((x) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.message).toMatch(/optimizer\.bin is damaged: \d+ bytes, .* the file is truncated; delete .*optimizer\.json and .*optimizer\.bin to load the weights with a fresh optimizer/);
    await rm(join(dir, 'optimizer.json'));
    await rm(join(dir, 'optimizer.bin'));
    expect(await loadOptimizerState(dir, m, tf.train.adam(1e-2))).toBe(false);
    opt.dispose(); m.dispose();
  });

  it('two crashes in a row in the rename window: the newest step wins, stale copies are removed', async () => {
    const parent = join(root, 'twice');
    const dir = join(parent, 'ckpt');
    const m10 = await tinyModel(10), m11 = await tinyModel(11);
    // Crash 1 left only the old copy (the new one never got renamed in).
    await saveModel(m10, join(parent, '.ckpt.old-zzz'), { meta: { step: 10 } });
    expect((await readCheckpointManifest(dir)).meta).toEqual({ step: 10 });
    // The resumed run saves step 11: durable, so the stale old copy goes.
    await saveModel(m11, dir, { meta: { step: 11 } });
    expect((await readdir(parent)).sort()).toEqual(['ckpt']);
    // Crash 2 in the next swap: step 11 is now an old copy whose name sorts first; a stale
    // step-10 copy next to it must not win.
    await rename(dir, join(parent, '.ckpt.old-aaa'));
    await saveModel(m10, join(parent, '.ckpt.old-zzz'), { meta: { step: 10 } });
    expect((await readCheckpointManifest(dir)).meta).toEqual({ step: 11 });
    const loaded = await loadModel(dir);
    expect(await sameWeights(loaded, m11)).toBe(true);
    for (const x of [m10, m11, loaded]) x.dispose();
  });
});
