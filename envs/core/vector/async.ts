import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Info } from '../env.js';
import { InvalidActionError, LmmGymError, VectorEnvError } from '../errors.js';
import { make } from '../registry.js';
import type { Space } from '../spaces.js';
import {
  type AutoresetMode, type VectorEnv, type VectorEnvOptions, type VectorResetOptions, type VectorResetResult,
  type VectorStepResult, parseAutoreset, subSeed, validateNumEnvs,
} from './types.js';

export interface AsyncVectorEnvOptions extends VectorEnvOptions {
  /** Worker threads (default: min(numEnvs, available cores)); sub-envs are split evenly. */
  numWorkers?: number;
  /** Modules each worker imports to register third-party envs (paths or file: URLs). */
  modules?: string[];
}

interface SubResult {
  ok?: { observation: unknown; reward?: number; terminated?: boolean; truncated?: boolean; info: Info } | null;
  error?: { name: string; message: string };
}

interface Pending {
  resolve: (results: SubResult[]) => void;
  reject: (e: Error) => void;
}

class WorkerHandle {
  readonly worker: Worker;
  private seq = 0;
  private pending = new Map<number, Pending>();
  dead: Error | null = null;
  readonly ready: Promise<void>;

  constructor(script: WorkerScript, data: object, readonly firstIndex: number) {
    this.worker = script.eval
      ? new Worker(script.eval, { eval: true, workerData: data })
      : new Worker(script.file, { workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (msg: { kind: string; seq?: number; results?: SubResult[]; error?: { message: string } }) => {
        if (msg.kind === 'ready') resolve();
        else if (msg.kind === 'init-error') this.fail(new VectorEnvError(`worker for sub-env ${firstIndex} failed to start: ${msg.error!.message}`, firstIndex), reject);
        else if (msg.kind === 'result') {
          const p = this.pending.get(msg.seq!);
          this.pending.delete(msg.seq!);
          p?.resolve(msg.results!);
        }
      });
      this.worker.on('error', (e) => this.fail(new VectorEnvError(`worker for sub-env ${firstIndex} crashed: ${e.message}`, firstIndex), reject));
      this.worker.on('exit', (code) => this.fail(new VectorEnvError(`worker for sub-env ${firstIndex} exited (code ${code})`, firstIndex), reject));
    });
    this.ready.catch(() => {}); // reported on first use
  }

  private fail(e: Error, rejectReady: (e: Error) => void): void {
    if (this.dead) return;
    this.dead = e;
    rejectReady(e);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async request(msg: Record<string, unknown>): Promise<SubResult[]> {
    await this.ready;
    if (this.dead) throw this.dead;
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...msg, seq });
    });
  }
}

/**
 * Steps sub-envs in `worker_threads`, in parallel. Sub-envs are built by id through the
 * registry inside each worker, so results equal SyncVectorEnv's for the same seeds.
 * A sub-env that throws, or a worker that dies, rejects the call with a VectorEnvError
 * naming the sub-env; the other workers keep running.
 */
export class AsyncVectorEnv<O = unknown, A = unknown> implements VectorEnv<O, A> {
  readonly numEnvs: number;
  readonly autoreset: AutoresetMode;
  readonly singleActionSpace: Space<A>;
  readonly singleObservationSpace: Space<O>;
  readonly actionNames?: readonly string[];
  private readonly workers: WorkerHandle[] = [];
  /** Sub-env indices hosted by each worker. */
  private readonly slices: number[][] = [];
  private closed = false;

  constructor(readonly id: string, numEnvs: number, options: AsyncVectorEnvOptions = {}) {
    this.numEnvs = validateNumEnvs(numEnvs);
    this.autoreset = parseAutoreset(options.autoreset);
    // A local copy gives the spaces and validates id and options before any thread starts.
    const probe = make<O, A>(id, options.options ?? {});
    this.singleActionSpace = probe.actionSpace;
    this.singleObservationSpace = probe.observationSpace;
    this.actionNames = probe.actionNames;
    probe.close();
    const numWorkers = Math.min(this.numEnvs, validateNumEnvs(options.numWorkers ?? Math.max(1, availableParallelism())));
    const script = workerScript();
    for (let w = 0; w < numWorkers; w++) {
      const indices: number[] = [];
      for (let i = w; i < this.numEnvs; i += numWorkers) indices.push(i);
      this.slices.push(indices);
      this.workers.push(new WorkerHandle(script, {
        id, options: options.options ?? {}, autoreset: this.autoreset, modules: options.modules ?? [], indices,
      }, indices[0]!));
    }
  }

  private async gather(build: (w: number) => Record<string, unknown>): Promise<SubResult[]> {
    if (this.closed) throw new LmmGymError('vector env is closed');
    const replies = await Promise.allSettled(this.workers.map((h, w) => h.request(build(w))));
    const out: SubResult[] = new Array(this.numEnvs);
    replies.forEach((reply, w) => {
      if (reply.status === 'rejected') throw reply.reason;
      reply.value.forEach((r, j) => { out[this.slices[w]![j]!] = r; });
    });
    for (let i = 0; i < this.numEnvs; i++) {
      const e = out[i]!.error;
      if (e) throw new VectorEnvError(`sub-env ${i} failed: ${e.name}: ${e.message}`, i);
    }
    return out;
  }

  async reset(options: VectorResetOptions = {}): Promise<VectorResetResult<O>> {
    const results = await this.gather((w) => ({
      kind: 'reset',
      seeds: this.slices[w]!.map((i) => subSeed(options.seed, i, this.numEnvs)),
      options: options.options,
      mask: this.slices[w]!.map((i) => !options.mask || options.mask[i] === true),
    }));
    return {
      observations: results.map((r) => (r.ok ? r.ok.observation : undefined) as O),
      infos: results.map((r) => r.ok?.info ?? {}),
    };
  }

  async step(actions: readonly A[]): Promise<VectorStepResult<O>> {
    if (!actions || actions.length !== this.numEnvs) throw new InvalidActionError(`expected ${this.numEnvs} actions, got ${actions?.length ?? actions}`);
    const results = await this.gather((w) => ({ kind: 'step', actions: this.slices[w]!.map((i) => actions[i]) }));
    const out: VectorStepResult<O> = { observations: [], rewards: new Float64Array(this.numEnvs), terminated: [], truncated: [], infos: [] };
    results.forEach((r, i) => {
      const s = r.ok!;
      out.observations.push(s.observation as O);
      out.rewards[i] = s.reward!;
      out.terminated.push(s.terminated!);
      out.truncated.push(s.truncated!);
      out.infos.push(s.info);
    });
    return out;
  }

  /** Test hook: make the worker hosting sub-env `index` exit abruptly. */
  async crashWorkerForTesting(index: number): Promise<void> {
    const w = this.slices.findIndex((s) => s.includes(index));
    await this.workers[w]!.ready;
    this.workers[w]!.worker.postMessage({ kind: 'crash', seq: -1 });
    await new Promise((r) => this.workers[w]!.worker.once('exit', r));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((h) => h.worker.terminate()));
  }
}

interface WorkerScript {
  file: URL;
  /** Bootstrap source for running the TypeScript sources (tests, tsx) instead of dist/. */
  eval?: string;
}

/** The worker file next to this module; from TypeScript sources, load it through tsx's loader. */
function workerScript(): WorkerScript {
  const self = import.meta.url;
  if (!fileURLToPath(self).endsWith('.ts')) return { file: new URL('./worker.js', self) };
  const file = new URL('./worker.ts', self);
  return { file, eval: `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file.href)}); });` };
}
