// Write a Boxoban-format level file from the Sokoban generator (each header carries the
// optimal solution length as `moves=N`). Regenerates the bundled set with the defaults:
//   npx tsx scripts/sokoban-levels.ts --out data/sokoban/levels-6x6-1box.txt
// Options: --width 6 --height 6 --boxes 1 --count 300 --seed 0 --min-length 4
import { writeFileSync } from 'node:fs';
import { intFlag, parseCommandArgs } from '../cli/args.js';
import { formatBoxoban, generateLevels } from '../envs/sokoban/index.js';

const { values } = parseCommandArgs(process.argv.slice(2), {
  width: { type: 'string' }, height: { type: 'string' }, boxes: { type: 'string' },
  count: { type: 'string' }, seed: { type: 'string' }, 'min-length': { type: 'string' }, out: { type: 'string' },
}, false);
const options = {
  width: intFlag('width', values.width, 6),
  height: intFlag('height', values.height, 6),
  boxes: intFlag('boxes', values.boxes, 1),
  minSolutionLength: intFlag('min-length', values['min-length'], 4),
};
const count = intFlag('count', values.count, 300);
const seed = intFlag('seed', values.seed, 0);
const text = formatBoxoban(generateLevels(options, count, seed));
if (values.out) {
  writeFileSync(values.out, text);
  console.error(`wrote ${count} levels (${options.width}x${options.height}, ${options.boxes} box(es), seeds ${seed}..${seed + count - 1}) to ${values.out}`);
} else process.stdout.write(text);
