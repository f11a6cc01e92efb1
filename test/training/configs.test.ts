import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configHooks, loadTrainConfig } from '../../index.js';

// Every shipped config must pass validation (a broken example config fails here, not
// minutes into a user's run), and a shipped checkpoint (checkpoints/...) a config starts
// from must exist. Configs may also start from a run's output (runs/...), which the
// documented earlier run produces (e.g. the ablation starts from the pipeline's prime).
const root = join(__dirname, '../..');
function configFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? configFiles(p) : f.endsWith('.json') ? [p] : [];
  });
}

describe('shipped training configs', () => {
  const files = configFiles(join(root, 'configs'));
  it('there are several', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });
  it.each(files.map((f) => [f.slice(root.length + 1), f]))('%s validates', (_name, file) => {
    const config = loadTrainConfig(file, configHooks);
    expect(config.stages.length).toBeGreaterThan(0);
    const init = (config.model as { init?: string }).init;
    if (init?.startsWith('checkpoints/')) expect(statSync(join(root, init)).isDirectory()).toBe(true);
    else if (init) expect(init).toMatch(/^runs\//);
  });
});

// Issue 12 aim 3: the three arms of the Sokoban ablation (scripts/sokoban-ablation.sh) must
// get the same RL budget and recipe; only the observation mode of each update may differ.
describe('the Sokoban ablation arms', () => {
  const arm = (name: string) => loadTrainConfig(join(root, `configs/ablation/sokoban-${name}.json`), configHooks);
  const arms = { mgtOnly: arm('mgt-only'), freMgt: arm('fre-mgt'), caption: arm('caption') };
  // The observation mode of every update, in order.
  const modes = (c: ReturnType<typeof arm>) => c.stages.flatMap((s) => Array.from({ length: s.steps }, () => (s as { envs: { mode: string }[] }).envs[0]!.mode));
  // A stage without what may differ (its name, type, mode and length).
  const recipe = (s: ReturnType<typeof arm>['stages'][number]) => {
    const { name: _n, type: _t, steps: _s, envs, ...rest } = s as unknown as Record<string, unknown> & { envs: Record<string, unknown>[] };
    return { ...rest, envs: envs.map(({ mode: _m, ...e }) => e) };
  };
  it('have the same number of updates, from the same base, with the same recipe in every stage', () => {
    const all = Object.values(arms);
    for (const c of all) {
      expect(modes(c)).toHaveLength(48);
      expect(c.model).toEqual(arms.mgtOnly.model);
      expect(c.sampling).toEqual(arms.mgtOnly.sampling);
      for (const s of c.stages) expect(recipe(s)).toEqual(recipe(arms.mgtOnly.stages[0]!));
    }
  });
  it('differ in the observation modes: images only; text then images; text, caption, images', () => {
    const runs = (c: ReturnType<typeof arm>) => modes(c).reduce<[string, number][]>((acc, m) => { const last = acc[acc.length - 1]; if (last?.[0] === m) last[1]++; else acc.push([m, 1]); return acc; }, []);
    expect(runs(arms.mgtOnly)).toEqual([['image', 48]]);
    expect(runs(arms.freMgt)).toEqual([['text', 24], ['image', 24]]);
    expect(runs(arms.caption)).toEqual([['text', 16], ['image+caption', 16], ['image', 16]]);
  });
});
