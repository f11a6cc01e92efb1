import { InvalidOptionError } from '../../envs/core/errors.js';
import '../../envs/index.js';
import '../../tasks/index.js';
import { EXPORT_FORMATS, EXPORT_TASKS, exportDataset, type ExportFormat } from '../../serve/export.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs, parseKeyValues } from '../args.js';

const HELP = `usage: lmm-gym export --format lmm-r1|verl --task T --out DIR [options]

Writes a training set for external trainers: DIR/data.jsonl, DIR/images/*.png, DIR/README.md.

  --format F          lmm-r1 (message + answer, LMM-R1 / OpenRLHF) or verl (prompt, data_source,
                      reward_model.ground_truth, extra_info)
  --task T            ${Object.keys(EXPORT_TASKS).join(', ')} (default sokoban)
  --env ID            instead of --task: any registered env id
  --option k=v        env options, repeatable (e.g. --option width=7 --option boxes=2
                      --option minSolutionLength=4 --option maxSolutionLength=12)
  --mode M            text | image | image+caption | text+image
  --interaction I     plan | step
  --max-actions N     actions per answer (plan limit in plan mode)
  --count N           rows (default 100); row i uses seed --seed + i
  --seed S            first seed (default 0)
  --out DIR           output folder
${IMPORT_HELP}`;

/** `lmm-gym export`: an LMM-R1 / verl training set on disk. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    format: { type: 'string' }, task: { type: 'string' }, env: { type: 'string' }, option: { type: 'string', multiple: true },
    mode: { type: 'string' }, interaction: { type: 'string' }, 'max-actions': { type: 'string' },
    count: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, ...IMPORT_OPTION, help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  await importModules(values.import);
  const format = values.format as ExportFormat | undefined;
  if (!format || !EXPORT_FORMATS.includes(format)) throw new InvalidOptionError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`);
  if (!values.out) throw new InvalidOptionError('--out DIR is required');
  const taskName = values.task ?? (values.env ? null : 'sokoban');
  if (taskName !== null && !(taskName in EXPORT_TASKS)) throw new InvalidOptionError(`--task must be one of ${Object.keys(EXPORT_TASKS).join(', ')}, got ${JSON.stringify(taskName)}`);
  const base: Record<string, unknown> = taskName !== null ? { ...EXPORT_TASKS[taskName]! } : { env: values.env };
  const spec: Record<string, unknown> = { ...base, options: { ...((base.options as Record<string, unknown> | undefined) ?? {}), ...parseKeyValues(values.option) } };
  if (values.env) spec.env = values.env;
  if (values.mode) spec.mode = values.mode;
  if (values.interaction) spec.interaction = values.interaction;
  if (values['max-actions'] !== undefined) spec.task = { ...((spec.task as object | undefined) ?? {}), maxActions: intFlag('max-actions', values['max-actions'], 1, 1) };
  const count = intFlag('count', values.count, 100, 1);
  const seed = intFlag('seed', values.seed, 0);
  const summary = await exportDataset({ format, spec, count, seed, out: values.out, name: taskName ?? String(spec.env), command: `lmm-gym export ${argv.join(' ')}` });
  console.log(`lmm-gym export: ${summary.rows} rows, ${summary.images} images -> ${summary.dataFile} (see ${summary.readme})`);
  return 0;
}
