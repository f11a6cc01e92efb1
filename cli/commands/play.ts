import { createInterface } from 'node:readline';
import { InvalidOptionError, make } from '../../envs/index.js';
import { decodeTerminalKeys } from '../../tasks/keys.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs, parseKeyValues } from '../args.js';
import { PlaySession } from '../play-session.js';

const HELP = `usage: lmm-gym play <env-id> [--seed N] [--fps F] [--lines] [--option key=value ...] [--import MODULE]

Play any env in the terminal, seeing its text view. In a terminal every key acts at once:
  arrow keys or w a s d   move (up left down right)
  u undo   r restart this level   n next level   q quit   ? help
Football runs on its own from your first key (--fps ticks per second, default 5; 10 is game speed); the last
key pressed is the next tick's action: numpad digits 7 9 1 3 run diagonally (8 2 4 6
straight, 5 stops, 0 idles), space shoots, j / k / l short / long / high pass, e / f
sprint / stop sprinting, c / b dribble / stop, x sliding tackle.

Without a terminal (input from a pipe or file), or with --lines, type one action per line:
an action name (or a unique prefix), its number, a word of the table (up, north, w, ↑ ...),
or u / r / n / q / ?; an empty line is an idle tick (Football) or, once the episode is
over, the next level. Level k plays seed N + k, so r replays the very same level.

  --seed N     seed of the first level (default 0)
  --fps F      real-time envs: ticks per second (default: the env's, Football 5)
  --lines      line input even in a terminal
  --option k=v env option (repeatable), e.g. --option slippery=false
${IMPORT_HELP}`;

/** `--fps`: a number in (0, 60]. */
export function fpsFlag(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0 && n <= 60)) throw new InvalidOptionError(`--fps must be a number in (0, 60], got ${JSON.stringify(value)}`);
  return n;
}

/** Minimal streams the terminal loop needs (process.stdin / process.stdout, or fakes in tests). */
export interface KeyInput {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  setRawMode?(raw: boolean): unknown;
  resume?(): unknown;
  pause?(): unknown;
}
export interface ScreenOutput {
  write(s: string): unknown;
}

const CLEAR = '\x1b[H\x1b[2J';
const ALT_ON = '\x1b[?1049h\x1b[?25l';
const ALT_OFF = '\x1b[?25h\x1b[?1049l';

/**
 * Raw-key play: every key acts at once and the screen is redrawn (on the terminal's
 * alternate screen, restored on quit). Real-time envs tick every 1000 / fps ms on their
 * own. Resolves when the player quits (q, Escape, Ctrl-C, Ctrl-D).
 */
export function playWithKeys(session: PlaySession, input: KeyInput, output: ScreenOutput, options: { fps?: number; title?: string } = {}): Promise<void> {
  const title = options.title ?? session.envId;
  const draw = () => output.write(CLEAR + session.screen(title).replace(/\n/g, '\r\n') + '\r\n');
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setInterval> | null = null;
    const finish = () => {
      if (timer) clearInterval(timer);
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause?.();
      output.write(ALT_OFF);
      resolve();
    };
    const onData = (chunk: Buffer | string) => {
      for (const key of decodeTerminalKeys(chunk.toString())) {
        const ev = session.apply(session.resolveKey(key));
        if (ev.kind === 'quit') return finish();
      }
      // A real-time env redraws on its ticks; a key only queues the next action.
      if (session.realtimeFps === null || session.event.kind !== 'step') draw();
    };
    input.setRawMode?.(true);
    input.resume?.();
    input.on('data', onData);
    output.write(ALT_ON);
    draw();
    const fps = options.fps ?? session.realtimeFps;
    if (session.realtimeFps !== null && fps) {
      // Redraw only when the tick stepped (an ended episode waits for r / n / q).
      timer = setInterval(() => { const before = session.steps; session.tick(); if (session.steps !== before) draw(); }, 1000 / fps);
    }
  });
}

/** Line play (no terminal, or --lines): one command per line, the state printed after each. */
export async function playWithLines(session: PlaySession, lines: AsyncIterable<string>, out: (s: string) => void): Promise<void> {
  out(session.screen());
  out('action> ');
  for await (const line of lines) {
    const ev = session.apply(session.resolveLine(line));
    if (ev.kind === 'quit') break;
    if (ev.kind === 'step' && session.realtimeFps !== null) session.tick();
    if (ev.kind === 'help' || ev.kind === 'error' || ev.kind === 'ignored') { if (ev.message) out(session.event.message); }
    else out(`${session.env.describe()}\n${session.statusLine()}\n${session.event.message}`);
    out('action> ');
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    seed: { type: 'string' },
    fps: { type: 'string' },
    lines: { type: 'boolean' },
    option: { type: 'string', multiple: true },
    ...IMPORT_OPTION,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help || positionals.length !== 1) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  await importModules(values.import);
  const envId = positionals[0]!;
  const env = make(envId, parseKeyValues(values.option));
  const session = new PlaySession(env, { envId, seed: intFlag('seed', values.seed, 0) });
  const fps = fpsFlag(values.fps, session.realtimeFps ?? 5);
  try {
    if (process.stdin.isTTY && process.stdout.isTTY && !values.lines) {
      await playWithKeys(session, process.stdin, process.stdout, { fps });
    } else {
      const rl = createInterface({ input: process.stdin, terminal: false });
      await playWithLines(session, rl, (s) => process.stdout.write(s.endsWith('> ') ? s : s + '\n'));
      rl.close();
      process.stdout.write('\n');
    }
  } finally {
    env.close();
  }
  return 0;
}
