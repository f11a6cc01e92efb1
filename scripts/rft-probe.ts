// Rejection-sampling fine-tuning probe (RAFT / ReST style RL with a rule-based filter):
// rounds of (play training levels with the policy -> keep what the filter accepts -> SFT
// on it), saving the model after each round as OUT-rN for `lmm-gym eval`.
//   filter=win   the turns of won episodes (the win reward only)
//   filter=turn  turns whose move is on a shortest solution (the solver, as the 'progress'
//                reward checks it) and whose positions and walls (the think before
//                `; box`) equal the oracle's reading of the board
// Each round also reports, over every sampled turn, how often the stated positions were
// right and the move optimal. Levels of the 6x6/1 test file are never played (heldOut).
//   npx tsx scripts/rft-probe.ts init=CHECKPOINT out=runs/rft [filter=win|turn] [rounds=3]
//     [batches=12 (x 64 episodes)] [steps=150] [lr=1e-4] [T=0.5] [seed=5]
import { initBackend, loadModel, modelInput, saveModel } from '../agents/model/index.js';
import { OracleAgent } from '../agents/index.js';
import { Rng } from '../envs/core/rng.js';
import '../envs/index.js';
import '../tasks/index.js';
import type { LanguageEnv } from '../tasks/language-env.js';
import { collectRollouts } from '../training/rollout/collect.js';
import { makeLanguageEnv } from '../training/rollout/envs.js';
import type { StageEnvSpec } from '../training/pipeline/config.js';
import { primeModel } from '../training/priming/sft.js';
import type { SftExample } from '../training/priming/types.js';
import { probeArgs } from './probe-args.js';

const KEYS = ['init', 'out', 'filter', 'rounds', 'batches', 'steps', 'lr', 'T', 'seed'];
const arg = probeArgs(process.argv.slice(2), KEYS);
if (!arg.init || !arg.out) throw new Error('usage: rft-probe.ts init=CHECKPOINT out=DIR [filter=win|turn] [rounds=3] [batches=12] [steps=150] [lr=1e-4] [T=0.5] [seed=5]');
const filter = arg.filter ?? 'win';
if (filter !== 'win' && filter !== 'turn') throw new Error(`filter must be win or turn, got ${filter}`);
const rounds = Number(arg.rounds ?? 3), batches = Number(arg.batches ?? 12), steps = Number(arg.steps ?? 150), lr = Number(arg.lr ?? 1e-4), T = Number(arg.T ?? 0.5);
/** What the reasoning reads off the board: the think up to the box route. */
const perception = (t: string) => /<think>(.*?); box/.exec(t)?.[1] ?? null;
const oracle = new OracleAgent('walls');

await initBackend({ log: () => {} });
const model = await loadModel(arg.init, { trainable: true });
const env: StageEnvSpec = { id: 'Sokoban-v0', options: { reward: 'progress', heldOut: 'data/sokoban/test-6x6-1box.txt' }, mode: 'image', style: 'step', maxTurns: 30, historyLength: 0, weight: 1 };
const rng = new Rng(Number(arg.seed ?? 5));
const pool = new Map<number, LanguageEnv[]>();
const replay = makeLanguageEnv(env);
for (let r = 1; r <= rounds; r++) {
  const t0 = performance.now();
  const kept: SftExample[] = [];
  let episodes = 0, wins = 0, turns = 0, seenRight = 0, optimal = 0;
  for (let b = 0; b < batches; b++) {
    const batch = await collectRollouts({ model, promptOf: modelInput, envs: [env], groups: 8, groupSize: 8, sampling: { temperature: T, topP: 1, maxTokens: 128 }, rewardWeights: { accuracy: 1 }, rng, seedLimit: 1e9, pool });
    for (const e of batch.episodes) {
      episodes++;
      const won = e.components.accuracy === 1;
      if (won) wins++;
      // Replay the episode to read the oracle's view of each state the policy saw.
      let obs = replay.reset({ seed: e.seed }).observation;
      e.result.turns.forEach((t, i) => {
        const right = perception(t.response) === perception(oracle.actSync(obs, { env: replay.env }).text);
        const best = t.envSteps[0]?.info.optimalMove === true;
        turns++; if (right) seenRight++; if (best) optimal++;
        if (filter === 'win' ? won : right && best) kept.push({ prompt: e.samples[i]!.input.prompt, image: e.samples[i]!.input.image ?? null, response: t.response });
        obs = replay.step(t.response).observation;
      });
    }
  }
  console.log(`round ${r}: ${episodes} episodes at T ${T}, success ${(wins / episodes).toFixed(3)}; turns: positions right ${(seenRight / turns).toFixed(3)}, optimal move ${(optimal / turns).toFixed(3)}; kept ${kept.length} (${filter}); ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const p = await primeModel(model, kept, { steps, batchSize: 24, learningRate: lr, warmupSteps: 20, seed: r, progress: false });
  const tail = p.losses.slice(-20);
  console.log(`  sft: ${p.steps} steps at lr ${lr}, loss ${p.losses[0]!.toFixed(3)} -> ${(tail.reduce((a, b) => a + b, 0) / tail.length).toFixed(3)}, ${p.seconds.toFixed(0)} s; saved ${arg.out}-r${r}`);
  await saveModel(model, `${arg.out}-r${r}`);
}
replay.close();
