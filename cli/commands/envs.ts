import { listEnvs } from '../../envs/index.js';
import { parseCommandArgs } from '../args.js';
import { maxOf } from '../../envs/core/arrays.js';

/** `lmm-gym envs [--json]`: the registered envs, one line each. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    console.log('usage: lmm-gym envs [--json]\nLists the registered envs with a line of description each.');
    return 0;
  }
  const envs = listEnvs();
  if (values.json) {
    console.log(JSON.stringify(envs.map((e) => ({ id: e.id, description: e.description, options: e.options, maxEpisodeSteps: e.maxEpisodeSteps, tags: e.tags })), null, 2));
    return 0;
  }
  const width = maxOf(envs.map((e) => e.id.length));
  for (const e of envs) console.log(`${e.id.padEnd(width)}  ${e.description}`);
  return 0;
}
