import '../../envs/index.js';
import '../../agents/index.js';
import { IMPORT_OPTION, importModules, intFlag, parseCommandArgs } from '../args.js';
import { loadTrainConfig } from '../../training/pipeline/config.js';
import { configHooks, runPipeline } from '../../training/pipeline/run.js';

const HELP = `usage: lmm-gym train --config FILE [--out DIR] [--resume] [--seed N] [--quiet] [--no-plots] [--import MODULE]

Runs the stages of a training config in order (prime = SFT on oracle traces, fre = RL on
text observations, mgt = RL on images, fuse-sft = SFT on the best answer per prompt among
several source agents, dpo = DPO on same-source preference pairs); each stage starts from
the previous stage's checkpoint. The config is validated before anything runs (errors name
the bad field).

  --config FILE   training config (JSON), e.g. configs/quick.json
  --out DIR       output folder (default: the config's "output", runs/<name>)
  --resume        continue a run in DIR from its last checkpoint (after a crash or Ctrl-C)
  --seed N        override the config's seed (default output becomes <output>-seedN)
  --quiet         no progress bars
  --no-plots      skip the PNG curves at the end
  --import MODULE import a module first, e.g. one that registers a third-party env or
                  agent kind used by the config (a path: ./my-env.js, relative to the
                  working directory; or a package name; repeatable)

Writes DIR/metrics.jsonl, DIR/<stage>/checkpoint, DIR/final (the trained model, usable as
--agent model:DIR/final), DIR/curves/*.png and DIR/summary.json. See docs/training.md.`;

/** `lmm-gym train --config FILE`: the staged RL pipeline. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    config: { type: 'string', short: 'c' },
    out: { type: 'string', short: 'o' },
    resume: { type: 'boolean' },
    seed: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    'no-plots': { type: 'boolean' },
    ...IMPORT_OPTION,
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.config) {
    console.error(`lmm-gym train: --config FILE is required\n\n${HELP}`);
    return 2;
  }
  // Rollouts, evaluations and fusion sources all run in this process (no worker threads),
  // so importing the modules here registers their envs and agent kinds for the whole run.
  await importModules(values.import);
  const config = loadTrainConfig(values.config, configHooks);
  if (values.seed !== undefined) {
    config.seed = intFlag('seed', values.seed, 0);
    config.output = `${config.output}-seed${config.seed}`;
  }
  const started = performance.now();
  const result = await runPipeline(config, {
    ...(values.out ? { out: values.out } : {}),
    resume: Boolean(values.resume),
    quiet: Boolean(values.quiet),
    noPlots: Boolean(values['no-plots']),
  });
  const minutes = (performance.now() - started) / 60000;
  console.log(`trained ${config.name} in ${minutes.toFixed(1)} min: model ${result.finalCheckpoint}, metrics ${result.metricsPath}`);
  return 0;
}
