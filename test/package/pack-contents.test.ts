// What `npm pack` ships (issue 14): the CommonJS entries and the types, not the internal notes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

it('the tarball has dist/ with the CommonJS entries and no docs/notes/', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  expect(files).toContain('dist/index.js');
  expect(files).toContain('dist/index.d.ts');
  expect(files).toContain('dist/cjs/index.cjs');
  expect(files).toContain('dist/cjs/envs.cjs');
  expect(files).toContain('docs/envs.md');
  expect(files.filter((f) => f.startsWith('docs/notes/'))).toEqual([]);
}, 60_000);
