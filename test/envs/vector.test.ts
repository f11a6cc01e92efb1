import { afterEach, describe, expect, it } from 'vitest';
import {
  AsyncVectorEnv, Batch, Box, FrameStackObservation, InvalidOptionError, MultiDiscrete, RecordEpisodeStatistics, RegistryError,
  ResetNeededError, SyncVectorEnv, VectorEnvError, makeVec, type VectorEnv,
} from '../../index.js';
import './fixtures/faulty-env.js';

const open: VectorEnv[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((v) => v.close())); });

/** The error a call throws (SyncVectorEnv) or rejects with (AsyncVectorEnv). */
async function caught(call: () => unknown): Promise<any> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

async function trajectory(v: VectorEnv<number, number>, steps: number) {
  const log: unknown[] = [(await v.reset({ seed: 10 })).observations];
  for (let t = 0; t < steps; t++) {
    const r = await v.step(Array.from({ length: v.numEnvs }, (_, i) => (t + i) % 4));
    log.push([r.observations, Array.from(r.rewards), r.terminated, r.truncated]);
  }
  return log;
}

describe('vector envs', () => {
  it('next-step autoreset: the step after the end returns the reset observation with reward 0', async () => {
    const v = new SyncVectorEnv<number, number>('FrozenLake-v0', 1, { options: { slippery: false } });
    await v.reset({ seed: 0 });
    await v.step([1]); // down -> 4
    const end = await v.step([2]); // right -> hole at 5
    expect(end.terminated).toEqual([true]);
    expect(end.observations).toEqual([5]);
    const after = await v.step([2]); // action ignored: reset
    expect(after.observations).toEqual([0]);
    expect(Array.from(after.rewards)).toEqual([0]);
    expect(after.terminated).toEqual([false]);
  });

  it('same-step autoreset puts the final observation in info', async () => {
    const v = new SyncVectorEnv<number, number>('FrozenLake-v0', 1, { options: { slippery: false }, autoreset: 'same-step' });
    await v.reset({ seed: 0 });
    await v.step([1]);
    const end = await v.step([2]);
    expect(end.terminated).toEqual([true]);
    expect(end.observations).toEqual([0]);
    expect(end.infos[0]).toMatchObject({ finalObservation: 5 });
  });

  it('disabled autoreset needs reset with a mask', async () => {
    const v = new SyncVectorEnv<number, number>('FrozenLake-v0', 2, { options: { slippery: false }, autoreset: 'disabled' });
    await v.reset({ seed: 0 });
    await v.step([1, 0]);
    await v.step([2, 0]);
    let e: any = null;
    try { v.step([0, 0]); } catch (x) { e = x; } // synchronous: it throws, no promise
    expect(e).toBeInstanceOf(VectorEnvError);
    expect(e.envIndex).toBe(0);
    expect(e.cause).toBeInstanceOf(ResetNeededError);
    const r = await v.reset({ mask: [true, false] });
    expect(r.observations[0]).toBe(0);
    expect((await v.step([0, 0])).observations).toEqual([0, 0]);
  });

  it('async (worker_threads) equals sync for the same seeds', async () => {
    const sync = new SyncVectorEnv<number, number>('FrozenLake-v0', 3, { options: { map: '8x8' } });
    const asyncV = new AsyncVectorEnv<number, number>('FrozenLake-v0', 3, { options: { map: '8x8' }, numWorkers: 2 });
    open.push(sync, asyncV);
    expect(await trajectory(asyncV, 60)).toEqual(await trajectory(sync, 60));
  });

  it('reports a bad action and a dead worker without hanging the others', async () => {
    const v = new AsyncVectorEnv<number, number>('FrozenLake-v0', 2, { numWorkers: 2 });
    open.push(v);
    await v.reset({ seed: 1 });
    await expect(v.step([0, 9])).rejects.toThrow(/sub-env 1 failed: InvalidActionError/);
    await v.crashWorkerForTesting(1);
    await expect(v.step([0, 0])).rejects.toThrow(VectorEnvError);
    await expect(v.step([0, 0])).rejects.toThrow(/sub-env 1 .*exited/);
  });

  it('validates its arguments', () => {
    expect(() => new SyncVectorEnv('FrozenLake-v0', 0)).toThrow(InvalidOptionError);
    expect(() => new SyncVectorEnv('FrozenLake-v0', 2, { autoreset: 'sometimes' as never })).toThrow(/next-step, same-step, disabled/);
    expect(() => new AsyncVectorEnv('Missing-v0', 2)).toThrow(/unknown env id/);
  });
});

describe('vector env failures (issue 18)', () => {
  const modules = [new URL('./fixtures/faulty-env.ts', import.meta.url).href];
  const OK = 0, THROW = 1, LOOP = 2, EXIT = 3, UNCLONEABLE = 4;
  const pair = (n: number, extra: object = {}) => {
    const sync = new SyncVectorEnv<unknown, number>('Faulty-v0', n);
    const asyncV = new AsyncVectorEnv<unknown, number>('Faulty-v0', n, { modules, numWorkers: 2, ...extra });
    open.push(sync, asyncV);
    return { sync, asyncV };
  };

  it('a sub-env that throws: the same VectorEnvError (index, message) in sync and async, and identical states after it', async () => {
    const { sync, asyncV } = pair(4);
    expect((await asyncV.reset({ seed: 5 })).observations).toEqual((await sync.reset({ seed: 5 })).observations);
    const es = await caught(() => sync.step([OK, THROW, OK, THROW]));
    const ea = await asyncV.step([OK, THROW, OK, THROW]).catch((x) => x);
    for (const e of [es, ea]) {
      expect(e).toBeInstanceOf(VectorEnvError);
      expect(e.envIndex).toBe(1);
      expect(e.message).toBe('sub-env 1 failed: Error: boom');
    }
    expect(es.cause).toBeInstanceOf(Error);
    // The later sub-envs were stepped in both: the next step agrees everywhere.
    const a = await asyncV.step([OK, OK, OK, OK]);
    const s = await sync.step([OK, OK, OK, OK]);
    expect(a.observations).toEqual(s.observations);
    const start = (await sync.reset({ seed: 5 })).observations as number[];
    expect(s.observations).toEqual([start[0]! + 2, start[1]! + 1, start[2]! + 2, start[3]! + 1]);
    // A bad action is reported the same way too.
    const bad = [await caught(() => sync.step([OK, OK, 9, OK])), await caught(() => asyncV.step([OK, OK, 9, OK]))];
    expect(bad.map((e) => [e.constructor.name, e.envIndex, e.message.split(':').slice(0, 2).join(':')])).toEqual([
      ['VectorEnvError', 2, 'sub-env 2 failed: InvalidActionError'], ['VectorEnvError', 2, 'sub-env 2 failed: InvalidActionError'],
    ]);
  });

  it('process.exit in sub-env 3 is reported as sub-env 3; the dead worker is not replaced', async () => {
    const asyncV = new AsyncVectorEnv<unknown, number>('Faulty-v0', 4, { modules, numWorkers: 2 }); // workers: [0, 2], [1, 3]
    open.push(asyncV);
    await asyncV.reset({ seed: 1 });
    const e = await asyncV.step([OK, OK, OK, EXIT]).catch((x) => x);
    expect(e).toBeInstanceOf(VectorEnvError);
    expect(e.envIndex).toBe(3);
    expect(e.message).toBe('sub-env 3 failed: its worker (hosting sub-envs 1, 3) exited (code 7) while running it');
    // Documented policy: every later call rejects with the same error, reset included.
    expect(await asyncV.step([OK, OK, OK, OK]).catch((x) => x)).toBe(e);
    expect(await asyncV.reset({ seed: 1 }).catch((x) => x)).toBe(e);
  });

  it('a looping sub-env fails the call after stepTimeoutMs, naming it', async () => {
    const asyncV = new AsyncVectorEnv<unknown, number>('Faulty-v0', 4, { modules, numWorkers: 2, stepTimeoutMs: 300 });
    open.push(asyncV);
    await asyncV.reset({ seed: 1 });
    const e = await asyncV.step([OK, OK, LOOP, OK]).catch((x) => x);
    expect(e).toBeInstanceOf(VectorEnvError);
    expect(e.envIndex).toBe(2);
    expect(e.message).toBe('sub-env 2 did not finish its step within stepTimeoutMs = 300 ms; its worker (hosting sub-envs 0, 2) was stopped');
    expect(await asyncV.step([OK, OK, OK, OK]).catch((x) => x)).toBe(e);
    expect(() => new AsyncVectorEnv('Faulty-v0', 2, { modules, stepTimeoutMs: -1 })).toThrow(/stepTimeoutMs/);
  });

  it('a non-cloneable observation names the sub-env and the cause; the worker keeps running', async () => {
    const asyncV = new AsyncVectorEnv<unknown, number>('Faulty-v0', 2, { modules, numWorkers: 1 });
    open.push(asyncV);
    const start = (await asyncV.reset({ seed: 2 })).observations as number[];
    const e = await asyncV.step([OK, UNCLONEABLE]).catch((x) => x);
    expect(e).toBeInstanceOf(VectorEnvError);
    expect(e.envIndex).toBe(1);
    expect(e.message).toMatch(/^sub-env 1 failed: DataCloneError: its step result cannot be sent from the worker thread \(.*could not be cloned.*\); AsyncVectorEnv needs observations and infos made of structured-cloneable data/);
    expect(e.message).not.toContain('undefined');
    expect((await asyncV.step([OK, OK])).observations).toEqual([start[0]! + 2, start[1]! + 2]);
  });
});

describe('Gymnasium parity: synchronous SyncVectorEnv, batched spaces, makeVec (issue 14)', () => {
  it('SyncVectorEnv answers synchronously; its batched spaces hold what it takes and returns', () => {
    const v = makeVec('FrozenLake-v0', 3, { options: { map: '8x8' } });
    expect(v).toBeInstanceOf(SyncVectorEnv);
    const r = v.reset({ seed: 4 });
    expect(r).not.toBeInstanceOf(Promise);
    expect(v.actionSpace).toBeInstanceOf(MultiDiscrete);
    expect(v.actionSpace.toJSON()).toEqual({ type: 'MultiDiscrete', nvec: [4, 4, 4] });
    expect(v.observationSpace.toJSON()).toEqual({ type: 'MultiDiscrete', nvec: [64, 64, 64] });
    expect(v.observationSpace.contains(r.observations)).toBe(true);
    v.actionSpace.seed(1);
    for (let t = 0; t < 30; t++) {
      const s = v.step(v.actionSpace.sample());
      expect(s).not.toBeInstanceOf(Promise);
      expect(v.observationSpace.contains(s.observations)).toBe(true);
    }
    v.close();
  });

  it('same seeds, same sampled actions: the same trajectory (determinism)', () => {
    const run = () => {
      const v = makeVec('FrozenLake-v0', 2);
      const log: unknown[] = [v.reset({ seed: 21 }).observations];
      v.actionSpace.seed(5);
      for (let t = 0; t < 40; t++) {
        const s = v.step(v.actionSpace.sample());
        log.push(s.observations, Array.from(s.rewards), s.terminated, s.truncated);
      }
      return log;
    };
    expect(run()).toEqual(run());
  });

  it('Box observations batch to arrays of n members (Sokoban); wrap applies a wrapper per sub-env', () => {
    const v = makeVec('Sokoban-v0', 2, { wrap: (env) => new FrameStackObservation(env, 2) });
    const space = v.observationSpace as Batch<ArrayLike<number>>;
    expect(space).toBeInstanceOf(Batch);
    const single = v.singleObservationSpace as unknown as Box;
    expect(space.shape).toEqual([2, ...single.shape]);
    expect(single.shape[0]).toBe(2); // the stacked frames
    const r = v.reset({ seed: 3 });
    expect(space.contains(r.observations)).toBe(true);
    expect(space.contains(v.step([1, 2]).observations)).toBe(true);
  });

  it('wrap with RecordEpisodeStatistics: each sub-env reports its finished episodes', () => {
    const v = makeVec('FrozenLake-v0', 2, { options: { slippery: false }, wrap: (env, i) => new RecordEpisodeStatistics(env, { statsKey: `ep${i}` }) });
    v.reset({ seed: 0 });
    v.step([1, 2]); // sub-env 0: down to 4; sub-env 1: right to 1
    const s = v.step([2, 1]); // sub-env 0: right into the hole at 5; sub-env 1: down into the hole at 5
    expect(s.terminated).toEqual([true, true]);
    expect(s.infos[0]!.ep0).toMatchObject({ r: 0, l: 2 });
    expect(s.infos[1]!.ep1).toMatchObject({ r: 0, l: 2 });
  });

  it('async mode equals sync mode', async () => {
    const a = makeVec('FrozenLake-v0', 2, { vectorizationMode: 'async', numWorkers: 1 });
    open.push(a);
    expect(a).toBeInstanceOf(AsyncVectorEnv);
    expect(a.actionSpace.toJSON()).toEqual({ type: 'MultiDiscrete', nvec: [4, 4] });
    const s = makeVec('FrozenLake-v0', 2);
    expect((await a.reset({ seed: 8 })).observations).toEqual(s.reset({ seed: 8 }).observations);
    for (let t = 0; t < 10; t++) {
      const actions = [t % 4, (t * 3) % 4];
      expect((await a.step(actions)).observations).toEqual(s.step(actions).observations);
    }
    // Code written for any VectorEnv awaits; that works for the synchronous one too.
    const any: VectorEnv<number, number> = s;
    expect((await any.step([0, 0])).observations).toHaveLength(2);
  });

  it('refuses bad input before building anything', () => {
    expect(() => makeVec('FrozenLake-v0', 0)).toThrow(InvalidOptionError);
    expect(() => makeVec('FrozenLake-v0', 1.5)).toThrow(/numEnvs must be a positive integer/);
    expect(() => makeVec('Missing-v0', 2)).toThrow(RegistryError);
    expect(() => makeVec('FrozenLake-v0', 2, { numWorkers: 2 } as never)).toThrow(/unknown makeVec option "numWorkers" for vectorizationMode "sync"/);
    expect(() => makeVec('FrozenLake-v0', 2, { vectorizationMode: 'async', wrap: (e: unknown) => e } as never)).toThrow(/wrap needs vectorizationMode "sync"/);
    expect(() => makeVec('FrozenLake-v0', 2, { vectorizationMode: 'threads' } as never)).toThrow(/vectorizationMode must be "sync" or "async"/);
    expect(() => makeVec('FrozenLake-v0', 2, { options: { slipery: true } })).toThrow(/unknown option "slipery"/);
  });
});
