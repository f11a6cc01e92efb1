import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Info } from '../env.js';
import { InvalidActionError, InvalidOptionError, LmmGymError, VectorEnvError } from '../errors.js';
import { make } from '../registry.js';
import { type Space, batchSpace } from '../spaces.js';
import {
  type AutoresetMode, type VectorEnv, type VectorEnvOptions, type VectorResetOptions, type VectorResetResult,
  type VectorStepResult, errorParts, parseAutoreset, subEnvError, subSeed, validateNumEnvs,
} from './types.js';

export interface AsyncVectorEnvOptions extends VectorEnvOptions {
  /** Worker threads (default: min(numEnvs, available cores)); sub-envs are split evenly. */
  numWorkers?: number;
  /** Modules each worker imports to register third-party envs (paths or file: URLs). */
  modules?: string[];
  /**
   * Longest a worker may take to answer one reset() or step() for its sub-envs, in ms
   * (default 300000 = 5 min; Infinity: no limit). A sub-env still running then (e.g. an
   * endless loop) cannot be interrupted: its worker is stopped and the call rejects with a
   * VectorEnvError naming that sub-env. The worker is not replaced (see AsyncVectorEnv).
   */
  stepTimeoutMs?: number;
}

/** Default `stepTimeoutMs`: 5 minutes. */
export const DEFAULT_VECTOR_STEP_TIMEOUT_MS = 300_000;

interface SubResult {
  ok?: { observation: unknown; reward?: number; terminated?: boolean; truncated?: boolean; info: Info } | null;
  error?: { name: string; message: string };
}

interface Pending {
  resolve: (results: SubResult[]) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

/** Slot 0 of a worker's shared progress array: the global index of the sub-env it is running now, -1 when idle. */
const IDLE = -1;

class WorkerHandle {
  readonly worker: Worker;
  private seq = 0;
  private pending = new Map<number, Pending>();
  dead: VectorEnvError | null = null;
  readonly ready: Promise<void>;
  /** Written by the worker (Atomics) before each sub-env call: which sub-env is running. */
  private readonly progress: Int32Array;
  private readonly hosted: string;

  constructor(script: WorkerScript, data: object, readonly indices: readonly number[], private readonly timeoutMs: number) {
    this.progress = new Int32Array(new SharedArrayBuffer(4));
    this.progress[0] = IDLE;
    this.hosted = indices.length === 1 ? `sub-env ${indices[0]}` : `sub-envs ${indices.join(', ')}`;
    const workerData = { ...data, progress: this.progress };
    this.worker = script.eval
      ? new Worker(script.eval, { eval: true, workerData })
      : new Worker(script.file, { workerData });
    const first = indices[0]!;
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (msg: { kind: string; seq?: number; results?: SubResult[]; error?: { message: string } }) => {
        if (msg.kind === 'ready') resolve();
        else if (msg.kind === 'init-error') this.fail(new VectorEnvError(`the worker hosting ${this.hosted} failed to start: ${msg.error!.message}`, first), reject);
        else if (msg.kind === 'result') {
          const p = this.pending.get(msg.seq!);
          this.pending.delete(msg.seq!);
          if (p?.timer) clearTimeout(p.timer);
          p?.resolve(msg.results!);
        }
      });
      this.worker.on('messageerror', (e) => this.fail(this.deathError(`sent a message that cannot be read (${errorParts(e).message})`), reject));
      this.worker.on('error', (e) => this.fail(this.deathError(`crashed: ${errorParts(e).name}: ${errorParts(e).message}`), reject));
      this.worker.on('exit', (code) => this.fail(this.deathError(`exited (code ${code})`), reject));
    });
    this.ready.catch(() => {}); // reported on first use
  }

  /** The error for this worker's death: names the sub-env it was running, else the first it hosts. */
  private deathError(what: string): VectorEnvError {
    const running = Atomics.load(this.progress, 0);
    if (running !== IDLE) return new VectorEnvError(`sub-env ${running} failed: its worker (hosting ${this.hosted}) ${what} while running it`, running);
    return new VectorEnvError(`the worker hosting ${this.hosted} ${what}`, this.indices[0]!);
  }

  private fail(e: VectorEnvError, rejectReady: (e: Error) => void = () => {}): void {
    if (this.dead) return;
    this.dead = e;
    rejectReady(e);
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  async request(msg: Record<string, unknown>): Promise<SubResult[]> {
    await this.ready;
    if (this.dead) throw this.dead;
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(this.timeoutMs) ? setTimeout(() => this.timeout(String(msg.kind)), this.timeoutMs) : null;
      this.pending.set(seq, { resolve, reject, timer });
      this.worker.postMessage({ ...msg, seq });
    });
  }

  /** A request took longer than stepTimeoutMs: the running sub-env cannot be interrupted, so the worker is stopped. */
  private timeout(kind: string): void {
    const running = Atomics.load(this.progress, 0);
    const index = running === IDLE ? this.indices[0]! : running;
    this.fail(new VectorEnvError(`sub-env ${index} did not finish its ${kind} within stepTimeoutMs = ${this.timeoutMs} ms; its worker (hosting ${this.hosted}) was stopped`, index));
    void this.worker.terminate();
  }
}

/**
 * Steps sub-envs in `worker_threads`, in parallel. Sub-envs are built by id through the
 * registry inside each worker, so results equal SyncVectorEnv's for the same seeds.
 *
 * Failures: a sub-env that throws rejects the call with a VectorEnvError naming the first
 * failing sub-env (the others are stepped, as in SyncVectorEnv); a result that cannot be
 * sent between threads (a function in an observation or info) is reported the same way for
 * its sub-env. A worker that dies (exit, crash, or stopped after `stepTimeoutMs`) rejects
 * the call with a VectorEnvError naming the sub-env it was running. A dead worker is not
 * replaced (its sub-envs' states are lost): every later reset() or step() rejects with the
 * same error; close() and build a new vector env. The other workers keep running.
 */
export class AsyncVectorEnv<O = unknown, A = unknown> implements VectorEnv<O, A> {
  readonly numEnvs: number;
  readonly autoreset: AutoresetMode;
  readonly singleActionSpace: Space<A>;
  readonly singleObservationSpace: Space<O>;
  /** `batchSpace(singleActionSpace, numEnvs)`: `actionSpace.sample()` is a valid `step()` argument. */
  readonly actionSpace: Space<A[]>;
  /** `batchSpace(singleObservationSpace, numEnvs)`: contains what `reset()` and `step()` resolve to. */
  readonly observationSpace: Space<O[]>;
  readonly actionNames?: readonly string[];
  private readonly workers: WorkerHandle[] = [];
  /** Sub-env indices hosted by each worker. */
  private readonly slices: number[][] = [];
  private closed = false;

  constructor(readonly id: string, numEnvs: number, options: AsyncVectorEnvOptions = {}) {
    this.numEnvs = validateNumEnvs(numEnvs);
    this.autoreset = parseAutoreset(options.autoreset);
    const timeoutMs = options.stepTimeoutMs ?? DEFAULT_VECTOR_STEP_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || (Number.isFinite(timeoutMs) && timeoutMs > 2 ** 31 - 1)) {
      throw new InvalidOptionError(`stepTimeoutMs must be a number of ms in (0, ${2 ** 31 - 1}] or Infinity, got ${JSON.stringify(options.stepTimeoutMs)}`);
    }
    // A local copy gives the spaces and validates id and options before any thread starts.
    const probe = make<O, A>(id, options.options ?? {});
    this.singleActionSpace = probe.actionSpace;
    this.singleObservationSpace = probe.observationSpace;
    this.actionSpace = batchSpace(this.singleActionSpace, this.numEnvs);
    this.observationSpace = batchSpace(this.singleObservationSpace, this.numEnvs);
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
      }, indices, timeoutMs));
    }
  }

  private async gather(build: (w: number) => Record<string, unknown>): Promise<SubResult[]> {
    if (this.closed) throw new LmmGymError('vector env is closed');
    const replies = await Promise.allSettled(this.workers.map((h, w) => h.request(build(w))));
    const out: SubResult[] = new Array(this.numEnvs);
    // The failure reported is the one of the lowest sub-env index, whatever its kind.
    let failure: VectorEnvError | null = null;
    const consider = (e: VectorEnvError) => { if (!failure || e.envIndex < failure.envIndex) failure = e; };
    replies.forEach((reply, w) => {
      if (reply.status === 'rejected') {
        const e = reply.reason;
        consider(e instanceof VectorEnvError ? e : new VectorEnvError(`the worker hosting sub-env ${this.slices[w]![0]} failed: ${errorParts(e).message}`, this.slices[w]![0]!));
        return;
      }
      reply.value.forEach((r, j) => { out[this.slices[w]![j]!] = r; });
    });
    for (let i = 0; i < this.numEnvs; i++) {
      const e = out[i]?.error;
      if (e) consider(subEnvError(i, e.name, e.message));
    }
    if (failure) throw failure;
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
