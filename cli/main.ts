#!/usr/bin/env node
// The `lmm-gym` command: dispatches to one module per subcommand (cli/commands/<name>.js),
// loaded lazily so `lmm-gym envs` does not pay for loading the model code.
import { LmmGymError } from '../envs/core/errors.js';
import { maxOf } from '../envs/core/arrays.js';
import { suggest } from './args.js';
import { packageVersion } from './version.js';

interface CommandEntry {
  summary: string;
}

type CommandModule = { run(argv: string[]): Promise<number | void> };
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const loadCommand = (name: string): Promise<CommandModule> => import(new URL(`./commands/${name}${ext}`, import.meta.url).href);

const COMMANDS: Record<string, CommandEntry> = {
  envs: { summary: 'list registered envs with a line of description each' },
  play: { summary: 'play an env in the terminal (arrow keys, u undo, r restart): lmm-gym play <id> [--seed N]' },
  watch: { summary: 'watch an env live in the browser, playing it or an agent: lmm-gym watch <id> [--agent SPEC]' },
  demo: { summary: 'a scripted demo: plays an env and writes PNG frames and a GIF' },
  eval: { summary: 'evaluate an agent: lmm-gym eval --env ID --agent SPEC --episodes N' },
  replay: { summary: 'render a replay file: lmm-gym replay FILE --png DIR | --gif OUT | --html OUT' },
  train: { summary: 'run a staged training pipeline: lmm-gym train --config FILE' },
  plot: { summary: 'draw training curves to PNG: lmm-gym plot METRICS.jsonl --out DIR' },
  serve: { summary: 'serve the envs over HTTP for OpenRLHF / verl: lmm-gym serve [--port P] [--token T]' },
  export: { summary: 'write a training set for LMM-R1 / verl: lmm-gym export --format lmm-r1|verl --task T --out DIR' },
};

function usage(): string {
  const width = maxOf(Object.keys(COMMANDS).map((k) => k.length));
  return ['usage: lmm-gym <command> [options]', '', 'commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`),
    '', 'Run `lmm-gym <command> --help` for the options of one command, `lmm-gym --version` for the version.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(packageVersion());
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const guesses = suggest(name.replace(/^-+/, ''), Object.keys(COMMANDS));
    const hint = guesses.length ? `; did you mean ${guesses.map((g) => JSON.stringify(g)).join(' or ')}?` : '';
    console.error(`lmm-gym: unknown command ${JSON.stringify(name)}${hint}\n\n${usage()}`);
    return 2;
  }
  let mod;
  try {
    mod = await loadCommand(name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(`commands/${name}.`)) {
      console.error(`lmm-gym: the "${name}" command is not available in this build`);
      return 2;
    }
    throw e;
  }
  try {
    return (await mod.run(rest)) ?? 0;
  } catch (e) {
    if (e instanceof LmmGymError) {
      console.error(`lmm-gym ${name}: ${e.name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

// `lmm-gym ... | head`: a closed pipe ends the command quietly instead of a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exitCode = 1;
});
