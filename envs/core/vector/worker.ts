/**
 * Worker thread of AsyncVectorEnv: hosts a slice of the sub-envs and steps them on
 * request. Built-in envs are registered by importing the envs index; third-party envs by
 * importing the modules named in `init.modules` (each registers its envs on import).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { AutoresetMode } from './types.js';
import type { SubEnvRunner as Runner } from './sub-env-runner.js';

interface Init {
  id: string;
  options: Record<string, unknown>;
  autoreset: AutoresetMode;
  modules: string[];
  /** Global indices of the sub-envs this worker hosts. */
  indices: number[];
  /** Shared with the main thread: slot 0 is the global index of the sub-env being run, -1 when idle. */
  progress: Int32Array;
}

type Request =
  | { kind: 'reset'; seq: number; seeds: (number | null)[]; options?: Record<string, unknown>; mask: boolean[] }
  | { kind: 'step'; seq: number; actions: unknown[] }
  | { kind: 'crash'; seq: number };

const init = workerData as Init;
const port = parentPort!;

function serializeError(e: unknown): { name: string; message: string } {
  if (e instanceof Error) return { name: e.name, message: e.message };
  const o = e as { name?: unknown; message?: unknown } | null;
  if (o && typeof o === 'object' && typeof o.message === 'string') return { name: typeof o.name === 'string' ? o.name : 'Error', message: o.message };
  return { name: 'Error', message: String(e) };
}

async function main(): Promise<void> {
  await import('../../index.js');
  for (const m of init.modules) await import(m.startsWith('file:') ? m : pathToFileURL(m).href);
  const { make } = await import('../registry.js');
  const { SubEnvRunner } = await import('./sub-env-runner.js');
  const runners: Runner<unknown, unknown>[] = init.indices.map(() => new SubEnvRunner(make(init.id, init.options), init.autoreset));
  port.postMessage({ kind: 'ready' });

  port.on('message', (req: Request) => {
    if (req.kind === 'crash') process.exit(3); // test hook: simulate a dying worker
    const results: unknown[] = [];
    for (let j = 0; j < runners.length; j++) {
      Atomics.store(init.progress, 0, init.indices[j]!);
      try {
        if (req.kind === 'reset') {
          results.push(req.mask[j] ? { ok: runners[j]!.reset(req.seeds[j]!, req.options) } : { ok: null });
        } else {
          results.push({ ok: runners[j]!.step(req.actions[j]) });
        }
      } catch (e) {
        results.push({ error: serializeError(e) });
      }
    }
    Atomics.store(init.progress, 0, -1);
    send(req, results);
  });
}

/**
 * Post the results; a result that cannot be structured-cloned (a function or symbol in an
 * observation or info) becomes that sub-env's error instead of killing the worker.
 */
function send(req: Request, results: unknown[]): void {
  try {
    port.postMessage({ kind: 'result', seq: req.seq, results });
    return;
  } catch (e) {
    const why = serializeError(e);
    for (let j = 0; j < results.length; j++) {
      try {
        structuredClone(results[j]);
      } catch (x) {
        results[j] = { error: { name: 'DataCloneError', message: `its ${req.kind} result cannot be sent from the worker thread (${serializeError(x).message || why.message}); AsyncVectorEnv needs observations and infos made of structured-cloneable data (no functions or symbols)` } };
      }
    }
  }
  port.postMessage({ kind: 'result', seq: req.seq, results });
}

main().catch((e) => {
  port.postMessage({ kind: 'init-error', error: serializeError(e) });
});
