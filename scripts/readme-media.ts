// The README's pictures, generated (not drawn by hand): a solved Sokoban level and a
// Football drill played by the scripted attacker, as small looping GIFs.
//
//   npx tsx scripts/readme-media.ts [OUT_DIR]      (default docs/img/readme)
//
// Deterministic: fixed seeds, the optimal solver's plan, the scripted attacker. Each GIF
// is checked to stay under 300 KB.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { make, scriptedFootballDecision, solveSokoban, SokobanEnv, type Env, type Frame } from '../envs/index.js';
import { encodeGif } from '../replays/gif.js';

const MAX_BYTES = 300 * 1024;

function copy(f: Frame): Frame {
  return { width: f.width, height: f.height, data: new Uint8ClampedArray(f.data) };
}

/** Frames of one episode: the start, then one per step until `act` ends it or `limit` steps. */
function episode(env: Env, act: () => unknown, limit: number): { frames: Frame[]; success: boolean } {
  const frames = [copy(env.render())];
  for (let t = 0; t < limit; t++) {
    const r = env.step(act());
    frames.push(copy(env.render()));
    if (r.terminated || r.truncated) return { frames, success: r.info.success === true };
  }
  return { frames, success: false };
}

/** The first seed from `from` whose generated level's optimal solution has `min`..`max` moves. */
function sokobanSeed(min: number, max: number, from = 0): { seed: number; plan: number[] } {
  const env = make('Sokoban-v0', { width: 7, height: 7, boxes: 2 });
  for (let seed = from; seed < from + 500; seed++) {
    env.reset({ seed });
    const r = solveSokoban((env.unwrapped as SokobanEnv).currentLevel(), { timeLimitMs: 20_000 });
    if (r.status === 'solved' && r.moves >= min && r.moves <= max) return { seed, plan: r.actions };
  }
  throw new Error(`no level with a ${min}-${max} move solution`);
}

export async function readmeMedia(out = 'docs/img/readme'): Promise<{ file: string; bytes: number; frames: number; width: number; height: number }[]> {
  await mkdir(out, { recursive: true });
  const written: { file: string; bytes: number; frames: number; width: number; height: number }[] = [];
  const save = async (name: string, frames: Frame[], delay: number) => {
    const gif = await encodeGif(frames, { delay, holdLast: 6, colours: 48 });
    if (gif.length > MAX_BYTES) throw new Error(`${name}: ${gif.length} bytes, over the ${MAX_BYTES} byte budget`);
    const file = join(out, name);
    await writeFile(file, gif);
    written.push({ file, bytes: gif.length, frames: frames.length, width: frames[0]!.width, height: frames[0]!.height });
  };

  // Sokoban: a 7x7 level with two boxes, solved by the optimal plan (32 px tiles: 224 x 224).
  const { seed, plan } = sokobanSeed(14, 24);
  const soko = make('Sokoban-v0', { width: 7, height: 7, boxes: 2, tileSize: 32 });
  soko.reset({ seed });
  let t = 0;
  const s = episode(soko, () => plan[t++], plan.length);
  if (!s.success) throw new Error('the Sokoban plan did not solve the level');
  await save('sokoban.gif', s.frames, 220);

  // Football: the 3 vs 1 with keeper drill, the scripted attacker until the goal (512 x 256, 10 fps).
  const ball = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper', width: 512, height: 256 });
  ball.reset({ seed: 0 });
  const f = episode(ball, () => scriptedFootballDecision(ball).action, 200);
  if (!f.success) throw new Error('the scripted attacker did not score');
  await save('football.gif', f.frames, 100);
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  readmeMedia(process.argv[2]).then((w) => {
    for (const x of w) console.log(`${x.file}: ${x.frames} frames ${x.width}x${x.height}, ${(x.bytes / 1024).toFixed(0)} KB`);
  }, (e) => { console.error(e); process.exitCode = 1; });
}
