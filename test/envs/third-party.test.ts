import { afterAll, describe, expect, it } from 'vitest';
import { AsyncVectorEnv, SyncVectorEnv, checkEnv, listEnvs, make, unregister } from '../../index.js';
import '../../docs/examples/coin-collector.js';

afterAll(() => { unregister('CoinCollector-v0'); });

describe('the documented third-party env example', () => {
  it('registers, passes checkEnv and plays', () => {
    expect(listEnvs().map((e) => e.id)).toContain('CoinCollector-v0');
    expect(checkEnv(make('CoinCollector-v0', { length: 5 }))).toBeGreaterThan(10);
    const env = make('CoinCollector-v0');
    env.reset({ seed: 3 });
    expect(env.describe()).toMatch(/^Corridor: [.PC]{8}/);
    expect(() => make('CoinCollector-v0', { length: 1 })).toThrow(/length must be an integer >= 2/);
  });

  it('runs in worker threads when the module is named', async () => {
    const modules = [new URL('../../docs/examples/coin-collector.ts', import.meta.url).href];
    const a = new AsyncVectorEnv<number, number>('CoinCollector-v0', 2, { modules, numWorkers: 2 });
    const s = new SyncVectorEnv<number, number>('CoinCollector-v0', 2);
    try {
      expect((await a.reset({ seed: 4 })).observations).toEqual((await s.reset({ seed: 4 })).observations);
      expect((await a.step([1, 0])).observations).toEqual((await s.step([1, 0])).observations);
    } finally {
      await a.close();
      await s.close();
    }
  });
});
