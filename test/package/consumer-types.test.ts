// The shipped .d.ts under a consumer's full type-check (issue 14): a temporary project whose
// node_modules/lmm-gym links to this checkout (dist/ is built by the global setup) compiles
// a script with `strict`, `exactOptionalPropertyTypes` and `skipLibCheck: false`, using this
// repo's TypeScript. The consumer has @types/node and nothing else: no @types/seedrandom.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

const COMPILER_OPTIONS = {
  target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'],
  strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true,
};

let dir = '';
function typecheck(name: string, lines: string[], lib: string[] = ['ES2022']): string[] {
  writeFileSync(join(dir, `${name}.ts`), lines.join('\n') + '\n');
  writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...COMPILER_OPTIONS, lib }, files: [`${name}.ts`] }));
  const r = spawnSync(process.execPath, [TSC, '-p', join(dir, `tsconfig.${name}.json`)], { cwd: dir, encoding: 'utf8' });
  // One line per diagnostic (continuation lines are indented).
  return (r.stdout + r.stderr).split('\n').filter((l) => l && !l.startsWith(' '));
}

function* declarations(path: string): Generator<string> {
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    if (statSync(p).isDirectory()) yield* declarations(p);
    else if (name.endsWith('.d.ts')) yield p;
  }
}

describe('shipped type declarations', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lmm-consumer-types-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'lmm-gym'), 'dir');
    symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('import only runtime dependencies and node built-ins (no @types/seedrandom, no dev-only types)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies: Record<string, string> };
    const allowed = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies), 'lmm-gym']);
    const bad: string[] = [];
    for (const file of declarations(join(ROOT, 'dist'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, relative(ROOT, file)).not.toMatch(/reference types=/);
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!allowed.has(name)) bad.push(`${relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the envs, tasks, replays and serve subpaths pass a full strict check (exactOptionalPropertyTypes, skipLibCheck false)', () => {
    const errors = typecheck('subpaths', [
      "import { make, Rng, Wrapper, RewardWrapper, SyncVectorEnv, type Env, type RngState } from 'lmm-gym/envs';",
      "import { LanguageEnv } from 'lmm-gym/tasks';",
      "import { ReplayRecorder } from 'lmm-gym/replays';",
      "import { EnvService } from 'lmm-gym/serve';",
      "declare module 'lmm-gym/envs' {",
      "  interface EnvRegistry { 'Consumer-v0': Env<string, number> }",
      '}',
      "const own: string = make('Consumer-v0').reset().observation;",
      "const env = make('Sokoban-v0');",
      'env.reset({ seed: 1, options: undefined });',
      'const obs: Uint8Array = env.step(3).observation;',
      'class Clip<O, A> extends RewardWrapper<O, A> { reward(r: number): number { return Math.max(-1, Math.min(1, r)); } }',
      'const wrapped: Env<Uint8Array, number> = new Clip(new Wrapper(env));',
      'const names: readonly string[] | undefined = wrapped.actionNames;',
      "const vec = new SyncVectorEnv<number, number>('FrozenLake-v0', 2, { autoreset: undefined });",
      'const stepped = vec.stepSync([0, 1]).observations;',
      'const state: RngState = new Rng(3).state();',
      'const again = Rng.fromState(3, state).next();',
      'const lang = new LanguageEnv(make(\'FrozenLake-v0\'));',
      'export { own, obs, names, stepped, again, lang, ReplayRecorder, EnvService };',
    ]);
    expect(errors).toEqual([]);
  }, 120_000);

  it("the package root: no error in lmm-gym's declarations or in the consumer's script", () => {
    // The root also exports the agents and training, whose types use @tensorflow/tfjs; TensorFlow.js's
    // own .d.ts do not pass a full check (they need the DOM lib, `Long`, and fail under
    // exactOptionalPropertyTypes), so only those errors are tolerated here.
    const errors = typecheck('root', [
      "import { make, Wrapper, SyncVectorEnv, BaseEnv, Discrete, register, type Env, type Frame } from 'lmm-gym';",
      "import { RandomAgent } from 'lmm-gym/agents';",
      "declare module 'lmm-gym' {",
      "  interface EnvRegistry { 'Corridor-v0': Env<number, number> }",
      '}',
      'class Corridor extends BaseEnv<number, number> {',
      '  readonly actionSpace = new Discrete(2);',
      '  readonly observationSpace = new Discrete(4);',
      '  constructor(readonly length: number) { super(); }',
      '  protected onReset() { return { observation: 0, info: {} }; }',
      '  protected onStep(a: number) { return { observation: a, reward: 0, terminated: false, truncated: false, info: {} }; }',
      "  render(): Frame { throw new Error('not drawn'); }",
      "  describe(): string { return ''; }",
      '}',
      "register('Corridor-v0', (o) => new Corridor(o.length), { description: 'c', options: { length: 4 } });",
      "const c: number = make('Corridor-v0').step(1).observation;",
      "const w: Env<Uint8Array, number> = new Wrapper(make('Sokoban-v0'));",
      "const vec = new SyncVectorEnv<Uint8Array, number>('Sokoban-v0', 2);",
      'const agent = new RandomAgent(0);',
      'export { c, w, vec, agent };',
    ], ['ES2022', 'DOM']);
    const ours = errors.filter((l) => !/node_modules[\\/]@(?:tensorflow|webgpu)[\\/]/.test(l));
    expect(ours).toEqual([]);
  }, 120_000);
});
