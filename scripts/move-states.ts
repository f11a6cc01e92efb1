// The states a policy visits, as a level file for single-move RL: play training levels
// (the 6x6/1 test levels held out) with the model, and write every distinct position it
// had to move from that is solvable, not solved and not a held-out (test) position, with
// its optimal moves left. A Boxoban-v0 stage with `maxTurns: 1` on this file poses each as
// one question ("the next move"), so a GRPO group is G answers to the same state (as in
// LMM-R1's single-turn tasks) and the progress reward checks the move with the solver.
//   npx tsx scripts/move-states.ts init=CHECKPOINT out=FILE [episodes=512] [T=0.5] [seed=7]
// levels=FILE plays that file's levels instead (Boxoban-v0, nothing held out): a state set
// to *evaluate* single moves on, e.g. the policy's own states on the test levels.
import { writeFileSync } from 'node:fs';
import { initBackend, loadModel, modelInput } from '../agents/model/index.js';
import { Rng } from '../envs/core/rng.js';
import '../envs/index.js';
import '../tasks/index.js';
import { formatBoxoban, levelSolved, solveSokoban, sokobanEnvOf, sokobanLevelKey, type SokobanLevel } from '../envs/sokoban/index.js';
import type { LanguageEnv } from '../tasks/language-env.js';
import { collectRollouts } from '../training/rollout/collect.js';
import { makeLanguageEnv } from '../training/rollout/envs.js';
import type { StageEnvSpec } from '../training/pipeline/config.js';
import { probeArgs } from './probe-args.js';

const KEYS = ['init', 'out', 'episodes', 'T', 'seed', 'levels'];
const arg = probeArgs(process.argv.slice(2), KEYS);
if (!arg.init || !arg.out) throw new Error('usage: move-states.ts init=CHECKPOINT out=FILE [episodes=512] [T=0.5] [seed=7]');
const episodes = Number(arg.episodes ?? 512), T = Number(arg.T ?? 0.5);

await initBackend({ log: () => {} });
const model = await loadModel(arg.init, { trainable: false });
const env: StageEnvSpec = arg.levels
  ? { id: 'Boxoban-v0', options: { file: arg.levels }, mode: 'image', style: 'step', maxTurns: 30, historyLength: 0, weight: 1 }
  : { id: 'Sokoban-v0', options: { heldOut: 'data/sokoban/test-6x6-1box.txt' }, mode: 'image', style: 'step', maxTurns: 30, historyLength: 0, weight: 1 };
const rng = new Rng(Number(arg.seed ?? 7));
const pool = new Map<number, LanguageEnv[]>();
const replay = makeLanguageEnv(env);
const states = new Map<string, SokobanLevel>();
let played = 0, wins = 0, turns = 0, heldOut = 0, dead = 0;
const t0 = performance.now();
while (played < episodes) {
  const batch = await collectRollouts({ model, promptOf: modelInput, envs: [env], groups: 64, groupSize: 1, sampling: { temperature: T, topP: 1, maxTokens: 128 }, rewardWeights: { accuracy: 1 }, rng, seedLimit: 1e9, pool });
  for (const e of batch.episodes) {
    played++;
    if (e.components.accuracy === 1) wins++;
    replay.reset({ seed: e.seed });
    const sokoban = sokobanEnvOf(replay.env);
    for (const t of e.result.turns) {
      turns++;
      const level = sokoban.currentLevel();
      const key = sokobanLevelKey(level);
      if (sokoban.inHeldOutSet()) heldOut++;
      else if (!states.has(key) && !levelSolved(level)) {
        const solved = solveSokoban(level);
        if (solved.status === 'solved') states.set(key, { ...level, optimalMoves: solved.moves });
        else dead++;
      }
      if (replay.step(t.response).terminated) break;
    }
  }
  console.log(`${played} episodes, success ${(wins / played).toFixed(3)}, ${turns} turns, ${states.size} distinct solvable states (${dead} unsolvable, ${heldOut} held-out visits), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
replay.close();
writeFileSync(arg.out, formatBoxoban([...states.values()]));
console.log(`wrote ${states.size} states to ${arg.out}`);
