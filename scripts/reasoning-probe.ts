// Probe what a Sokoban model has learnt, one ability at a time: on single states of
// held-out levels (never trained on), compare each field of its greedy compact reasoning
// with the oracle's: perception (P, B, T), planning (box route, push, walk) and the move.
//   npx tsx scripts/reasoning-probe.ts CHECKPOINT [--levels data/sokoban/test-6x6-1box.txt] [--states 300] [--style walls]
import { intFlag, parseCommandArgs } from '../cli/args.js';
import { initBackend, loadModel, modelInput } from '../agents/model/index.js';
import { OracleAgent } from '../agents/index.js';
import { LanguageEnv } from '../tasks/index.js';
import { make } from '../envs/index.js';
import { loadBoxobanFile } from '../envs/sokoban/index.js';

const { values, positionals } = parseCommandArgs(process.argv.slice(2), { levels: { type: 'string' }, states: { type: 'string' }, style: { type: 'string' } }, true);
const dir = positionals[0];
if (!dir) throw new Error('usage: reasoning-probe.ts CHECKPOINT [--levels FILE] [--states N] [--style walls]');
const levels = loadBoxobanFile(values.levels ?? 'data/sokoban/test-6x6-1box.txt');
const want = intFlag('states', values.states, 300);
await initBackend({ log: () => {} });
const model = await loadModel(dir, { trainable: false });
const [w, h] = [levels[0]!.width, levels[0]!.height];
const env = new LanguageEnv(make('Sokoban-v0', { width: w, height: h }), { mode: 'image', interaction: 'step', historyLength: 0, maxTurns: 100 });
// --style walls: the checkpoint was trained to name the inner walls too.
const oracle = new OracleAgent(values.style === 'walls' ? 'walls' : 'compact');
// States along the oracle's path through each test level (every other one).
const cases: { input: ReturnType<typeof modelInput>; label: string }[] = [];
for (let i = 0; cases.length < want && i < levels.length; i++) {
  let obs = env.reset({ seed: i, options: { level: levels[i] } }).observation;
  for (let t = 0; cases.length < want; t++) {
    const r = oracle.actSync(obs, { env: env.env });
    if (t % 2 === 0) cases.push({ input: modelInput(obs), label: r.text });
    const s = env.step(r.text);
    if (s.terminated || s.truncated) break;
    obs = s.observation;
  }
}
const gens = await model.generate(cases.map((c) => c.input), { temperature: 0, maxTokens: 128 });
const fields: [string, RegExp][] = [
  ['player', /P (\d,\d)/], ['boxes', / B ([\d, ]+?) T/], ['targets', / T ([\d, ]+?);/], ...(values.style === 'walls' ? [['walls', /; wall ([\d, a-z]+?);/] as [string, RegExp]] : []),
  ['box route', /; box ([\d, ]+?);/], ['push', /; (push \w+ from \d,\d)/], ['walk', /(; go [\w, ]+)?<\/think>/], ['move', /<answer>(.*?)<\/answer>/],
];
const pick = (t: string, re: RegExp) => { const m = re.exec(t); return m ? (m[1] ?? '') : null; };
const rows = fields.map(([name, re]) => {
  const ok = cases.filter((c, i) => { const a = pick(gens[i]!.text, re); return a !== null && a === pick(c.label, re); }).length;
  return `${name.padEnd(10)} ${(100 * ok / cases.length).toFixed(1).padStart(5)}%`;
});
const exact = cases.filter((c, i) => gens[i]!.text === c.label).length;
console.log(`${cases.length} held-out states of ${values.levels ?? 'data/sokoban/test-6x6-1box.txt'}, greedy, field = oracle's:\n${rows.join('\n')}\nwhole response ${(100 * exact / cases.length).toFixed(1)}%`);
if (process.env.SHOW) for (let i = 0; i < Number(process.env.SHOW); i++) console.log(`oracle ${cases[i]!.label}\nmodel  ${gens[i]!.text}\n`);
