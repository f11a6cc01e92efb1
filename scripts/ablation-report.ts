// Summarise the ablation runs of scripts/ablation.sh: prints a Markdown table and writes
// runs/ablation/curves/*.png (copy them to docs/img/ for docs/results.md).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { armsTable, compareArms } from '../training/metrics/ablation.js';

const root = process.argv[2] ?? 'runs/ablation';
const runs = (prefix: string) => readdirSync(root).filter((d) => d.startsWith(prefix) && existsSync(join(root, d, 'metrics.jsonl'))).sort().map((d) => join(root, d));
const results = await compareArms([
  { label: 'FRE then MGT', runs: runs('fre-then-mgt-seed') },
  { label: 'MGT only (Direct-RL)', runs: runs('direct-rl-seed') },
], 'mgt', join(root, 'curves'));
console.log(armsTable(results));
