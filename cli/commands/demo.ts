import { join } from 'node:path';
import { Rng, blit, createFrame, make, savePng, type Frame } from '../../envs/index.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs, parseKeyValues } from '../args.js';

const HELP = `usage: lmm-gym demo [--env ID] [--seed N] [--steps N] [--out DIR] [--option key=value ...] [--import MODULE]

Plays an env with a seeded random policy and writes each frame as PNG, plus a contact
sheet (all frames side by side) to DIR (default out/demo).

${IMPORT_HELP}`;

/** Lay frames out in a grid, `columns` per row. */
export function contactSheet(frames: Frame[], columns: number): Frame {
  const w = frames[0]!.width, h = frames[0]!.height, gap = 2;
  const rows = Math.ceil(frames.length / columns);
  const sheet = createFrame(columns * (w + gap) + gap, rows * (h + gap) + gap, [40, 40, 40, 255]);
  frames.forEach((f, i) => blit(sheet, f, gap + (i % columns) * (w + gap), gap + Math.floor(i / columns) * (h + gap)));
  return sheet;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    env: { type: 'string', default: 'FrozenLake-v0' },
    seed: { type: 'string' },
    steps: { type: 'string' },
    out: { type: 'string', default: 'out/demo' },
    option: { type: 'string', multiple: true },
    ...IMPORT_OPTION,
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  await importModules(values.import);
  const seed = intFlag('seed', values.seed, 0);
  const maxSteps = intFlag('steps', values.steps, 30);
  const env = make(values.env!, parseKeyValues(values.option));
  env.actionSpace.seed(seed);
  const rng = new Rng(seed);
  const frames: Frame[] = [];
  const keep = (f: Frame) => frames.push({ width: f.width, height: f.height, data: new Uint8ClampedArray(f.data) });
  env.reset({ seed });
  keep(env.render());
  console.log(env.describe());
  let total = 0;
  for (let t = 0; t < maxSteps; t++) {
    const action = env.actionNames ? rng.int(env.actionNames.length) : env.actionSpace.sample();
    const r = env.step(action);
    total += r.reward;
    keep(env.render());
    if (r.terminated || r.truncated) break;
  }
  console.log(`\n${frames.length - 1} steps, return ${total.toFixed(2)}`);
  for (let i = 0; i < frames.length; i++) await savePng(frames[i]!, join(values.out!, `frame-${String(i).padStart(3, '0')}.png`));
  const sheetPath = join(values.out!, 'contact-sheet.png');
  await savePng(contactSheet(frames, Math.min(10, frames.length)), sheetPath);
  console.log(`wrote ${frames.length} frames and ${sheetPath}`);
  env.close();
  return 0;
}
