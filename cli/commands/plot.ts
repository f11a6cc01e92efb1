import { parseCommandArgs } from '../args.js';
import { readMetrics } from '../../training/metrics/jsonl.js';
import { plotMetrics } from '../../training/metrics/curves.js';

const HELP = `usage: lmm-gym plot METRICS.jsonl [--out DIR] [--smoothing A] [--all]

Draws training curves from a metrics file written by \`lmm-gym train\`: one PNG per metric
(reward, success, format rate, response length, loss, KL, entropy, tokens/s ...; x = update
across all stages, one colour per stage) and the held-out eval success with 95% intervals.

  --out DIR        folder for the PNG files (default: curves/ next to the metrics file)
  --smoothing A    EMA factor of the smoothed line, in (0, 1] (default 0.3; 1 = raw only)
  --all            plot every numeric metric, not only the main ones`;

/** `lmm-gym plot METRICS.jsonl --out DIR`. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: 'string', short: 'o' },
    smoothing: { type: 'string' },
    all: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`lmm-gym plot: expected one metrics file\n\n${HELP}`);
    return 2;
  }
  const path = positionals[0]!;
  const smoothing = values.smoothing === undefined ? 0.3 : Number(values.smoothing);
  if (!(smoothing > 0 && smoothing <= 1)) {
    console.error(`lmm-gym plot: --smoothing must be in (0, 1], got ${JSON.stringify(values.smoothing)}`);
    return 2;
  }
  const out = values.out ?? path.replace(/[^/]*$/, '') + 'curves';
  const written = await plotMetrics(readMetrics(path), out, { smoothing, all: Boolean(values.all) });
  for (const p of written) console.log(p);
  return 0;
}
