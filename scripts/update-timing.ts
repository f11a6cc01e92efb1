// Replay one RL update (a batch dumped by `scripts/rl-update-probe.ts ... dump=FILE`) on the
// cpu backend and on the backend initBackend picks (LMM_GYM_BACKEND=webgpu on a GPU), from
// the same weights: seconds per update, optimizer steps, and the mean change of each
// response's summed log-prob by advantage sign, so the two backends' updates compare in
// speed and in effect. No envs needed (the frames travel in the dump).
//   LMM_GYM_BACKEND=webgpu npx tsx scripts/update-timing.ts DUMP.json [checkpoint=DIR] [updates=1] [out=FILE.json] [skipCpu=1]
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { createAdam, initBackend, loadModel } from '../agents/model/index.js';
import { tryRegisterNativeKernels } from '../agents/model/kernels/index.js';
import { policyUpdateAsync, scoreSequences, type TrainSequence, type UpdateSettings } from '../training/rl/update.js';
import { probeArgs } from './probe-args.js';

const KEYS = ['checkpoint', 'updates', 'out', 'skipCpu'];
const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: update-timing.ts DUMP.json [checkpoint=DIR] [updates=1] [out=FILE.json] [skipCpu=1]');
const arg = probeArgs(rest, KEYS);
interface Dump {
  checkpoint: string; lr: number; settings: UpdateSettings; imageSize: number;
  sequences: { prompt: string; image?: string; tokenIds: number[]; oldLogp: number[]; refLogp?: number[]; advantage: number; weight?: number }[];
}
const dump = JSON.parse(readFileSync(file, 'utf8')) as Dump;
const size = dump.imageSize;
const seqs: TrainSequence[] = dump.sequences.map((q) => ({
  input: { prompt: q.prompt, ...(q.image ? { image: { width: size, height: size, data: new Uint8ClampedArray(Buffer.from(q.image, 'base64')) } } : {}) },
  tokenIds: q.tokenIds, oldLogp: q.oldLogp, ...(q.refLogp ? { refLogp: q.refLogp } : {}), advantage: q.advantage, ...(q.weight !== undefined ? { weight: q.weight } : {}),
}));
const UPDATES = Number(arg.updates ?? 1);
const info = await initBackend();
const native = tryRegisterNativeKernels();
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

async function run(backend: string) {
  await tf.setBackend(backend);
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const m = await loadModel(arg.checkpoint ?? dump.checkpoint, { trainable: true });
  const lp0 = await scoreSequences(m, seqs, dump.settings.temperature);
  const optimizer = await createAdam(dump.lr);
  const secs: number[] = [];
  let steps = 0;
  for (let u = 0; u < UPDATES; u++) {
    const t0 = performance.now();
    steps = (await policyUpdateAsync(m, optimizer, seqs, dump.settings)).optimizerSteps;
    secs.push((performance.now() - t0) / 1000);
  }
  const t0 = performance.now();
  const lp1 = await scoreSequences(m, seqs, dump.settings.temperature);
  const scoreSecs = (performance.now() - t0) / 1000;
  const delta = seqs.map((_, i) => sum(lp1[i]!) - sum(lp0[i]!));
  const by = (keep: (a: number) => boolean) => { const d = delta.filter((_, i) => keep(seqs[i]!.advantage)); return d.length ? sum(d) / d.length : 0; };
  optimizer.dispose();
  m.dispose();
  return {
    backend, updateSecs: secs.map((s) => +s.toFixed(2)), optimizerSteps: steps, scoreSecs: +scoreSecs.toFixed(2),
    deltaLogProb: { pos: +by((a) => a > 1e-9).toFixed(4), neg: +by((a) => a < -1e-9).toFixed(4), zero: +by((a) => Math.abs(a) <= 1e-9).toFixed(4) },
  };
}

// cpu first: tensors move from cpu to a GPU backend, not back.
const results = [];
if (info.backend === 'cpu' || arg.skipCpu !== '1') results.push(await run('cpu'));
if (info.backend !== 'cpu') results.push(await run(info.backend));
const report = { backend: info.backend, adapter: info.adapter ?? null, cpuNativeKernels: native.ok, sequences: seqs.length, tokens: sum(seqs.map((q) => q.tokenIds.length)), lr: dump.lr, updates: UPDATES, results };
console.log(JSON.stringify(report, null, 1));
if (arg.out) writeFileSync(arg.out, JSON.stringify(report, null, 1) + '\n');
