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
