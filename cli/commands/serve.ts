import { fork, type ChildProcess } from 'node:child_process';
import { InvalidOptionError } from '../../envs/core/errors.js';
import '../../envs/index.js';
import '../../tasks/index.js';
import { startServer } from '../../serve/http.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs } from '../args.js';

const HELP = `usage: lmm-gym serve [--host H] [--port P] [--token T] [options]

Serves the envs over HTTP/JSON for external trainers (OpenRLHF, verl; see docs/serve.md).
Routes: GET /health, GET /envs; POST /sessions, /reset, /step, /system_prompt, /close
(batches) and POST /reward (OpenRLHF's remote reward protocol).

  --host H             interface to listen on (default 127.0.0.1: loopback only)
  --port P             port (default 8000; 0 picks a free one)
  --token T            require "Authorization: Bearer T" (or set LMM_GYM_TOKEN)
  --workers N          N server processes on ports P..P+N-1 (default 1); give every URL
                       to the client, which shards sessions across them
  --idle-timeout S     close sessions idle for S seconds (default 600)
  --max-sessions N     most open sessions per process (default 10000)
  --max-body BYTES     largest request body (default 16777216)
  --max-batch N        most items in one batch request (default 4096)
${IMPORT_HELP}

Ctrl-C (SIGINT) or SIGTERM: stop taking requests, finish the ones in flight, exit.`;

/** `lmm-gym serve`: the env server; with --workers, one process per port. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, workers: { type: 'string' },
    'idle-timeout': { type: 'string' }, 'max-sessions': { type: 'string' }, 'max-body': { type: 'string' }, 'max-batch': { type: 'string' },
    'worker-index': { type: 'string' }, ...IMPORT_OPTION, help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const host = values.host ?? '127.0.0.1';
  const port = intFlag('port', values.port, 8000);
  if (port > 65535) throw new InvalidOptionError(`--port must be at most 65535, got ${port}`);
  const workers = intFlag('workers', values.workers, 1);
  if (workers < 1) throw new InvalidOptionError('--workers must be at least 1');
  const positive = (name: string, v: string | undefined, d: number) => {
    const n = intFlag(name, v, d);
    if (n <= 0) throw new InvalidOptionError(`--${name} must be a positive integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const idleTimeoutMs = positive('idle-timeout', values['idle-timeout'], 600) * 1000;
  const maxSessions = positive('max-sessions', values['max-sessions'], 10_000);
  const maxBodyBytes = positive('max-body', values['max-body'], 16 * 1024 * 1024);
  const maxBatch = positive('max-batch', values['max-batch'], 4096);
  const token = values.token ?? process.env.LMM_GYM_TOKEN ?? null;
  if (token !== null && token.length < 8) throw new InvalidOptionError('--token must be at least 8 characters');

  if (workers > 1) return runWorkers(argv, workers, port);
  await importModules(values.import);

  const index = values['worker-index'] === undefined ? null : intFlag('worker-index', values['worker-index'], 0);
  const server = await startServer({ host, port, token, idleTimeoutMs, maxSessions, maxBodyBytes, maxBatch, idPrefix: index === null ? '' : `w${index}-` });
  console.log(`lmm-gym serve: listening on ${server.url}${token ? ' (bearer token required)' : ''}`);
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1' && !token) {
    console.error('lmm-gym serve: warning: listening beyond loopback without --token; anyone who can reach the port can use it');
  }
  let stopping = false;
  let stopped: () => void = () => {};
  const onSignal = (signal: NodeJS.Signals) => {
    // Later signals (a terminal's Ctrl-C reaches --workers children twice) change nothing: the drain is under way.
    if (stopping) return;
    stopping = true;
    console.error(`lmm-gym serve: ${signal}: draining ${server.service.size} session(s) and in-flight requests`);
    void server.close().then(() => stopped());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await new Promise<void>((resolve) => { stopped = resolve; });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  console.error('lmm-gym serve: stopped');
  return 0;
}

/** N child processes, one per port; signals are passed on and the parent exits when they have. */
async function runWorkers(argv: string[], workers: number, port: number): Promise<number> {
  if (port === 0) throw new InvalidOptionError('--workers > 1 needs a fixed --port (the workers use consecutive ports)');
  if (port + workers - 1 > 65535) throw new InvalidOptionError(`ports ${port}..${port + workers - 1} go past 65535`);
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--workers' || a === '--port') { i++; continue; }
    if (a.startsWith('--workers=') || a.startsWith('--port=')) continue;
    rest.push(a);
  }
  const script = process.argv[1]!;
  const children: ChildProcess[] = [];
  const exits = [];
  for (let i = 0; i < workers; i++) {
    const child = fork(script, ['serve', ...rest, '--port', String(port + i), '--worker-index', String(i)], { stdio: 'inherit' });
    children.push(child);
    exits.push(new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1))));
  }
  const pass = (signal: NodeJS.Signals) => () => { for (const c of children) if (c.exitCode === null) c.kill(signal); };
  const onInt = pass('SIGINT'), onTerm = pass('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const codes = await Promise.all(exits);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  return codes.every((c) => c === 0) ? 0 : 1;
}
