// What `npm pack` ships (issue 14): the CommonJS entries and the types, the native addon's
// sources (built at install) but no build output, the checkpoints and data the shipped
// configs name, no internal notes, and no Markdown link that points outside the tarball.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
let files: string[] = [];

/** True when `path` is a packed file or a folder with packed files. */
const shipped = (path: string): boolean => files.includes(path) || files.some((f) => f.startsWith(`${path}/`));

describe('npm pack', () => {
  beforeAll(() => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  }, 120_000);

  it('has dist/ with the CommonJS entries and no docs/notes/', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cjs/index.cjs');
    expect(files).toContain('dist/cjs/envs.cjs');
    expect(files).toContain('docs/envs.md');
    expect(files.filter((f) => f.startsWith('docs/notes/'))).toEqual([]);
  });

  it('has the native addon sources that lmm-gym\'s install script builds, and no build output', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; optionalDependencies: Record<string, string> };
    expect(pkg.scripts.install).toBe('node native/tfjs-openblas/build.cjs');
    // The optional dependency is a folder inside the package, so in an install its link resolves.
    const spec = pkg.optionalDependencies['@lmm-gym/tfjs-openblas']!;
    expect(spec).toBe('file:native/tfjs-openblas');
    const binding = JSON.parse(readFileSync(join(ROOT, 'native/tfjs-openblas/binding.gyp'), 'utf8')) as { targets: { sources: string[] }[] };
    const needed = ['package.json', 'index.cjs', 'build.cjs', 'binding.gyp', ...binding.targets[0]!.sources].map((f) => `native/tfjs-openblas/${f}`);
    for (const f of needed) expect(files, f).toContain(f);
    // Every header the sources include ships too.
    for (const f of needed.filter((x) => x.endsWith('.c'))) {
      for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(/#include "([^"]+)"/g)) expect(files, `${f} includes ${m[1]}`).toContain(posix.join(posix.dirname(f), m[1]!));
    }
    expect(files.filter((f) => f.startsWith('native/tfjs-openblas/build/'))).toEqual([]);
  });

  it('has every checkpoint and data file that a shipped config names', () => {
    const configs = files.filter((f) => f.startsWith('configs/') && f.endsWith('.json'));
    expect(configs).toContain('configs/finetune.json');
    const named = new Set<string>();
    const walk = (v: unknown, key: string): void => {
      if (typeof v === 'string' && key !== 'description') {
        const m = /^(?:model:)?((?:checkpoints|data)\/.+)$/.exec(v);
        if (m) named.add(m[1]!.replace(/\/$/, ''));
      } else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) walk(x, k);
      }
    };
    for (const c of configs) walk(JSON.parse(readFileSync(join(ROOT, c), 'utf8')), '');
    expect([...named]).toEqual(expect.arrayContaining(['checkpoints/sokoban-agent', 'checkpoints/quick-agent', 'data/sokoban/test-6x6-1box.txt']));
    for (const path of named) expect(shipped(path), path).toBe(true);
    for (const ckpt of ['checkpoints/sokoban-agent', 'checkpoints/quick-agent']) {
      for (const f of ['model.json', 'tokenizer.json', 'weights.bin']) expect(files).toContain(`${ckpt}/${f}`);
    }
  });

  it('has no Markdown link or image that points at a file outside the tarball', () => {
    const dangling: string[] = [];
    const markdown = files.filter((f) => f.endsWith('.md'));
    expect(markdown).toContain('README.md');
    for (const f of markdown) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|<img[^>]*\ssrc="([^"]+)"/g)) {
        const target = (m[1] ?? m[2])!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // URLs, mailto:, anchors
        const path = posix.normalize(posix.join(posix.dirname(f), decodeURI(target.split('#')[0]!)));
        if (!shipped(path)) dangling.push(`${f} -> ${target}`);
      }
    }
    expect(dangling).toEqual([]);
  });
});
