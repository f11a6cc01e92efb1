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
}

type Request =
  | { kind: 'reset'; seq: number; seeds: (number | null)[]; options?: Record<string, unknown>; mask: boolean[] }
  | { kind: 'step'; seq: number; actions: unknown[] }
  | { kind: 'crash'; seq: number };

const init = workerData as Init;
const port = parentPort!;

function serializeError(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
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
    port.postMessage({ kind: 'result', seq: req.seq, results });
  });
}

main().catch((e) => {
  port.postMessage({ kind: 'init-error', error: serializeError(e) });
});
