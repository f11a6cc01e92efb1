import { afterEach, describe, expect, it } from 'vitest';
import { AsyncVectorEnv, InvalidOptionError, ResetNeededError, SyncVectorEnv, VectorEnvError, type VectorEnv } from '../../index.js';

const open: VectorEnv[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((v) => v.close())); });

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
    await expect(v.step([0, 0])).rejects.toThrow(ResetNeededError);
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
