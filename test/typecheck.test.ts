import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(__dirname, '..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

it('the whole project type-checks under strict TypeScript', () => {
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', root], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 180_000);

// test/typecheck/*.ts are compiled, not run: exact-type checks and `@ts-expect-error` lines
// that fail when a typing regresses (e.g. make('Sokoban-v0') back to Env<unknown, unknown>).
it('type-level tests: make() and makeVec() typed by the EnvRegistry map, register() checks factories, renderMode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmm-typecheck-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')], strict: true, noEmit: true, skipLibCheck: true,
        esModuleInterop: true, resolveJsonModule: true,
      },
      files: [join(root, 'test/typecheck/make-types.ts'), join(root, 'test/typecheck/parity-types.ts')],
    }));
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
