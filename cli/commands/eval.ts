import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkOutputFile, writeFileAtomic } from '../../envs/render/png.js';
import { ProgressBar } from '../../training/metrics/progress.js';
import { InvalidOptionError } from '../../envs/core/errors.js';
import { envEntry } from '../../envs/core/registry.js';
import { parseObservationMode } from '../../envs/core/wrappers/observation-mode.js';
import '../../envs/index.js';
import { createAgent, listAgents } from '../../agents/registry.js';
// The agent layer without agents/index.js: that one also loads the model (TensorFlow),
// which `model:` specs load lazily (registerLazyAgentKind).
import '../../tasks/specs.js';
import '../../agents/builtin.js';
import '../../agents/openai.js';
import '../../agents/oracles/index.js';
import { evaluateAgent, type EvalReport } from '../../agents/eval/evaluate.js';
import { pairedSuccess, type PairedSuccess } from '../../agents/eval/stats.js';
import { saveEpisodeResultReplay } from '../../agents/eval/replays.js';
import { loadBoxobanFile } from '../../envs/sokoban/files.js';
import type { InvalidAnswerPolicy } from '../../tasks/language-env.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs, parseKeyValues } from '../args.js';
import { cleanFloats } from '../format.js';

const HELP = `usage: lmm-gym eval --env ID --agent SPEC [options]

Run an agent for N episodes and report success (with a Wilson 95% interval), the
format-valid rate, mean return, mean steps and benchmark scores.

  --env ID               registered env id (lmm-gym envs lists them)
  --agent SPEC           random | oracle | openai:BASE_URL#MODEL | model:PATH | ...
  --episodes N           episodes (default 10, or every level of --levels); episode i uses seed S + i
  --levels FILE          play a fixed test set: episode i plays level i of this Boxoban file
                         (e.g. data/sokoban/test-6x6-1box.txt; Sokoban-v0, Boxoban-v0)
  --seed S               first seed (default 0)
  --mode M               text | image | image+caption | text+image (default text)
  --interaction I        step (multi-turn, default) | plan (one answer = whole plan)
  --max-actions K        actions per answer in step mode (default 1); plan limit (default 50)
  --history N            past actions shown in step mode (default 5)
  --max-turns T          turns per episode in step mode (default 100)
  --invalid-answer P     noop (default: env untouched, turn counts) | end
  --invalid-penalty X    reward added for an answer that does not parse (default 0)
  --option k=v           env option (repeatable), e.g. --option slippery=false
  --agent-option k=v     agent setting (repeatable), e.g. --agent-option temperature=0.7
  --parallel P           episodes at once (default: the agent's concurrency)
  --on-error E           abort (default) | record (an agent error fails the episode)
  --out FILE             write the JSON report (with per-episode records); each episode's
                         record is also appended to FILE's .episodes.jsonl as it finishes,
                         and Ctrl-C writes a partial report of the finished episodes
  --replays DIR          write one replay file per episode (lmm-gym replay renders them)
  --compare REPORT       pair this run with an earlier --out report of the same env, mode,
                         levels and seeds: episodes won by one side only, and the exact
                         McNemar p-value (also written to --out as "paired")
  --quiet                no progress bar
${IMPORT_HELP}`;

function numberFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidOptionError(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

/** The report as a few human lines (fixed decimals: never `10.200000000000001`). */
export function summariseReport(r: EvalReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `${r.envId} · ${r.agent} · ${r.mode}/${r.interaction} · ${r.episodes} episodes from seed ${r.seed}`,
    `success      ${pct(r.successRate)}  (95% CI ${pct(r.successInterval95[0])} – ${pct(r.successInterval95[1])}, ${r.successes}/${r.episodes})`,
    `format-valid ${pct(r.formatValidRate)}   parsed ${pct(r.parseRate)}`,
    `mean return  ${r.meanReturn.toFixed(3)}   env return ${r.meanEnvReturn.toFixed(3)}   steps ${r.meanSteps.toFixed(1)}   turns ${r.meanTurns.toFixed(1)}`,
  ];
  for (const [name, s] of Object.entries(r.scores)) lines.push(`${name.padEnd(12)} ${s.mean.toFixed(2)} ± ${s.std.toFixed(2)} (n=${s.n})`);
  if (r.errors) lines.push(`errors       ${r.errors} episode(s) failed with an agent error (see perEpisode[].error)`);
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    env: { type: 'string' }, agent: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' },
    mode: { type: 'string' }, interaction: { type: 'string' }, 'max-actions': { type: 'string' }, history: { type: 'string' },
    'max-turns': { type: 'string' }, 'invalid-answer': { type: 'string' }, 'invalid-penalty': { type: 'string' },
    option: { type: 'string', multiple: true }, 'agent-option': { type: 'string', multiple: true }, parallel: { type: 'string' },
    'on-error': { type: 'string' }, out: { type: 'string' }, replays: { type: 'string' }, quiet: { type: 'boolean' }, levels: { type: 'string' },
    compare: { type: 'string' },
    ...IMPORT_OPTION, help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) {
    console.log(`${HELP}\n\nagent kinds:\n${listAgents().map((a) => `  ${a.name.padEnd(8)} ${a.description}`).join('\n')}`);
    return 0;
  }
  await importModules(values.import);
  if (!values.env) throw new InvalidOptionError('--env is required (lmm-gym envs lists the ids)');
  if (!values.agent) throw new InvalidOptionError('--agent is required: random, oracle, openai:BASE_URL#MODEL, model:PATH');
  envEntry(values.env);
  // A fixed test set: episode i plays level i of the file (reset option `level`).
  const levels = values.levels === undefined ? null : loadBoxobanFile(values.levels);
  const episodes = intFlag('episodes', values.episodes, levels ? levels.length : 10);
  if (levels && episodes > levels.length) throw new InvalidOptionError(`--episodes ${episodes} is more than the ${levels.length} levels of ${values.levels}`);
  if (episodes < 1) throw new InvalidOptionError('--episodes must be at least 1');
  const seed = intFlag('seed', values.seed, 0);
  const mode = parseObservationMode(values.mode ?? 'text');
  const interaction = values.interaction ?? 'step';
  if (interaction !== 'step' && interaction !== 'plan') throw new InvalidOptionError(`--interaction must be step or plan, got ${JSON.stringify(interaction)}`);
  const invalid = values['invalid-answer'];
  if (invalid !== undefined && invalid !== 'noop' && invalid !== 'end') throw new InvalidOptionError(`--invalid-answer must be noop or end, got ${JSON.stringify(invalid)}`);
  const onError = values['on-error'] ?? 'abort';
  if (onError !== 'abort' && onError !== 'record') throw new InvalidOptionError(`--on-error must be abort or record, got ${JSON.stringify(onError)}`);
  const language: Record<string, unknown> = {};
  if (values['max-actions'] !== undefined) language.maxActions = intFlag('max-actions', values['max-actions'], 1, 1);
  if (values.history !== undefined) language.historyLength = intFlag('history', values.history, 5);
  if (values['max-turns'] !== undefined) language.maxTurns = intFlag('max-turns', values['max-turns'], 100, 1);
  if (invalid) language.invalidAnswer = invalid as InvalidAnswerPolicy;
  const penalty = numberFlag('invalid-penalty', values['invalid-penalty']);
  if (penalty !== undefined) language.invalidPenalty = penalty;

  // The earlier report is read and checked before any episode runs (and before --out's episode log is started).
  const baseline = values.compare === undefined ? null : readComparable(values.compare, { envId: values.env, mode, interaction, levels: values.levels ?? null });
  if (baseline) checkSeeds(baseline, seed, episodes);

  // The output paths are checked before any episode runs (a folder or a file in the way of
  // its folder fails now, not after the episodes). Episode records go to the JSONL log as
  // they finish, so an interruption loses none of them.
  const episodesLog = values.out ? episodesLogPath(values.out) : null;
  if (values.out) {
    checkOutputFile(values.out);
    checkOutputFile(episodesLog!);
    mkdirSync(dirname(resolve(episodesLog!)), { recursive: true });
    writeFileSync(episodesLog!, '');
  }
  const agent = await createAgent(values.agent, { envId: values.env, seed, settings: parseKeyValues(values['agent-option']) });
  const bar = values.quiet ? null : new ProgressBar('eval', episodes, { minIntervalMs: 5_000 });
  let done = 0, wins = 0;
  const replayPaths: string[] = [];
  // Ctrl-C: stop after the turn in flight and write a partial report; a second one quits now.
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    console.error('\ninterrupted: writing a report of the finished episodes (Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const report = await evaluateAgent({
      signal: controller.signal,
      envId: values.env, envOptions: parseKeyValues(values.option), agent, agentSpec: values.agent, episodes, seed, mode, interaction,
      language, onError: onError as 'abort' | 'record',
      ...(levels ? { resetOptions: levels.slice(0, episodes).map((level) => ({ level })) } : {}),
      ...(values.parallel !== undefined ? { parallel: Math.max(1, intFlag('parallel', values.parallel, 1)) } : {}),
      onEpisode: (r, scores, env, record) => {
        if (episodesLog) appendFileSync(episodesLog, JSON.stringify(record, cleanFloats) + '\n');
        done++;
        if (r.success) wins++;
        if (values.replays) replayPaths.push(saveEpisodeResultReplay(values.replays, r, env, values.agent!, { scores }));
        bar?.update(done, `success ${wins}/${done}`);
      },
    });
    const paired = baseline ? { against: values.compare!, ...pairWith(report, baseline) } : null;
    // `levels` names the test set, so a later --compare can check it pairs the same levels.
    const written = { ...report, ...(values.levels ? { levels: values.levels } : {}), ...(paired ? { paired } : {}) };
    if (values.out) await writeFileAtomic(values.out, JSON.stringify(written, cleanFloats, 2) + '\n');
    console.log(summariseReport(report));
    if (paired) console.log(summarisePaired(paired));
    if (report.partial) console.log(`partial      interrupted after ${report.episodes} of ${episodes} episodes`);
    if (values.out) console.log(`report       ${values.out}\nepisodes     ${episodesLog}`);
    if (values.replays) console.log(`replays      ${replayPaths.length} file(s) in ${values.replays}`);
    return report.partial ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await agent.close?.();
  }
}

/** Where `--out FILE` logs the episode records as they finish: FILE without .json, plus .episodes.jsonl. */
export function episodesLogPath(out: string): string {
  return `${out.replace(/\.json$/i, '')}.episodes.jsonl`;
}

/** What --compare needs of an earlier report. */
interface ComparableReport {
  path: string;
  /** Success by episode index, with the seed it was played with. */
  episodes: Map<number, { seed: number; success: boolean }>;
}

/** Read an earlier `--out` report and check it was played on the same task (env, mode, interaction, levels file). */
export function readComparable(path: string, want: { envId: string; mode: string; interaction: string; levels: string | null }): ComparableReport {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new InvalidOptionError(`--compare ${path}: not a readable JSON report (${(e as Error).message})`);
  }
  if (!Array.isArray(r.perEpisode)) throw new InvalidOptionError(`--compare ${path}: no perEpisode records; expected a report written by lmm-gym eval --out`);
  for (const k of ['envId', 'mode', 'interaction'] as const) {
    if (r[k] !== want[k]) throw new InvalidOptionError(`--compare ${path}: its ${k} is ${JSON.stringify(r[k])}, this run's ${JSON.stringify(want[k])}; a paired comparison needs the same task`);
  }
  const theirs = typeof r.levels === 'string' ? r.levels : null;
  if (theirs !== null && want.levels !== null && resolve(theirs) !== resolve(want.levels)) {
    throw new InvalidOptionError(`--compare ${path}: played levels ${theirs}, this run ${want.levels}`);
  }
  const episodes = new Map<number, { seed: number; success: boolean }>();
  for (const e of r.perEpisode as Record<string, unknown>[]) {
    if (typeof e.episode === 'number' && typeof e.seed === 'number') episodes.set(e.episode, { seed: e.seed, success: e.success === true });
  }
  return { path, episodes };
}

/** Episode i of this run will use seed `seed + i`: each episode the earlier report also has must have used the same. */
export function checkSeeds(other: ComparableReport, seed: number, episodes: number): void {
  for (let i = 0; i < episodes; i++) {
    const o = other.episodes.get(i);
    if (o && o.seed !== seed + i) throw new InvalidOptionError(`--compare ${other.path}: episode ${i} was played with seed ${o.seed} there, ${seed + i} here; use the same --seed`);
  }
  if (![...other.episodes.keys()].some((i) => i < episodes)) throw new InvalidOptionError(`--compare ${other.path}: no episode in common with this run`);
}

/**
 * Pair this run's episodes with the earlier report's by index (an episode missing there is
 * left out). Its seeds were checked before the run (checkSeeds), so nothing here can fail
 * after the episodes and lose the report.
 */
export function pairWith(report: EvalReport, other: ComparableReport): PairedSuccess {
  const a: boolean[] = [], b: boolean[] = [];
  for (const e of report.perEpisode) {
    const o = other.episodes.get(e.episode);
    if (o) { a.push(e.success); b.push(o.success); }
  }
  return pairedSuccess(a, b);
}

/** One line for the console. */
export function summarisePaired(p: PairedSuccess & { against: string }): string {
  return `paired       vs ${p.against} on ${p.n} episodes: ${p.both + p.onlyA} vs ${p.both + p.onlyB} won; ${p.onlyA} won here only, ${p.onlyB} there only (exact McNemar p ${p.pValue < 0.001 ? p.pValue.toExponential(1) : p.pValue.toFixed(3)})`;
}
