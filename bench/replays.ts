// Replay benchmarks: GIF encoding (re-simulation + panel drawing + sharp encoding) for a
// 100-step Sokoban episode and a 400-step Football episode, plus PNG and HTML output.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listEnvs, make, Rng } from '../envs/index.js';
import {
  ReplayWriter, buildReplayHtml, encodeReplayGif, forEachAnnotatedFrame, headerFromEnv, readReplay, writeReplayPngs, type Replay,
} from '../replays/index.js';
import { machine, report } from './util.js';

/** Record `steps` random steps of an env (a long think/answer response on each). */
function recordRandom(dir: string, envId: string, envOptions: Record<string, unknown>, steps: number, seed: number): Replay {
  const env = make<unknown, number>(envId, envOptions);
  const path = join(dir, `${envId}.jsonl`);
  const w = new ReplayWriter(path, headerFromEnv(env, { seed, agent: { name: 'random' } }));
  env.reset({ seed });
  const rng = new Rng(seed + 1);
  const names = env.actionNames ?? [];
  for (let t = 0; t < steps; t++) {
    const a = rng.int(names.length || 4);
    const r = env.step(a);
    const think = `Step ${t}. ` + 'I look at the board, weigh the options and pick the move that keeps the boxes off the walls. '.repeat(4);
    w.step({ action: a, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info, response: `<think>${think}</think><answer>${names[a] ?? a}</answer>`, rewardComponents: { format: 1, accuracy: 0 } });
    if (r.terminated || r.truncated) break;
  }
  w.close();
  env.close();
  return readReplay(path);
}

/** Median wall time and process CPU time (all threads: sharp/libvips work off the main thread) in ms. */
async function time(fn: () => Promise<unknown> | unknown, runs = 3): Promise<{ wall: number; cpu: number }> {
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const res: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now(), c0 = cpuMs();
    await fn();
    res.push({ wall: performance.now() - t0, cpu: cpuMs() - c0 });
  }
  return res.sort((a, b) => a.wall - b.wall)[Math.floor(runs / 2)]!;
}

export async function run(): Promise<void> {
  console.log(`machine: ${machine()}`);
  const ids = new Set(listEnvs().map((e) => e.id));
  const dir = mkdtempSync(join(tmpdir(), 'bench-replays-'));
  const cases: [string, string, Record<string, unknown>, number][] = [
    ['Sokoban 100 steps', ids.has('Sokoban-v0') ? 'Sokoban-v0' : 'FrozenLake-v0', ids.has('Sokoban-v0') ? { maxSteps: 100 } : { map: '8x8', slippery: false, maxEpisodeSteps: 100 }, 100],
    ['Football 400 steps', ids.has('Football-v0') ? 'Football-v0' : 'FrozenLake-v0', ids.has('Football-v0') ? { scenario: '11_vs_11_easy', maxEpisodeSteps: 400 } : { map: '8x8', slippery: false, maxEpisodeSteps: 400 }, 400],
  ];
  try {
    for (const [label, envId, options, steps] of cases) {
      // A seed whose random walk lasts the whole length (Sokoban may get stuck-solved early).
      let replay = recordRandom(dir, envId, options, steps, 1);
      for (let s = 2; replay.steps.length < steps && s < 50; s++) replay = recordRandom(dir, envId, options, steps, s);
      const name = `${label} (${envId}, ${replay.steps.length} steps)`;
      const size = statSync(join(dir, `${envId}.jsonl`)).size;
      let info = { frames: 0, width: 0, height: 0, bytes: 0 };
      const annotate = await time(() => forEachAnnotatedFrame(replay, {}, () => {}));
      const gif = await time(async () => { const g = await encodeReplayGif(replay); info = { frames: g.frames, width: g.width, height: g.height, bytes: g.gif.length }; });
      const png = await time(() => writeReplayPngs(replay, join(dir, 'png')), 1);
      const html = await time(() => buildReplayHtml(replay), 1);
      report(`${name}: replay file`, size / 1024, 'KiB');
      report(`${name}: re-simulate + draw panels`, annotate.wall, 'ms');
      report(`${name}: GIF total (${info.frames} frames ${info.width}x${info.height})`, gif.wall, 'ms');
      report(`${name}: GIF total, CPU time`, gif.cpu, 'ms');
      report(`${name}: GIF size`, info.bytes / 1024, 'KiB');
      report(`${name}: PNG per step (total)`, png.wall, 'ms');
      report(`${name}: HTML viewer`, html.wall, 'ms');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
