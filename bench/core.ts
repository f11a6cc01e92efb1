// Core benchmarks: FrozenLake steps/s with and without render(), and both vector envs
// with 1, 2 and 4 sub-envs (steps/s counts sub-env steps).
import { AsyncVectorEnv, SyncVectorEnv, make, type Env } from '../envs/index.js';
import { machine, rate, rateAsync, report } from './util.js';

function stepper(env: Env<number, number>, render: boolean): () => void {
  let a = 0;
  env.reset({ seed: 0 });
  return () => {
    const r = env.step(a = (a + 1) & 3);
    if (render) env.render();
    if (r.terminated || r.truncated) env.reset();
  };
}

export async function run(): Promise<void> {
  console.log(`machine: ${machine()}`);
  report('FrozenLake-v0 8x8 step (made env, no render)', rate(stepper(make('FrozenLake-v0', { map: '8x8' }), false)), 'steps/s');
  report('FrozenLake-v0 8x8 step + render() 128x128', rate(stepper(make('FrozenLake-v0', { map: '8x8' }), true)), 'steps/s');
  const textEnv = make<number, number>('FrozenLake-v0', { map: '8x8' });
  const textStep = stepper(textEnv, false);
  report('FrozenLake-v0 8x8 step + describe()', rate(() => { textStep(); textEnv.describe(); }), 'steps/s');
  for (const n of [1, 2, 4]) {
    const sync = new SyncVectorEnv<number, number>('FrozenLake-v0', n, { options: { map: '8x8' } });
    await sync.reset({ seed: 0 });
    const actions = Array.from({ length: n }, (_, i) => i % 4);
    report(`SyncVectorEnv x${n} (synchronous step)`, rate(() => { sync.step(actions); }) * n, 'steps/s');
    await sync.close();
    const asyncV = new AsyncVectorEnv<number, number>('FrozenLake-v0', n, { options: { map: '8x8' } });
    await asyncV.reset({ seed: 0 });
    report(`AsyncVectorEnv x${n} (worker_threads)`, (await rateAsync(async () => { await asyncV.step(actions); })) * n, 'steps/s');
    await asyncV.close();
  }
}
