// `npm run bench [-- section ...]`: runs the benchmark sections (bench/<section>.js, each
// exporting `run()`), printing one line per figure. Timing lives here, never in tests.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SECTIONS = ['core', 'sokoban', 'football', 'agents', 'replays', 'model', 'native', 'training', 'serve'];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((s) => !SECTIONS.includes(s));
  if (unknown.length) {
    console.error(`unknown bench section(s) ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  for (const section of wanted.length ? wanted : SECTIONS) {
    const url = new URL(`./${section}${ext}`, import.meta.url);
    if (!existsSync(fileURLToPath(url))) continue;
    console.log(`\n## ${section}`);
    const mod = (await import(url.href)) as { run(): Promise<void> };
    await mod.run();
  }
}

await main();
