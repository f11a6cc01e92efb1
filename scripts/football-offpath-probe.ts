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
// `--agent shot` answers shot every turn (the constant policy). Also reported, over the agent's
// own turns: how often it answers `shot` when its team holds the ball and when it does not
// (a policy that reads the frame shoots with the ball and runs after it without).
// Prints JSON: { agent, scenario, handedOver, successes, rate, lo, hi, excluded, shot }.
import { parseCommandArgs, intFlag } from '../cli/args.js';
import {
  formatAnswer, LanguageEnv, OracleAgent, RandomAgent, responseFromText, runEpisodes, wilsonInterval, ModelAgent,
  type Agent, type AgentContext, type AgentObservation, type AgentResponse,
} from '../agents/index.js';
import { make, type FootballEnv } from '../envs/index.js';
import { Rng } from '../envs/core/rng.js';

const { values } = parseCommandArgs(process.argv.slice(2), {
  agent: { type: 'string' }, episodes: { type: 'string' }, seed: { type: 'string' }, scenario: { type: 'string' },
  'max-turns': { type: 'string' }, 'max-prefix': { type: 'string' }, temperature: { type: 'string' },
}, false);
const spec = values.agent ?? 'random';
const episodes = intFlag('episodes', values.episodes, 200);
const seed0 = intFlag('seed', values.seed, 1_000_000_000);
const maxTurns = intFlag('max-turns', values['max-turns'], 30);
const maxPrefix = intFlag('max-prefix', values['max-prefix'], 10);
const scenario = values.scenario ?? 'academy_empty_goal_close';
const temperature = Number(values.temperature ?? 0.5);

/** Idle, the 8 directions, sprint, release_direction, release_sprint, dribble, release_dribble. */
const PREFIX_ACTIONS = ['idle', 'left', 'top_left', 'top', 'top_right', 'right', 'bottom_right', 'bottom', 'bottom_left',
  'sprint', 'release_direction', 'release_sprint', 'dribble', 'release_dribble'];

/** The prefix of an episode: a function of its seed only. */
export function prefixOf(seed: number): string[] {
  const rng = new Rng((seed * 7 + 12345) % Number.MAX_SAFE_INTEGER);
  const k = maxPrefix === 0 ? 0 : rng.intBetween(1, maxPrefix);
  return Array.from({ length: k }, () => rng.pick(PREFIX_ACTIONS));
}

const seeds = Array.from({ length: episodes }, (_, i) => seed0 + i);

/** Plays the episode's prefix, then hands over to `inner`. */
/** The agent's own turns: [answered shot, the left team held the ball] counts. */
const shotStats = { withBall: 0, shotWithBall: 0, withoutBall: 0, shotWithoutBall: 0 };

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
      return o.turn <= p.length ? responseFromText(formatAnswer('prefix', p[o.turn - 1]!), o) : null;
    });
    const rest = out.map((r, i) => (r ? -1 : i)).filter((i) => i >= 0);
    if (rest.length) {
      const rs = this.inner.actBatch
        ? await this.inner.actBatch(rest.map((i) => obs[i]!), rest.map((i) => ctx[i]!))
        : await Promise.all(rest.map((i) => this.inner.act(obs[i]!, ctx[i]!)));
      rest.forEach((i, j) => {
        out[i] = rs[j]!;
        const held = (ctx[i]!.env!.unwrapped as FootballEnv).raw().ball_owned_team === 0;
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
else if (spec.startsWith('model:')) inner = await ModelAgent.load(spec.slice(6), { temperature, maxTokens: 48, seed: 0 });
else throw new Error(`--agent: random, oracle or model:DIR, got ${spec}`);

const envs = Array.from({ length: Math.min(episodes, 200) }, () => new LanguageEnv(make('Football-v0', { scenario }), {
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
console.log(JSON.stringify({ agent: spec, scenario, maxPrefix, maxTurns, episodes, seed: seed0, handedOver, excluded: episodes - handedOver, successes, rate: successes / handedOver, lo, hi,
  shot: { ...shotStats, rateWithBall: shotStats.shotWithBall / shotStats.withBall, rateWithoutBall: shotStats.shotWithoutBall / shotStats.withoutBall } }));
