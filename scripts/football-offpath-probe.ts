// Off-path probe for a Football drill (issue 12, aim 4). The academy drills are deterministic:
// every seed gives the same start state, so a held-out test set of seeds only varies the
// agent's own sampling. This probe asks whether a policy also works from states the
// oracle's traces never show: each episode first plays a scripted random prefix of k moves
// (k uniform in 1..maxPrefix, actions drawn from idle, the 8 directions, sprint, dribble and
// their releases: no pass, shot or slide), derived from the episode seed alone, so every
// agent receives the same hand-over state (paired). Episodes that end during the prefix (the
// ball ran out of play) are left out for every agent. The agent then has `--max-turns` turns.
//   npx tsx scripts/football-offpath-probe.ts --agent model:runs/football-drill/final --episodes 200
//   npx tsx scripts/football-offpath-probe.ts --agent random|oracle --episodes 200
// `--agent shot` answers shot every turn (the constant policy). `--agent replay` is blind: it
// plays the oracle's action sequence from the drill's start (recorded once, no prefix) by the
// turn number the prompt shows, whatever the frame (what a policy that reads only "Turn t."
// can do); `--agent replay-handover` counts the turns from the hand-over instead. `--stochastic` turns on the engine's kick and tackle noise (the seed then matters
// after the start; the start state is still the same for every seed). Also reported, over the agent's
// own turns: how often it answers `shot` when its team holds the ball and when it does not
// (a policy that reads the frame shoots with the ball and runs after it without), and how
// often its action is the one the oracle would take in that state. Two input ablations (the
// model's reliance on the clock vs the frame): `--turn-shift D` shows "Turn t+D" instead of
// "Turn t"; `--freeze-frame` shows the hand-over frame on every turn.
// Prints JSON: { agent, scenario, stochastic, handedOver, successes, rate, lo, hi, excluded, agree, shot }.
import { parseCommandArgs, intFlag } from '../cli/args.js';
import {
  formatAnswer, LanguageEnv, OracleAgent, RandomAgent, responseFromText, runEpisodes, wilsonInterval, ModelAgent,
  type Agent, type AgentContext, type AgentObservation, type AgentResponse,
} from '../agents/index.js';
import { make, type FootballEnv } from '../envs/index.js';
import { scriptedFootballAction } from '../envs/football/scripted.js';
import { Rng } from '../envs/core/rng.js';

const { values } = parseCommandArgs(process.argv.slice(2), {
  agent: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, scenario: { type: 'string' },
  'max-turns': { type: 'string' }, 'max-prefix': { type: 'string' }, temperature: { type: 'string' },
  stochastic: { type: 'boolean' }, 'turn-shift': { type: 'string' }, 'freeze-frame': { type: 'boolean' },
}, false);
const spec = values.agent ?? 'random';
const episodes = intFlag('episodes', values.episodes, 200);
const seed0 = intFlag('seed', values.seed, 1_000_000_000);
const maxTurns = intFlag('max-turns', values['max-turns'], 30);
const maxPrefix = intFlag('max-prefix', values['max-prefix'], 10);
const scenario = values.scenario ?? 'academy_empty_goal_close';
const temperature = Number(values.temperature ?? 0.5);
const turnShift = Number(values['turn-shift'] ?? 0);
const freezeFrame = !!values['freeze-frame'];
const envOptions = { scenario, ...(values.stochastic ? { stochastic: true } : {}) };

/** Idle, the 8 directions, sprint, release_direction, release_sprint, dribble, release_dribble. */
const PREFIX_ACTIONS = ['idle', 'left', 'top_left', 'top', 'top_right', 'right', 'bottom_right', 'bottom', 'bottom_left',
  'sprint', 'release_direction', 'release_sprint', 'dribble', 'release_dribble'];

/** The prefix of an episode: a function of its seed only. */
function prefixOf(seed: number): string[] {
  const rng = new Rng((seed * 7 + 12345) % Number.MAX_SAFE_INTEGER);
  const k = maxPrefix === 0 ? 0 : rng.intBetween(1, maxPrefix);
  return Array.from({ length: k }, () => rng.pick(PREFIX_ACTIONS));
}

const seeds = Array.from({ length: episodes }, (_, i) => seed0 + i);

/** The agent's own turns: [answered shot, the left team held the ball] counts. */
const shotStats = { withBall: 0, shotWithBall: 0, withoutBall: 0, shotWithoutBall: 0 };
/** The agent's own turns where its action is the oracle's for that state (answers that do not parse count as different). */
const agreeStats = { turns: 0, same: 0 };

/** Hand-over frame of each episode (for --freeze-frame). */
const firstFrame = new Map<number, AgentObservation['image']>();
/**
 * What the agent is shown on its own turns: `--turn-shift D` adds D to the turn number in the
 * prompt (the state is untouched: a policy that reads the clock instead of the frame goes
 * wrong), `--freeze-frame` shows the hand-over frame on every turn (the clock is right: a
 * policy that reads the frame goes wrong). The oracle reads the env, so neither affects it.
 */
function altered(o: AgentObservation, episode: number): AgentObservation {
  let out = o;
  if (turnShift !== 0) {
    const turn = Math.max(0, o.turn + turnShift);
    out = { ...out, turn, userPrompt: out.userPrompt.replace(/^Turn \d+\./, `Turn ${turn + 1}.`) };
  }
  if (freezeFrame && o.image) {
    if (!firstFrame.has(episode)) firstFrame.set(episode, o.image);
    out = { ...out, image: firstFrame.get(episode)! };
  }
  return out;
}

/** Plays the episode's prefix, then hands over to `inner` (on the altered observations). */
class PrefixAgent implements Agent {
  readonly name: string;
  readonly concurrency = 256;
  constructor(readonly inner: Agent) { this.name = `prefix+${inner.name}`; }
  async act(obs: AgentObservation, ctx?: AgentContext): Promise<AgentResponse> {
    return (await this.actBatch([obs], ctx ? [ctx] : []))[0]!;
  }
  async actBatch(obs: readonly AgentObservation[], ctx: readonly AgentContext[] = []): Promise<AgentResponse[]> {
    const out: (AgentResponse | null)[] = obs.map((o, i) => {
      const p = prefixOf(seeds[ctx[i]!.episode!]!);
      return o.turn < p.length ? responseFromText(formatAnswer('prefix', p[o.turn]!), o) : null; // obs.turn counts from 0
    });
    const rest = out.map((r, i) => (r ? -1 : i)).filter((i) => i >= 0);
    if (rest.length) {
      const shown = rest.map((i) => altered(obs[i]!, ctx[i]!.episode!));
      const rs = this.inner.actBatch
        ? await this.inner.actBatch(shown, rest.map((i) => ctx[i]!))
        : await Promise.all(rest.map((i, j) => this.inner.act(shown[j]!, ctx[i]!)));
      rest.forEach((i, j) => {
        out[i] = rs[j]!;
        const fenv = ctx[i]!.env!.unwrapped as FootballEnv;
        const held = fenv.raw().ball_owned_team === 0;
        agreeStats.turns++;
        if (rs[j]!.actions?.length === 1 && rs[j]!.actions[0] === scriptedFootballAction(fenv)) agreeStats.same++;
        const shot = rs[j]!.actions?.length === 1 && obs[i]!.actionNames[rs[j]!.actions[0]!] === 'shot';
        if (held) { shotStats.withBall++; if (shot) shotStats.shotWithBall++; } else { shotStats.withoutBall++; if (shot) shotStats.shotWithoutBall++; }
      });
    }
    return out as AgentResponse[];
  }
}

let inner: Agent;
if (spec === 'random') inner = new RandomAgent();
else if (spec === 'shot') inner = { name: 'shot', act: async (o: AgentObservation) => responseFromText(formatAnswer('shoot', 'shot'), o) };
else if (spec === 'oracle') inner = new OracleAgent('compact');
else if (spec === 'replay' || spec === 'replay-handover') {
  const env = make('Football-v0', { scenario }) as FootballEnv;
  env.reset({ seed: 0 });
  const seq: string[] = [];
  for (let t = 0; t < 400; t++) {
    const a = scriptedFootballAction(env);
    seq.push(env.actionNames[a]!);
    const r = env.step(a);
    if (r.terminated || r.truncated) break;
  }
  // replay: by the turn number the prompt shows; replay-handover: counted from the hand-over (knows the prefix length).
  const from = (o: AgentObservation, ctx?: AgentContext) => (spec === 'replay' ? o.turn : o.turn - prefixOf(seeds[ctx!.episode!]!).length);
  inner = { name: spec, act: async (o: AgentObservation, ctx?: AgentContext) => responseFromText(formatAnswer('replay', seq[Math.min(from(o, ctx), seq.length - 1)]!), o) };
}
else if (spec.startsWith('model:')) inner = await ModelAgent.load(spec.slice(6), { temperature, maxTokens: 48, seed: 0 });
else throw new Error(`--agent: random, oracle, shot, replay, replay-handover or model:DIR, got ${spec}`);

const envs = Array.from({ length: Math.min(episodes, 200) }, () => new LanguageEnv(make('Football-v0', envOptions), {
  mode: 'image', interaction: 'step', envId: 'Football-v0', maxTurns: maxPrefix + maxTurns, historyLength: 0,
}));
const results = await runEpisodes(new PrefixAgent(inner), envs, { seeds });
let handedOver = 0, successes = 0;
results.forEach((r, i) => {
  const k = prefixOf(seeds[i]!).length;
  if (r.turns.length <= k) return;                           // ended during the prefix
  const limit = k + maxTurns;
  handedOver++;
  if (r.success && r.turns.length <= limit) successes++;
});
const [lo, hi] = wilsonInterval(successes, handedOver);
console.log(JSON.stringify({ agent: spec, scenario, stochastic: !!values.stochastic, turnShift, freezeFrame, maxPrefix, maxTurns, episodes, seed: seed0, handedOver, excluded: episodes - handedOver, successes, rate: successes / handedOver, lo, hi,
  agree: { ...agreeStats, rate: agreeStats.same / agreeStats.turns },
  shot: { ...shotStats, rateWithBall: shotStats.shotWithBall / shotStats.withBall, rateWithoutBall: shotStats.shotWithoutBall / shotStats.withoutBall } }));
