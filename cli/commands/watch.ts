import { InvalidOptionError, envEntry, make, parseObservationMode } from '../../envs/index.js';
import '../../envs/index.js';
import { createAgent } from '../../agents/registry.js';
// The agent layer without agents/index.js (which loads TensorFlow.js): `model:` specs load it lazily.
import '../../tasks/specs.js';
import '../../agents/builtin.js';
import '../../agents/openai.js';
import '../../agents/oracles/index.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs, parseKeyValues } from '../args.js';
import { PlaySession } from '../play-session.js';
import { WatchServer, watchAgent, watchPerson } from '../watch.js';
import { fpsFlag } from './play.js';

const HELP = `usage: lmm-gym watch <env-id> [--agent SPEC] [--port P] [--seed N] [--fps F] [options]

A local page that shows an env live, in the replay viewer's look. Without --agent you play
with the keyboard (the keys of \`lmm-gym play\`: arrows or w a s d, u undo, r restart,
n next level; Football: space shoots, j k l pass ...). With --agent an agent plays
--episodes episodes and the page follows every step. Served on 127.0.0.1 only.

  --agent SPEC       an agent as in eval: random | oracle | openai:BASE_URL#MODEL | model:PATH
  --episodes N       agent episodes (default 3); episode i plays seed N + i
  --seed N           first seed / level (default 0)
  --fps F            shown steps per second with an agent (default 4); ticks per second of
                     a real-time env you play (default: the env's, Football 5)
  --port P           port (default 0: a free port, printed)
  --mode M           agent observation: text | image | image+caption | text+image (default text)
  --interaction I    agent: step (default) | plan
  --max-actions K    agent: actions per answer (step) / plan limit
  --option k=v       env option (repeatable)
  --agent-option k=v agent setting (repeatable)
${IMPORT_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    agent: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, fps: { type: 'string' },
    port: { type: 'string' }, mode: { type: 'string' }, interaction: { type: 'string' }, 'max-actions': { type: 'string' },
    option: { type: 'string', multiple: true }, 'agent-option': { type: 'string', multiple: true },
    ...IMPORT_OPTION, help: { type: 'boolean', short: 'h' },
  });
  if (values.help || positionals.length !== 1) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  await importModules(values.import);
  const envId = positionals[0]!;
  envEntry(envId);
  const seed = intFlag('seed', values.seed, 0);
  const port = intFlag('port', values.port, 0);
  if (port > 65535) throw new InvalidOptionError(`--port must be at most 65535, got ${port}`);
  // The agent's flags are checked before the page goes up (and in person mode too, where they are unused).
  const episodes = intFlag('episodes', values.episodes, 3, 1);
  const maxActions = values['max-actions'] === undefined ? undefined : intFlag('max-actions', values['max-actions'], 1, 1);
  const interaction = values.interaction ?? 'step';
  if (interaction !== 'step' && interaction !== 'plan') throw new InvalidOptionError(`--interaction must be step or plan, got ${JSON.stringify(interaction)}`);
  const mode = parseObservationMode(values.mode ?? 'text');
  // Football's default frame is the 128 x 64 model view: the page shows the replay size.
  const envOptions = { ...(envId === 'Football-v0' ? { width: 512, height: 256 } : {}), ...parseKeyValues(values.option) };
  const title = `${envId}${values.agent ? ` · agent ${values.agent}` : ' · you play'}`;
  const server = new WatchServer(title, values.agent ? 'agent' : 'person');
  const stopSignal = new AbortController();
  const closed = new Promise<void>((resolve) => {
    const stop = () => { stopSignal.abort(); resolve(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  try {
    const url = await server.listen(port);
    console.log(`watch ${envId}: ${url}  (Ctrl-C to stop)`);
    if (values.agent) {
      const agent = await createAgent(values.agent, { envId, seed, settings: parseKeyValues(values['agent-option']) });
      const fps = fpsFlag(values.fps, 4);
      try {
        const r = await watchAgent(server, {
          envId, envOptions, agent, seed, episodes, mode, interaction,
          language: maxActions !== undefined ? { maxActions } : {},
          stepMs: Math.round(1000 / fps), signal: stopSignal.signal,
        });
        console.log(`${r.successes} of ${r.episodes} episode(s) solved; the page stays up until Ctrl-C`);
      } finally {
        await agent.close?.();
      }
    } else {
      const session = new PlaySession(make(envId, envOptions), { envId, seed });
      const stop = watchPerson(server, session, { fps: fpsFlag(values.fps, session.realtimeFps ?? 5) });
      await closed;
      stop();
      session.env.close();
    }
    await closed;
  } finally {
    await server.close();
  }
  return 0;
}
