import { parseCommandArgs } from '../args.js';
import { readMetrics } from '../../training/metrics/jsonl.js';
import { buildCharts, drawChart, readRunConfig, type ChartConfig } from '../../training/metrics/curves.js';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionError } from '../../envs/core/errors.js';

const HELP = `usage: lmm-gym plot METRICS.jsonl [--out DIR] [--smoothing A] [--all] [--config FILE]

Draws training curves from a metrics file written by \`lmm-gym train\`: one PNG per metric,
with its unit on the y axis (RL: reward, success, format rate, response length, RL loss,
KL, entropy, clipped share, tokens/s; SFT: its loss on a chart of its own; x = update
across all stages, one colour per stage, stage names marked), and the held-out eval
success with its 95% interval (bars when each env was evaluated once). Fractions are drawn
on [0, 1]; a metric switched off in the config (KL with klCoef 0) is left out and said so.

  --out DIR        folder for the PNG files (default: curves/ next to the metrics file)
  --smoothing A    EMA factor of the smoothed line, in (0, 1] (default 0.3; 1 = raw only)
  --all            plot every numeric metric, not only the main ones
  --config FILE    the run's config (default: config.json next to the metrics file, if any)`;

/** `lmm-gym plot METRICS.jsonl --out DIR`. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: 'string', short: 'o' },
    smoothing: { type: 'string' },
    all: { type: 'boolean' },
    config: { type: 'string' },
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
  let config: ChartConfig | null = readRunConfig(path);
  if (values.config !== undefined) {
    if (!existsSync(values.config)) throw new InvalidOptionError(`--config ${values.config}: no such file`);
    try { config = JSON.parse(readFileSync(values.config, 'utf8')) as ChartConfig; } catch (e) { throw new InvalidOptionError(`--config ${values.config}: not JSON (${(e as Error).message})`); }
  }
  const { charts, omitted } = buildCharts(readMetrics(path), { smoothing, all: Boolean(values.all), config });
  await mkdir(out, { recursive: true });
  for (const c of charts) {
    const p = join(out, c.file);
    await drawChart(p, c);
    console.log(p);
  }
  for (const o of omitted) console.log(`left out ${o.file}: ${o.reason}`);
  return 0;
}
