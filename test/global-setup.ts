// Build dist/ once before the tests: the CLI tests run the real `lmm-gym` binary.
// tsc emits even when a file has type errors; those are reported by test/typecheck.test.ts,
// so a type error in one area does not stop every other area's tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) console.warn(`[global-setup] build reported problems (see typecheck test):\n${(r.stdout + r.stderr).slice(0, 2000)}`);
}
