// The source tree is layered: envs -> tasks -> agents -> training -> cli (replays sits beside
// tasks: it needs only envs; serve sits beside training). A module may import its own area and the areas below it,
// never one above it (nor a peer on the same rank): a lower layer must be usable without
// loading a higher one (e.g. the envs without the model's TensorFlow.js).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Areas by rank, lowest first. Areas on one rank are peers and may not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['envs'],
  ['tasks', 'replays'],
  ['agents'],
  // serve/ (the env server for external trainers) sits beside training/: envs, tasks, agents only.
  ['training', 'serve'],
  ['cli'],
  // Tools on top: they may use everything, including the root index.ts.
  ['bench', 'scripts', 'index.ts'],
];

const RANK = new Map<string, number>(LAYERS.flatMap((areas, rank) => areas.map((a) => [a, rank] as const)));

/** The area of a repo-relative path: its first segment (`index.ts` for the root index). */
function areaOf(relPath: string): string | null {
  const first = relPath.split(sep)[0]!.replace(/^index\.(js|ts)$/, 'index.ts');
  return RANK.has(first) ? first : null;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier of a file: static imports and re-exports, side-effect and dynamic imports (comments ignored). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** One line per import that runs against the layering: `file: imports 'spec' (area rank > own)`. */
function layerViolations(root: string): string[] {
  const problems: string[] = [];
  for (const [area] of RANK) {
    if (area === 'index.ts') continue;
    let files: string[];
    try {
      files = sourceFiles(join(root, area));
    } catch {
      continue; // area absent (synthetic trees in the self-test)
    }
    for (const file of files) {
      const rel = relative(root, file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue; // packages
        const targetRel = relative(root, resolve(dirname(file), spec));
        if (targetRel.startsWith('..')) continue;
        const target = areaOf(targetRel);
        if (target === null || target === area) continue;
        const own = RANK.get(area)!;
        const theirs = RANK.get(target)!;
        if (theirs >= own) {
          const name = (a: string): string => (a === 'index.ts' ? 'the root index.ts' : `${a}/`);
          const why = theirs === own ? `${name(target)} and ${name(area)} are peers` : `${name(target)} is above ${name(area)}`;
          problems.push(`${rel.split(sep).join('/')}: imports '${spec}' (${why})`);
        }
      }
    }
  }
  return problems.sort();
}

describe('layering envs -> tasks -> agents -> training -> cli', () => {
  it('no module imports a higher layer', () => {
    const root = join(__dirname, '..', '..');
    expect(layerViolations(root)).toEqual([]);
  });

  it('names the offending file and import', () => {
    const root = mkdtempSync(join(tmpdir(), 'lmm-layering-'));
    try {
      const write = (path: string, text: string): void => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      };
      write('envs/core/env.ts', "// import '../../agents/x.js' in a comment is ignored\nexport const a = 1;\n");
      write('envs/sokoban/game.ts', "import { composeReward } from '../../tasks/rewards/compose.js';\nimport { a } from '../core/env.js';\n");
      write('tasks/parse.ts', "import type { Agent } from '../agents/types.js';\nimport '../envs/index.js';\n");
      write('tasks/lazy.ts', "export const load = () => import('../training/index.js');\n");
      write('replays/x.ts', "export * from '../tasks/index.js';\n");
      write('agents/agent.ts', "import { LanguageEnv } from '../tasks/language-env.js';\nimport '../index.js';\n");
      write('training/run.ts', "import {\n  x,\n} from '../agents/agent.js';\n");
      expect(layerViolations(root)).toEqual([
        "agents/agent.ts: imports '../index.js' (the root index.ts is above agents/)",
        "envs/sokoban/game.ts: imports '../../tasks/rewards/compose.js' (tasks/ is above envs/)",
        "replays/x.ts: imports '../tasks/index.js' (tasks/ and replays/ are peers)",
        "tasks/lazy.ts: imports '../training/index.js' (training/ is above tasks/)",
        "tasks/parse.ts: imports '../agents/types.js' (agents/ is above tasks/)",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
