// Write a fixed, content-deduplicated Sokoban test set: the start states of Sokoban-v0
// resets with seeds S, S+1, ... (exactly what an evaluation from those seeds would play),
// keeping the first occurrence of each room and skipping rooms in --exclude files. Training
// configs then name the file in the env option `heldOut`, so no training trace or rollout
// ever starts from (or, for traces, passes through) a test level.
//   npx tsx scripts/sokoban-testset.ts --out data/sokoban/test-6x6-1box.txt
//   npx tsx scripts/sokoban-testset.ts --width 7 --height 7 --boxes 2 --out data/sokoban/test-7x7-2box.txt
// Options: --count 250 --seed 3000000000 --width 6 --height 6 --boxes 1
import { writeFileSync } from 'node:fs';
import { intFlag, parseCommandArgs } from '../cli/args.js';
import { make } from '../envs/index.js';
import { formatBoxoban, loadBoxobanFile, sokobanEnvOf, SokobanLevelSet, type SokobanLevel } from '../envs/sokoban/index.js';

const { values } = parseCommandArgs(process.argv.slice(2), {
  width: { type: 'string' }, height: { type: 'string' }, boxes: { type: 'string' },
  count: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, exclude: { type: 'string', multiple: true },
}, false);
const options = { width: intFlag('width', values.width, 6), height: intFlag('height', values.height, 6), boxes: intFlag('boxes', values.boxes, 1) };
const count = intFlag('count', values.count, 250);
const first = intFlag('seed', values.seed, 3_000_000_000);
const seen = new SokobanLevelSet();
for (const file of values.exclude ?? []) for (const l of loadBoxobanFile(file)) seen.add(l);
const env = make('Sokoban-v0', options);
const levels: SokobanLevel[] = [];
let seed = first;
for (; levels.length < count; seed++) {
  env.reset({ seed });
  const level = sokobanEnvOf(env).initialLevel();
  if (seen.has(level)) continue;
  seen.add(level);
  levels.push(level);
}
const text = formatBoxoban(levels);
if (values.out) {
  writeFileSync(values.out, text);
  console.error(`wrote ${levels.length} unique levels (start states of seeds ${first}..${seed - 1}) to ${values.out}`);
} else process.stdout.write(text);
