import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodePngSync, writeFileAtomic } from '../envs/render/png.js';
import { LmmGymError } from '../envs/core/errors.js';
import { BadRequestError } from './errors.js';
import { buildLanguageEnv, parseSessionSpec, resetOptionsOf, type SessionSpec } from './spec.js';
import { IMAGE_PLACEHOLDER } from './wire.js';

/** Output formats: LMM-R1's JSONL (`message`, `answer`) or verl's fields as JSONL. */
export type ExportFormat = 'lmm-r1' | 'verl';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['lmm-r1', 'verl'];

/** Ready-made tasks: a session spec without the seed. */
export const EXPORT_TASKS: Readonly<Record<string, Record<string, unknown>>> = {
  /** LMM-R1 / MageBench "Sokoban-Global": one image, the whole plan in one answer. */
  sokoban: { env: 'Sokoban-v0', mode: 'image', interaction: 'plan' },
  /** The same, multi-turn (for an OpenRLHF AgentExecutor or a verl interaction). */
  'sokoban-steps': { env: 'Sokoban-v0', mode: 'image', interaction: 'step', task: { maxActions: 3, maxTurns: 5 } },
  countdown: { env: 'Countdown-v0', mode: 'text', interaction: 'step' },
  arithmetic: { env: 'Arithmetic-v0', mode: 'text', interaction: 'step' },
  /** A Football drill posed single-turn: one frame, a plan of up to 30 actions. */
  football: { env: 'Football-v0', options: { scenario: 'academy_empty_goal_close' }, mode: 'image', interaction: 'plan', task: { maxActions: 30 } },
};

export interface ExportOptions {
  format: ExportFormat;
  /** A session spec without seed (e.g. one of EXPORT_TASKS, with options merged in). */
  spec: Record<string, unknown>;
  /** Rows; row i uses seed `seed + i`. */
  count: number;
  seed: number;
  /** Output folder: data.jsonl, images/, README.md. */
  out: string;
  /** Task name for the README (default the env id). */
  name?: string;
  /** The command line, for the README. */
  command?: string;
}

export interface ExportSummary {
  rows: number;
  images: number;
  dataFile: string;
  readme: string;
}

/** The label of one row: the session spec the reward endpoint and the adapters read. */
export function labelOf(spec: SessionSpec, seed: number): Record<string, unknown> {
  const label: Record<string, unknown> = { env: spec.env, options: spec.options, mode: spec.mode, interaction: spec.interaction, seed };
  if (Object.keys(spec.task).length) label.task = spec.task;
  return label;
}

/**
 * Write a training set: one row per seed with the env's first prompt (system + user, an
 * image part per image) and its label (the session spec as a JSON string). Deterministic:
 * the same options write the same bytes.
 */
export async function exportDataset(options: ExportOptions): Promise<ExportSummary> {
  if (!EXPORT_FORMATS.includes(options.format)) throw new BadRequestError(`format must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(options.format)}`);
  if (!Number.isSafeInteger(options.count) || options.count <= 0) throw new LmmGymError(`count must be a positive integer, got ${options.count}`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new LmmGymError(`seed must be a non-negative integer, got ${options.seed}`);
  const spec = parseSessionSpec({ ...options.spec, seed: null }, 'task');
  const out = resolve(options.out);
  const imageDir = join(out, 'images');
  const env = buildLanguageEnv(spec);
  const lines: string[] = [];
  let images = 0;
  let sample = '';
  const tag = spec.env.replace(/[^\w.-]+/g, '_');
  try {
    for (let i = 0; i < options.count; i++) {
      const seed = options.seed + i;
      const { observation: obs } = env.reset(resetOptionsOf(spec, seed));
      const label = JSON.stringify(labelOf(spec, seed));
      let imageUri: string | null = null;
      if (obs.image) {
        if (images === 0) mkdirSync(imageDir, { recursive: true });
        const file = join(imageDir, `${tag}-${seed}.png`);
        await writeFileAtomic(file, encodePngSync(obs.image, { level: 6 }));
        imageUri = pathToFileURL(file).href;
        images++;
      }
      let row: Record<string, unknown>;
      if (options.format === 'lmm-r1') {
        const content: Record<string, string>[] = [];
        if (imageUri) content.push({ type: 'image', image: imageUri });
        content.push({ type: 'text', text: obs.userPrompt });
        row = { message: JSON.stringify([{ role: 'system', content: obs.systemPrompt }, { role: 'user', content }]), answer: label };
      } else {
        row = {
          data_source: `lmm_gym/${spec.env}`,
          prompt: [{ role: 'system', content: obs.systemPrompt }, { role: 'user', content: imageUri ? `${IMAGE_PLACEHOLDER}\n${obs.userPrompt}` : obs.userPrompt }],
          ...(imageUri ? { images: [{ image: imageUri }] } : {}),
          ability: 'game',
          reward_model: { style: 'rule', ground_truth: label },
          extra_info: { index: i, seed, interaction_kwargs: { name: 'lmm_gym', ...JSON.parse(label) } },
        };
      }
      const line = JSON.stringify(row);
      if (i === 0) sample = JSON.stringify(row, null, 2);
      lines.push(line);
    }
  } finally {
    env.close();
  }
  const dataFile = join(out, 'data.jsonl');
  await writeFileAtomic(dataFile, lines.join('\n') + '\n');
  const readme = join(out, 'README.md');
  await writeFileAtomic(readme, readmeText(options, spec, lines.length, images, sample));
  return { rows: lines.length, images, dataFile, readme };
}

function readmeText(o: ExportOptions, spec: SessionSpec, rows: number, images: number, sample: string): string {
  const flags = o.format === 'lmm-r1'
    ? 'OpenRLHF / LMM-R1: `--prompt_data <this folder>/data.jsonl --input_key message --label_key answer --remote_rm_url http://<server>:8000/reward`'
    : 'verl: `data.train_files=<this folder>/data.jsonl` (JSONL; convert to parquet if your verl version needs it), `custom_reward_function.path=integrations/python/lmm_gym_verl.py custom_reward_function.name=compute_score`';
  return [
    `# ${o.name ?? spec.env}: ${rows} rows (${o.format})`,
    '',
    'Written by `lmm-gym export`; see docs/serve.md.',
    '',
    `- format: ${o.format}`,
    `- env: ${spec.env}, options: \`${JSON.stringify(spec.options)}\``,
    `- mode: ${spec.mode}, interaction: ${spec.interaction}${Object.keys(spec.task).length ? `, task: \`${JSON.stringify(spec.task)}\`` : ''}`,
    `- seeds: ${o.seed}..${o.seed + rows - 1} (row i uses seed ${o.seed} + i; the same command writes the same files)`,
    `- rows: ${rows} in data.jsonl; images: ${images} PNG in images/`,
    ...(o.command ? [`- command: \`${o.command}\``] : []),
    '',
    'The label (`answer` / `reward_model.ground_truth`) is the session spec as a JSON string: the',
    "server's POST /reward recomputes the rule-based reward from it (accuracy + 0.5 x format), and",
    'the Python adapters create a session from it for multi-turn training.',
    '',
    flags,
    '',
    '## First row',
    '',
    '```json',
    sample,
    '```',
    '',
  ].join('\n');
}
