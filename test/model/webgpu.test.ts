// The webgpu backend (Dawn + tfjs-backend-webgpu) against cpu on the same weights. Runs
// where Dawn finds an adapter: a GPU through Vulkan, or Mesa's software OpenGL ES through
// EGL (what CI has: scripts/setup-system.sh installs Mesa's EGL). Elsewhere it is skipped,
// saying why. Tensors move from cpu to webgpu on first use, not back (that read is
// synchronous), so each check computes on cpu first.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, LmmModel, ModelError, Tokenizer } from '../../agents/model/index.js';
import type { BackendInfo, ScoredExample } from '../../agents/model/index.js';
import { policyUpdateAsync, type UpdateSettings } from '../../training/rl/update.js';
import { readAsync } from '../../agents/model/reads.js';
import { testFrame } from './helpers.js';

let info: BackendInfo | null = null;
let why = '';

/** Dawn's default adapter, else Mesa's OpenGL ES without a display. */
async function webgpu(): Promise<BackendInfo | null> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp'; // Mesa's EGL complains without one
  try {
    return await initBackend({ backend: 'webgpu', log: () => {} });
  } catch (e) {
    why = (e as Error).message;
  }
  if (process.env.LMM_GYM_DAWN) return null;
  process.env.LMM_GYM_DAWN = 'backend=opengles';
  process.env.EGL_PLATFORM ??= 'surfaceless';
  try {
    return await initBackend({ backend: 'webgpu', log: () => {} });
  } catch (e) {
    why = `${why}; ${(e as Error).message}`;
    return null;
  }
}

const tok = Tokenizer.build(['Sokoban-v0 turn <think>P 1,1 B 2,2; push up from 3,2</think><answer>up</answer> down left right']);
const examples: ScoredExample[] = [0, 1, 2].map((i) => ({
  input: { prompt: `Sokoban-v0 turn ${i}`, ...(i < 2 ? { image: testFrame(24, 20, i) } : {}) },
  response: `<think>P ${i},1 B 2,2; push up from 3,2</think><answer>${['up', 'down', 'left'][i]}</answer>`,
}));

async function run<T>(backend: string, fn: (m: LmmModel) => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  const m = LmmModel.create({ preset: 'tiny', tokenizer: tok, seed: 3 });
  try {
    return await fn(m);
  } finally {
    m.dispose();
  }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

beforeAll(async () => {
  info = await webgpu();
}, 120_000);

describe('webgpu backend', () => {
  it('is chosen only when asked for, and says which adapter', async (ctx) => {
    if (!info) ctx.skip(`no WebGPU adapter here: ${why}`);
    expect(info!.backend).toBe('webgpu');
    expect(info!.adapter).toBeTruthy();
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('scores responses as cpu does (per-op path), and a training step moves the weights the same way', async (ctx) => {
    if (!info) ctx.skip(`no WebGPU adapter here: ${why}`);
    const step = async (m: LmmModel) => {
      const lp0 = await m.scoreResponses(examples, { engine: 'tfjs' });
      const opt = tf.train.adam(1e-2);
      const r = await m.trainStepAsync(() => m.nll(examples, { engine: 'tfjs' }), opt);
      opt.dispose();
      const lp1 = await m.scoreResponses(examples, { engine: 'tfjs' });
      return { lp0: lp0.flat(), lp1: lp1.flat(), ...r };
    };
    const cpu = await run('cpu', step);
    const gpu = await run('webgpu', step);
    expect(gpu.lp0.length).toBe(cpu.lp0.length);
    expect(maxDiff(gpu.lp0, cpu.lp0)).toBeLessThan(1e-3);
    expect(gpu.loss).toBeCloseTo(cpu.loss, 3);
    expect(gpu.gradNorm).toBeCloseTo(cpu.gradNorm, 2);
    // The step changed the scores by far more than the backends differ.
    expect(maxDiff(cpu.lp1, cpu.lp0)).toBeGreaterThan(0.05);
    expect(maxDiff(gpu.lp1, cpu.lp1)).toBeLessThan(1e-2 * maxDiff(cpu.lp1, cpu.lp0) + 1e-3);
  });

  it('generates the same tokens as cpu for the same seed; the default engine there is the per-op one', async (ctx) => {
    if (!info) ctx.skip(`no WebGPU adapter here: ${why}`);
    const gen = (m: LmmModel) => m.generate(examples.map((e) => e.input), { maxTokens: 6, temperature: 1, seed: 9, stop: [], engine: 'tfjs' });
    const cpu = await run('cpu', gen);
    const gpu = await run('webgpu', (m) => m.generate(examples.map((e) => e.input), { maxTokens: 6, temperature: 1, seed: 9, stop: [] }));
    expect(gpu.map((g) => g.tokenIds)).toEqual(cpu.map((g) => g.tokenIds));
  });

  it('the synchronous training calls refuse with the async name; the RL update runs async', async (ctx) => {
    if (!info) ctx.skip(`no WebGPU adapter here: ${why}`);
    await run('webgpu', async (m) => {
      const opt = tf.train.adam(1e-3);
      expect(() => m.trainStep(() => m.nll(examples), opt)).toThrow(ModelError);
      expect(() => m.trainStep(() => m.nll(examples), opt)).toThrow(/trainStepAsync/);
      const lp = await m.scoreResponses(examples);
      const seqs = examples.map((e, i) => ({ input: e.input, tokenIds: m.tokenizer.encode(e.response as string), oldLogp: lp[i]!, advantage: i - 1 }));
      const s: UpdateSettings = { clip: 0.2, clipHigh: 0.28, klCoef: 0, klEstimator: 'k3', aggregation: 'token', ppoEpochs: 1, miniBatch: 0, maxGradNorm: 1, entropyCoef: 0, temperature: 1 };
      const before = tf.memory().numTensors;
      const u = await policyUpdateAsync(m, opt, seqs, s);
      expect(u.optimizerSteps).toBe(1);
      expect(u.gradNorm).toBeGreaterThan(0);
      expect(u.approxKlOld).toBeCloseTo(0, 3); // the sampling log-probs are this policy's
      opt.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2 * m.variables.length); // Adam's slots only
    });
  });

  it('a GPU error (a pipeline past the device limits) is a ModelError at the next read, not silent zeros', async (ctx) => {
    if (!info) ctx.skip(`no WebGPU adapter here: ${why}`);
    await tf.setBackend('webgpu');
    const parts = Array.from({ length: 40 }, (_, i) => tf.scalar(i + 1)); // AddN binds all 40 at once
    function* sum() { const t = tf.addN(parts); try { return (yield t)[0]!; } finally { t.dispose(); } }
    await expect(readAsync(sum())).rejects.toThrow(/webgpu backend reported an error/);
    tf.dispose(parts);
    const ok = tf.add(tf.scalar(2), 3);
    function* one() { try { return (yield ok)[0]!; } finally { ok.dispose(); } }
    expect(await readAsync(one())).toBe(5); // the error was reported once
  });
});
