// Priming probe (issue 12): SFT of a fresh small model on compact step-mode oracle traces from
// images, with a field-by-field probe on held-out states and a closed-loop eval every N steps.
//   npx tsx scripts/priming-probe.ts episodes=4000 steps=1600 every=200 evaln=40 out=runs/probe
// (key=value arguments: lr, batch, hist, w, boxes, layers, init, grow (layers after growing init), image (image size: a fresh
// model's, or init grown to it, e.g. image=56 for 7x7 rooms at 8 px per tile); fresh=1 draws new oracle traces
// every chunk; keep=1 saves a checkpoint per chunk as OUT-sSTEPS; maxtok=N response tokens (default 128); dagger=N adds DAgger examples from N learner episodes per chunk at temperature
// dtemp (default 0.5) on levels of at least dmin optimal moves (default any) and reports the learner's wins on those training levels; evaln=0 skips eval;
// modes=image,text,image+caption draws oracle traces in each mode (and probes each); maxseq=N lengthens an ALiBi model's context;
// ent=B adds a confidence penalty: the loss is NLL - B x mean entropy per response token, PrimeOptions.entropyBonus).
import { initBackend, LmmModel, Tokenizer, ModelAgent, saveModel, growDepth, growImage } from '../agents/model/index.js';
import { evaluateAgent } from '../agents/index.js';
import { generateSftTraces } from '../agents/traces.js';
import { examplesFromTraces } from '../training/priming/traces.js';
import { primeModel } from '../training/priming/sft.js';
import { createAdam } from '../agents/model/backend.js';
import { collectDaggerExamples } from '../training/priming/dagger.js';
import type { SftExample } from '../training/priming/types.js';
import type { OracleStyle } from '../agents/oracles/oracle.js';
import type { ObservationMode } from '../envs/core/wrappers/observation-mode.js';
import { usesAlibi, validateConfig } from '../agents/model/config.js';
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const EP = Number(args.episodes ?? 3000), STEPS = Number(args.steps ?? 600), LR = Number(args.lr ?? 3e-4), BATCH = Number(args.batch ?? 32);
const EVERY = Number(args.every ?? 200), HIST = Number(args.hist ?? 0), EVALN = Number(args.evaln ?? 60);
// style=walls: the oracle also names the inner walls (agents/oracles/oracle.ts); default compact.
const STYLE = (args.style ?? 'compact') as OracleStyle;
// maxtok: the response budget of DAgger, probe and eval generations (7x7/2 walls reasoning: 4% of states need > 128 tokens, max ~156).
const MAX_TOKENS = Number(args.maxtok ?? 128);
// listwalls=1: text views (text, image+caption) also list the inner walls (Sokoban option listWalls).
const ENV = { width: Number(args.w ?? 6), height: Number(args.w ?? 6), boxes: Number(args.boxes ?? 1), ...(args.listwalls === '1' ? { listWalls: true } : {}) };
await initBackend();
let t0 = performance.now();
const HELD_OUT = { ...ENV, heldOut: ENV.boxes === 1 ? 'data/sokoban/test-6x6-1box.txt' : 'data/sokoban/test-7x7-2box.txt' };
// modes=image,text,image+caption: oracle traces in each observation mode (EP episodes each; default image only).
const MODES = (args.modes ?? 'image').split(',') as ObservationMode[];
const oracleTraces = (seed: number) => generateSftTraces(MODES.map((mode) => ({ envId: 'Sokoban-v0', envOptions: HELD_OUT, episodes: EP, mode, interaction: 'step' as const, reasoning: STYLE, language: { historyLength: HIST, maxTurns: 30 } })), { seed });
const traces = oracleTraces(Number(args.seed ?? 1000));
console.log(`traces ${traces.length} from ${EP} episodes in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
console.log(traces[0]!.userPrompt, '\n', traces[0]!.response);
let ex: SftExample[] = examplesFromTraces(traces);
const daggerPool: SftExample[] = [];
const tok = Tokenizer.build(ex.flatMap((e) => [e.prompt, e.response]));
const overrides = { ...(args.layers ? { nLayers: Number(args.layers) } : {}), ...(args.image ? { imageSize: Number(args.image) } : {}) };
const model = args.init ? (await import('../agents/model/checkpoint.js')).loadModel(args.init, { trainable: true }) : LmmModel.create({ tokenizer: tok, preset: 'small', seed: 1, config: overrides });
let m = await model;
// maxseq=N: a longer context for an ALiBi model (no position parameters, so the weights are unchanged), e.g. for text prompts.
if (args.maxseq) {
  if (!usesAlibi(m.config)) throw new Error('maxseq= needs an ALiBi model');
  (m.config as { maxSeq: number }).maxSeq = validateConfig({ ...m.config, maxSeq: Number(args.maxseq) }).maxSeq;
}
// grow=N: continue with N layers, the new blocks function-preserving (agents/model/grow.ts).
if (args.grow) { const g = await growDepth(m, Number(args.grow)); m.dispose(); m = g; }
if (args.image && m.config.imageSize < Number(args.image)) { const g = await growImage(m, Number(args.image)); m.dispose(); m = g; }
console.log('params', m.parameterCount, 'vocab', m.tokenizer.size, 'prompt tokens', m.tokenizer.encode(ex[0]!.prompt).length, 'resp tokens', m.tokenizer.encode(ex[0]!.response).length);
// The field probe: held-out states in each trained mode (same states in every mode).
const probes = MODES.map((mode) => ({ mode, examples: examplesFromTraces(generateSftTraces([{ envId: 'Sokoban-v0', envOptions: ENV, episodes: 40, mode, interaction: 'step', reasoning: STYLE, language: { historyLength: HIST, maxTurns: 30 } }], { seed: 2_000_000_000 })).filter((_, i) => i % 2 === 0).slice(0, 120) }));
const opt = await createAdam(LR);
const daggerRound = async (chunk: number): Promise<void> => {
  const t = performance.now();
  const learner = new ModelAgent(m, { temperature: Number(args.dtemp ?? 0.5), maxTokens: MAX_TOKENS, seed: chunk + 1 });
  const d = await collectDaggerExamples(learner, [{ envId: 'Sokoban-v0', envOptions: { ...HELD_OUT, ...(args.dmin ? { minSolutionLength: Number(args.dmin) } : {}) }, mode: 'image', maxTurns: 30, historyLength: HIST, episodes: Number(args.dagger), seed: Number(args.dseed ?? 300_000_000) + (chunk + 1) * 100_000, reasoning: STYLE }]);
  daggerPool.push(...d.examples);
  if (daggerPool.length > 40_000) daggerPool.splice(0, daggerPool.length - 40_000);
  console.log(`  dagger learner wins ${d.learnerWins}/${d.episodes} disagree ${(d.disagreements / Math.max(1, d.turns) * 100).toFixed(0)}% of ${d.turns} turns, pool ${daggerPool.length} (${((performance.now() - t) / 1000).toFixed(1)}s)`);
};
// daggerFirst=1: a DAgger round before the first chunk (when continuing from a checkpoint).
if (args.dagger && args.daggerFirst) await daggerRound(-1);
for (let done = 0, chunk = 0; done < STEPS; done += EVERY, chunk++) {
  if (chunk > 0 && args.fresh) ex = examplesFromTraces(oracleTraces(Number(args.seed ?? 1000) + chunk * 7919 * EP));
  if (daggerPool.length) ex = ex.concat(daggerPool);
  t0 = performance.now();
  const r = await primeModel(m, ex, { steps: Math.min(EVERY, STEPS - done), batchSize: BATCH, learningRate: LR, warmupSteps: done === 0 ? 30 : 0, optimizer: opt, progress: false, seed: done, entropyBonus: Number(args.ent ?? 0) });
  const l = r.losses; const tail = l.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, l.length);
  console.log(`step ${done + r.steps} loss ${tail.toFixed(4)} ${(r.steps / r.seconds).toFixed(2)} steps/s ${(r.tokens / r.seconds).toFixed(0)} tok/s`);
  // Perception / planning probe: greedy answers on held-out single states vs the oracle's.
  for (const { mode, examples: probe } of probes) {
    const gens = await m.generate(probe.map((e) => ({ prompt: e.prompt, image: e.image ?? null })), { temperature: 0, maxTokens: MAX_TOKENS });
    const part = (t: string, re: RegExp) => (re.exec(t)?.[1] ?? '?');
    const fields: [string, RegExp][] = [['P', /P (\d,\d)/], ['B', /B ([\d, ]+) T/], ['T', /T ([\d, ]+);/], ['push', /; (.*)<\/think>/], ['ans', /<answer>(.*)<\/answer>/]];
    const acc = fields.map(([name, re]) => `${name} ${(probe.filter((e, i) => part(gens[i]!.text, re) === part(e.response, re)).length / probe.length * 100).toFixed(0)}%`);
    console.log(`  probe${MODES.length > 1 ? ` ${mode}` : ''}`, acc.join(' '));
  }
  if (args.dagger && done + EVERY < STEPS) await daggerRound(chunk);
  if (args.out) await saveModel(m, args.out);
  // keep=1: also a copy per chunk (OUT-sSTEPS), to evaluate the curve afterwards.
  if (args.out && args.keep) await saveModel(m, `${args.out}-s${done + r.steps}`);
  if (EVALN === 0) continue;
  const agent = new ModelAgent(m, { temperature: 0, maxTokens: MAX_TOKENS });
  t0 = performance.now();
  const rep = await evaluateAgent({ envId: 'Sokoban-v0', envOptions: ENV, agent, episodes: EVALN, seed: 2_000_000_000, mode: 'image', interaction: 'step', language: { historyLength: HIST, maxTurns: 30 }, parallel: EVALN, keepResponses: true });
  const first = rep.perEpisode[0]!.trace!.slice(0, 2).map((t) => t.response).join(' | ');
  console.log(`  eval success ${rep.successes}/${rep.episodes} format ${rep.formatValidRate.toFixed(2)} (${((performance.now() - t0) / 1000).toFixed(1)}s) ${first}`);
}
