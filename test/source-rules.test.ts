// Issue 18: library code never spreads an array into a call's arguments (`Math.max(...xs)`,
// `out.push(...xs)`, `f.apply(null, xs)`): past ~100k elements that throws "Maximum call
// stack size exceeded". Use maxOf / minOf / pushAll (envs/core/arrays.ts) or a loop.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

const root = join(__dirname, '..');
const LIBRARY = ['index.ts', 'agents', 'envs', 'training', 'replays', 'serve', 'cli'];

function* sources(path: string): Generator<string> {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path)) yield* sources(join(path, name));
  } else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) yield path;
}

it('library code spreads no array into function arguments', () => {
  // A call whose argument list contains `...x` (object and array literals are fine).
  const spreadCall = /\b(?:Math\.(?:max|min|hypot)|\.push|\.unshift|String\.fromCharCode|String\.fromCodePoint|\.splice)\((?:[^()]*,\s*)?\.\.\.(?!\s*[{[])/;
  const apply = /\.apply\(\s*(?:null|undefined|this|Math|String)\b/;
  const found: string[] = [];
  for (const top of LIBRARY) {
    for (const file of sources(join(root, top))) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        const code = line.trim();
        if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
        if (spreadCall.test(line) || apply.test(line)) found.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  expect(found).toEqual([]);
});
