// Football benchmarks: steps/s of the made env (simple115 observation + info, episodes
// reset as they end) for academy drills and 11-vs-11, of the bare engine in a match, and
// render()/describe() rates. One process, one core.
// Actions cycle through a fixed pseudo-random sequence (no RNG cost in the loop).
import { FootballEngine, listFootballScenarios, make, scriptedFootballDecision, type Env } from '../envs/index.js';
import { Rng } from '../envs/core/rng.js';
import { machine, rate, report } from './util.js';

const ACTIONS = Array.from({ length: 4096 }, (_, i) => [0, 5, 5, 4, 6, 13, 11, 12, 5, 3, 7, 17, 9, 10][(i * 7919) % 14]!);

function envStepper(env: Env<unknown, number>, after?: () => void): () => void {
  let k = 0;
  env.reset({ seed: 0 });
  return () => {
    const r = env.step(ACTIONS[k++ & 4095]!);
    if (after) after();
    if (r.terminated || r.truncated) env.reset();
  };
}

function engineStepper(scenario: string): () => void {
  const env = make('Football-v0', { scenario });
  env.reset({ seed: 0 });
  const engine = (env.unwrapped as unknown as { engine: FootballEngine }).engine;
  let k = 0;
  return () => {
    engine.step(ACTIONS[k++ & 4095]!);
    if (engine.steps >= 3000) engine.reset(new Rng(k));
  };
}

export async function run(): Promise<void> {
  console.log(`machine: ${machine()}`);
  for (const scenario of ['academy_empty_goal', 'academy_3_vs_1_with_keeper', 'academy_counterattack_hard', '11_vs_11_hard_stochastic']) {
    report(`Football ${scenario}: env step (simple115 + info)`, rate(envStepper(make<unknown, number>('Football-v0', { scenario })), 2, 0.5), 'steps/s');
  }
  // GRF's other observations on the same match.
  for (const representation of ['simple115_v2', 'smm'] as const) {
    report(`Football 11_vs_11_hard_stochastic: env step (${representation} + info)`, rate(envStepper(make<unknown, number>('Football-v0', { scenario: '11_vs_11_hard_stochastic', representation })), 2, 0.5), 'steps/s');
  }
  // The bare simulation of a whole match (no observation, info or rewards).
  report('Football 11_vs_11_hard_stochastic: engine.step only', rate(engineStepper('11_vs_11_hard_stochastic'), 2, 0.5), 'steps/s');
  const img = make<unknown, number>('Football-v0', { scenario: '11_vs_11_easy' });
  report('Football 11_vs_11 step + render() 128x64', rate(envStepper(img, () => img.render()), 2), 'steps/s');
  img.reset({ seed: 0 });
  report('Football render() only, 128x64 (22 players)', rate(() => { img.render(); }, 2), 'frames/s');
  const big = make('Football-v0', { scenario: '11_vs_11_easy', width: 512, height: 256 });
  big.reset({ seed: 0 });
  report('Football render() only, 512x256 (replay size)', rate(() => { big.render(); }, 2), 'frames/s');
  const drill = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper' });
  drill.reset({ seed: 0 });
  report('Football render() only, 128x64 academy_3_vs_1', rate(() => { drill.render(); }, 2), 'frames/s');
  report('Football describe(), 11_vs_11', rate(() => { img.describe(); }, 1), 'calls/s');
  // Not a timing: how often the scripted attacker wins each drill (20 seeds, stochastic mode).
  for (const scenario of listFootballScenarios().filter((n) => n.startsWith('academy_'))) {
    let wins = 0;
    for (let seed = 0; seed < 20; seed++) {
      const env = make<unknown, number>('Football-v0', { scenario, stochastic: true });
      env.reset({ seed });
      for (;;) {
        const r = env.step(scriptedFootballDecision(env).action);
        if (r.terminated || r.truncated) { if (r.info.success) wins++; break; }
      }
    }
    report(`Football scripted attacker success, ${scenario}`, (100 * wins) / 20, '% of 20');
  }
}
