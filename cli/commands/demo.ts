import { join } from 'node:path';
import {
  InvalidOptionError, Rng, blit, createFrame, make, resizeFrame, savePng, scriptedFootballDecision, solveSokoban,
  type Env, type Frame, SokobanEnv,
} from '../../envs/index.js';
import { writeFileAtomic } from '../../envs/render/png.js';
import { encodeGif } from '../../replays/gif.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs, parseKeyValues } from '../args.js';

const HELP = `usage: lmm-gym demo [--env ID] [--seed N] [--steps N] [--policy P] [--out DIR] [--option key=value ...] [--import MODULE]

Plays one episode of an env and writes each frame as PNG, an animated GIF of the episode
(demo.gif) and a contact sheet (up to 20 frames side by side) to DIR (default out/demo).

  --policy P   scripted (default): a sensible player where the env has one (Football: the
               scripted attacker; Sokoban: the optimal solver's plan), random elsewhere;
               random: uniformly random actions
  --steps N    most steps (default 30; Football 300)
  Football: the academy_3_vs_1_with_keeper drill drawn at 512x256 (--option scenario=...,
  width=..., height=... to change).

${IMPORT_HELP}`;

/** Lay frames out in a grid, `columns` per row. */
export function contactSheet(frames: Frame[], columns: number): Frame {
  const w = frames[0]!.width, h = frames[0]!.height, gap = 2;
  const rows = Math.ceil(frames.length / columns);
  const sheet = createFrame(columns * (w + gap) + gap, rows * (h + gap) + gap, [40, 40, 40, 255]);
  frames.forEach((f, i) => blit(sheet, f, gap + (i % columns) * (w + gap), gap + Math.floor(i / columns) * (h + gap)));
  return sheet;
}

/** At most `n` items, evenly spaced, always the first and the last. */
export function evenlySpaced<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, k) => items[Math.round((k * (items.length - 1)) / (n - 1))]!);
}

/** The contact sheet of an episode: up to 20 frames, each at most 256 px wide, 5 per row for wide frames. */
export function episodeSheet(frames: readonly Frame[]): Frame {
  const picked = evenlySpaced(frames, 20);
  const f0 = picked[0]!;
  const k = Math.min(1, 256 / f0.width);
  const small = k < 1 ? picked.map((f) => resizeFrame(f, Math.round(f.width * k), Math.round(f.height * k))) : picked;
  const columns = Math.min(f0.width > f0.height ? 5 : 10, small.length);
  return contactSheet(small, columns);
}

/**
 * A player for the demo: Football's scripted attacker, Sokoban's solver plan (computed at
 * the start), else uniformly random actions. `scripted` false: random everywhere.
 */
export function demoPolicy(env: Env, seed: number, scripted: boolean): { name: string; act(): unknown } {
  const inner = env.unwrapped;
  const rng = new Rng(seed);
  const random = { name: 'random', act: () => (env.actionNames ? rng.int(env.actionNames.length) : env.actionSpace.sample()) };
  if (!scripted) return random;
  if (env.spec?.id === 'Football-v0') return { name: 'scripted attacker', act: () => scriptedFootballDecision(env).action };
  if (inner instanceof SokobanEnv) {
    const plan = solveSokoban(inner.currentLevel(), { timeLimitMs: 20_000 });
    if (plan.status === 'solved') {
      let t = 0;
      return { name: 'solver', act: () => plan.actions[t++] ?? random.act() };
    }
  }
  return random;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    env: { type: 'string', default: 'FrozenLake-v0' },
    seed: { type: 'string' },
    steps: { type: 'string' },
    policy: { type: 'string', default: 'scripted' },
    out: { type: 'string', default: 'out/demo' },
    option: { type: 'string', multiple: true },
    ...IMPORT_OPTION,
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.policy !== 'scripted' && values.policy !== 'random') throw new InvalidOptionError(`--policy must be scripted or random, got ${JSON.stringify(values.policy)}`);
  await importModules(values.import);
  const seed = intFlag('seed', values.seed, 0);
  const football = values.env === 'Football-v0';
  const maxSteps = intFlag('steps', values.steps, football ? 300 : 30);
  // Football's default frame is the 128 x 64 model view: the demo draws the replay size, and
  // a drill with a keeper and teammates (the env's default drill scores in 5 steps).
  const options = { ...(football ? { width: 512, height: 256, scenario: 'academy_3_vs_1_with_keeper' } : {}), ...parseKeyValues(values.option) };
  const env = make(values.env!, options);
  env.actionSpace.seed(seed);
  const frames: Frame[] = [];
  const keep = (f: Frame) => frames.push({ width: f.width, height: f.height, data: new Uint8ClampedArray(f.data) });
  env.reset({ seed });
  const policy = demoPolicy(env, seed, values.policy === 'scripted');
  keep(env.render());
  console.log(env.describe());
  let total = 0;
  let end = 'step limit';
  for (let t = 0; t < maxSteps; t++) {
    const r = env.step(policy.act());
    total += r.reward;
    keep(env.render());
    if (r.terminated || r.truncated) {
      end = r.terminated ? (r.info.success === true ? 'solved' : 'episode over') : 'time limit';
      break;
    }
  }
  console.log(`\n${policy.name}: ${frames.length - 1} steps (${end}), return ${total.toFixed(2)}`);
  for (let i = 0; i < frames.length; i++) await savePng(frames[i]!, join(values.out!, `frame-${String(i).padStart(3, '0')}.png`));
  const sheetPath = join(values.out!, 'contact-sheet.png');
  await savePng(episodeSheet(frames), sheetPath);
  const gifPath = join(values.out!, 'demo.gif');
  const fps = env.metadata.renderFps > 0 ? env.metadata.renderFps : 4;
  await writeFileAtomic(gifPath, await encodeGif(frames, { delay: Math.round(1000 / fps), holdLast: 8 }));
  console.log(`wrote ${frames.length} frames, ${sheetPath} and ${gifPath} (${frames[0]!.width}x${frames[0]!.height})`);
  env.close();
  return 0;
}
