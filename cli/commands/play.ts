import { createInterface } from 'node:readline';
import { Discrete, make, type Env } from '../../envs/index.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs, parseKeyValues } from '../args.js';

const HELP = `usage: lmm-gym play <env-id> [--seed N] [--option key=value ...] [--import MODULE]

Play any env in the terminal, seeing its text view. At the prompt type an action name
(or a unique prefix), its number, or w/a/s/d for up/left/down/right, and Enter.
  r  reset (same seed stream)   q  quit   ?  list actions

${IMPORT_HELP}`;

const WASD: Record<string, string[]> = { w: ['up', 'top'], a: ['left'], s: ['down', 'bottom'], d: ['right'] };

/** Resolve what the player typed to an action of `env`, or an error message. */
export function resolveTypedAction(env: Env, typed: string): { action: unknown } | { error: string } {
  const text = typed.trim().toLowerCase();
  const names = env.actionNames;
  if (!(env.actionSpace instanceof Discrete)) {
    try {
      return { action: JSON.parse(typed) };
    } catch {
      return { error: 'this env takes JSON actions (e.g. [0, 1])' };
    }
  }
  if (/^\d+$/.test(text)) return { action: Number(text) };
  if (names) {
    const exact = names.findIndex((n) => n.toLowerCase() === text);
    if (exact >= 0) return { action: exact };
    const keyed = WASD[text]?.map((n) => names.indexOf(n)).find((i) => i >= 0);
    if (keyed !== undefined) return { action: keyed };
    const prefixed = names.map((n, i) => [n, i] as const).filter(([n]) => n.toLowerCase().startsWith(text));
    if (prefixed.length === 1) return { action: prefixed[0]![1] };
    if (prefixed.length > 1) return { error: `ambiguous: ${prefixed.map(([n]) => n).join(', ')}` };
  }
  return { error: `unknown action ${JSON.stringify(typed.trim())}; actions: ${names ? names.join(', ') : `0..${env.actionSpace.n - 1}`}` };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    seed: { type: 'string' },
    option: { type: 'string', multiple: true },
    ...IMPORT_OPTION,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help || positionals.length !== 1) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  await importModules(values.import);
  const env = make(positionals[0]!, parseKeyValues(values.option));
  const seed = intFlag('seed', values.seed, 0);
  const out = (s: string) => process.stdout.write(s + '\n');
  const listActions = () => out(`actions: ${env.actionNames ? env.actionNames.map((n, i) => `${i}=${n}`).join(', ') : env.actionSpace.toString()}`);

  env.reset({ seed });
  out(env.describe());
  listActions();
  let total = 0;
  let steps = 0;
  let done = false;
  const rl = createInterface({ input: process.stdin, terminal: false });
  process.stdout.write('action> ');
  for await (const line of rl) {
    const cmd = line.trim().toLowerCase();
    if (cmd === 'q' || cmd === 'quit') break;
    if (cmd === '?' || cmd === 'help') listActions();
    else if (cmd === 'r' || cmd === 'reset' || (done && cmd === '')) {
      env.reset();
      total = 0; steps = 0; done = false;
      out(env.describe());
    } else if (done) {
      out('episode over: r to reset, q to quit');
    } else if (cmd !== '') {
      const resolved = resolveTypedAction(env, line);
      if ('error' in resolved) out(resolved.error);
      else {
        const r = env.step(resolved.action);
        total += r.reward;
        steps++;
        out(env.describe());
        out(`step ${steps}  reward ${r.reward.toFixed(2)}  return ${total.toFixed(2)}`);
        if (r.terminated || r.truncated) {
          done = true;
          const success = r.info.success === true ? ' (success)' : '';
          out(`episode ${r.terminated ? 'terminated' : 'truncated'} after ${steps} steps, return ${total.toFixed(2)}${success}; r to reset, q to quit`);
        }
      }
    }
    process.stdout.write('action> ');
  }
  rl.close();
  env.close();
  out('');
  return 0;
}
