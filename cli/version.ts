import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in lmm-gym's package.json (found from this file up: cli/ or dist/cli/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lmm-gym' && pkg.version) return pkg.version;
    } catch { /* no package.json here: go up */ }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
