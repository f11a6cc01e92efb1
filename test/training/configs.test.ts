import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configHooks, loadTrainConfig } from '../../index.js';

// Every shipped config must pass validation (a broken example config fails here, not
// minutes into a user's run), and every checkpoint a config starts from must exist.
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
    if (init) expect(statSync(join(root, init)).isDirectory()).toBe(true);
  });
});
