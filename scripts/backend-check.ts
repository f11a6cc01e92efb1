// Check a tfjs backend against cpu, in one process, on the model's real work: the same
// weights' log-probs, one training step, generation, and the speed of each at the shapes
// of the step-mode RL stage (one image + a short prompt + a response per row).
//   LMM_GYM_BACKEND=webgpu npx tsx scripts/backend-check.ts [checkpoint=DIR] [out=FILE.json]
//     [rows=32] [reps=3] [genRows=64] [genTokens=32] [skipCpu=1] [submitBatch=N]
// Without a checkpoint the model is a fresh 'small' one (seed 0). The training step here is
// variableGrads + Adam with one asynchronous read at the end (no clipping). skipCpu=1 times
// the chosen backend alone (no parity figures). submitBatch=N sets tfjs-webgpu's
// WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (kernels recorded per queue submit; its default 15).
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { initBackend, loadModel, LmmModel, Tokenizer } from '../agents/model/index.js';
import type { ModelInput, ScoredExample } from '../agents/model/index.js';
import { tryRegisterNativeKernels } from '../agents/model/kernels/index.js';
import { Rng } from '../envs/core/rng.js';
import { probeArgs } from './probe-args.js';

const KEYS = ['checkpoint', 'out', 'rows', 'reps', 'genRows', 'genTokens', 'skipCpu', 'submitBatch'];
const arg = probeArgs(process.argv.slice(2), KEYS);
const ROWS = Number(arg.rows ?? 32), REPS = Number(arg.reps ?? 3), GEN_ROWS = Number(arg.genRows ?? 64), GEN_TOKENS = Number(arg.genTokens ?? 32);

const info = await initBackend();
const target = info.backend;
if (arg.submitBatch) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', Number(arg.submitBatch));
// cpu runs first, with its native kernels as initBackend would register them: tensors move
// from cpu to a GPU backend on first use, but not back (that read is synchronous).
const native = tryRegisterNativeKernels();
await tf.setBackend('cpu');
(tf.backend() as unknown as { firstUse?: boolean }).firstUse = false; // tfjs's Node banner
const PROMPT = 'Sokoban-v0\nTurn 3.\nThe current state is shown in the image.\nGive your next action.';
const MOVES = ['up', 'down', 'left', 'right'];
const model = arg.checkpoint
  ? await loadModel(arg.checkpoint)
  : LmmModel.create({ preset: 'small', tokenizer: Tokenizer.build([PROMPT, '<think>P 1,1 B 2,2 T 4,3; push down from 1,2</think><answer>down</answer>']), seed: 0 });

/** Rows like the RL stage's: a seeded random 48x48 frame, the step prompt, a ~55-token response. */
function rows(n: number, seed: number): ScoredExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const data = new Uint8ClampedArray(48 * 48 * 4);
    for (let j = 0; j < data.length; j++) data[j] = j % 4 === 3 ? 255 : Math.floor(rng.next() * 256);
    const r = () => 1 + Math.floor(rng.next() * 4);
    const move = MOVES[i % 4]!;
    return {
      input: { prompt: PROMPT, image: { width: 48, height: 48, data } },
      response: `<think>P ${r()},${r()} B ${r()},${r()} T ${r()},${r()}; wall ${r()},${r()} ${r()},${r()}; box ${r()},${r()} ${r()},${r()}; push ${move} from ${r()},${r()}</think><answer>${move}</answer>`,
    };
  });
}

const ex = rows(ROWS, 1);
const tokens = ex.reduce((a, e) => a + model.tokenizer.encode(e.response as string).length + model.tokenizer.encode(e.input.prompt).length + 37, 0);

/** Each backend's own best path: on cpu the fused ops (when built), elsewhere per-op tfjs. */
const engineOf = () => (tf.getBackend() === 'cpu' ? 'auto' : 'tfjs');

async function logProbs(): Promise<Float32Array> {
  const s = model.responseLogProbs(ex, { engine: engineOf() });
  const v = (await s.logProbs.data()) as Float32Array;
  s.logProbs.dispose(); s.mask.dispose();
  return v;
}

/** One Adam step on the mean NLL, read back asynchronously; returns the loss. */
async function trainStep(opt: tf.Optimizer): Promise<number> {
  const { value, grads } = tf.variableGrads(() => model.nll(ex, { engine: engineOf() }), model.variables);
  opt.applyGradients(grads);
  tf.dispose(Object.values(grads));
  const loss = (await value.data())[0]!;
  value.dispose();
  return loss;
}

async function timed<T>(fn: () => Promise<T>, reps: number): Promise<{ secs: number; last: T }> {
  let last = await fn(); // warm-up: shader compilation on a GPU backend
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) last = await fn();
  return { secs: (performance.now() - t0) / 1000 / reps, last };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

async function measure(backend: string) {
  await tf.setBackend(backend);
  const start = await model.weights();
  const lp = await logProbs();
  const fwd = await timed(logProbs, REPS);
  const opt = tf.train.adam(1e-3);
  const step = await timed(() => trainStep(opt), REPS);
  const lpAfter = await logProbs();
  opt.dispose();
  model.setWeights(start);
  const prompts: ModelInput[] = rows(GEN_ROWS, 2).map((e) => e.input);
  const engine = backend === 'cpu' ? 'auto' : 'tfjs';
  const gen = await timed(() => model.generate(prompts, { maxTokens: GEN_TOKENS, temperature: 1, seed: 5, stop: [], engine }), 1);
  const genTokens = gen.last.reduce((a, g) => a + g.tokenIds.length, 0);
  const texts = gen.last.map((g) => g.text);
  return {
    backend, lp, lpAfter, texts,
    forwardTokensPerSec: tokens / fwd.secs, forwardSecs: fwd.secs,
    trainStepSecs: step.secs, trainTokensPerSec: tokens / step.secs, lossAfter: step.last,
    generateSecs: gen.secs, generateTokensPerSec: genTokens / gen.secs, generationEngine: engine,
  };
}

const skipCpu = arg.skipCpu === '1' && target !== 'cpu';
const a0 = skipCpu ? await measure(target) : null;
const b = a0 ?? await measure('cpu');
const a = a0 ?? (target === 'cpu' ? b : await measure(target));
const sameText = a.texts.filter((t, i) => t === b.texts[i]).length;
const report = {
  backend: target, adapter: info.adapter ?? null, cpuNativeKernels: native.ok, submitBatch: target === 'webgpu' ? tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') : null, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '',
  parameters: model.parameterCount, rows: ROWS, tokensPerBatch: tokens, genRows: GEN_ROWS, genTokens: GEN_TOKENS,
  parity: skipCpu ? null : {
    logProbsMaxAbsDiff: maxDiff(a.lp, b.lp),
    afterOneAdamStepMaxAbsDiff: maxDiff(a.lpAfter, b.lpAfter),
    stepChangeMaxAbs: maxDiff(b.lp, b.lpAfter),
    generatedTextsIdentical: `${sameText}/${a.texts.length}`,
  },
  speed: Object.fromEntries((skipCpu ? [a] : [a, b]).map((m) => [m.backend, {
    forwardTokensPerSec: Math.round(m.forwardTokensPerSec), trainStepSecs: +m.trainStepSecs.toFixed(4),
    trainTokensPerSec: Math.round(m.trainTokensPerSec), generateTokensPerSec: Math.round(m.generateTokensPerSec),
    generationEngine: m.generationEngine,
  }])),
};
console.log(JSON.stringify(report, null, 1));
if (arg.out) writeFileSync(arg.out, JSON.stringify(report, null, 1) + '\n');
model.dispose();

