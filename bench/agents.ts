// Agent-layer benchmarks: response parsing and rewards, prompt building, LanguageEnv turns
// (text and image), oracles, the Countdown checker and solver, and the chat client's own
// overhead against a loopback chat-completions server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { make, Rng } from '../envs/index.js';
import { checkCountdownAnswer, countdownSettings, generateCountdown, solveCountdown, COUNTDOWN_DEFAULTS } from '../envs/text-tasks/index.js';
import { formatReward } from '../tasks/rewards/index.js';
import { LanguageEnv, OpenAIChatClient, OracleAgent, RandomAgent, parseResponse, generateSftTraces } from '../agents/index.js';
import { machine, rate, report } from './util.js';

const NAMES = ['up', 'down', 'left', 'right'];

function turnRate(env: LanguageEnv, agent: RandomAgent | OracleAgent, seconds = 1): number {
  let obs = env.reset({ seed: 0 }).observation;
  let seed = 0;
  return rate(() => {
    const resp = agent.actSync(obs, { env: env.env, envObservation: env.envObservation });
    const r = env.step(resp.text);
    obs = r.terminated || r.truncated ? env.reset({ seed: ++seed }).observation : r.observation;
  }, seconds);
}

export async function run(): Promise<void> {
  console.log(`machine: ${machine()}`);
  const short = '<think>The box is left of the target, so I push it right twice.</think><answer>Right, Right, Up</answer>';
  const big = `<think>${'reasoning '.repeat(100_000)}</think><answer>Left</answer>`;
  report('parseResponse, 100-char response, 3 actions', rate(() => parseResponse(short, NAMES)), 'calls/s');
  report('parseResponse, 1 MB response', rate(() => parseResponse(big, NAMES), 1, 0.1), 'calls/s');
  report('formatReward, 100-char response', rate(() => formatReward(short)), 'calls/s');
  report('formatReward, 1 MB response', rate(() => formatReward(big), 1, 0.1), 'calls/s');

  const sokText = new LanguageEnv(make('Sokoban-v0'), { mode: 'text' });
  report('LanguageEnv Sokoban 6x6 text: observe() (prompts)', rate(() => sokText.observe()), 'obs/s');
  report('LanguageEnv Sokoban 6x6 text, random agent turns', turnRate(sokText, new RandomAgent()), 'turns/s');
  report('LanguageEnv Sokoban 6x6 image, random agent turns', turnRate(new LanguageEnv(make('Sokoban-v0'), { mode: 'image' }), new RandomAgent()), 'turns/s');
  report('LanguageEnv Sokoban 6x6 text, oracle turns (solver, cached)', turnRate(new LanguageEnv(make('Sokoban-v0')), new OracleAgent()), 'turns/s');
  report('LanguageEnv Football academy text, oracle turns', turnRate(new LanguageEnv(make('Football-v0', { scenario: 'academy_run_to_score_with_keeper' })), new OracleAgent()), 'turns/s');
  report('LanguageEnv Countdown, oracle episodes (solve + check)', turnRate(new LanguageEnv(make('Countdown-v0')), new OracleAgent()), 'episodes/s');

  const hard = countdownSettings({ ...COUNTDOWN_DEFAULTS, difficulty: 'hard' });
  const problems = Array.from({ length: 64 }, (_, i) => generateCountdown(new Rng(i), hard));
  let k = 0;
  report('Countdown hard (5 numbers): solveCountdown', rate(() => solveCountdown(problems[k++ & 63]!)), 'problems/s');
  const p = problems[0]!, sol = solveCountdown(p)!.expression;
  report('Countdown checkCountdownAnswer', rate(() => checkCountdownAnswer(p, sol)), 'checks/s');
  const t0 = performance.now();
  const traces = generateSftTraces([{ envId: 'Sokoban-v0', episodes: 100 }]);
  report('SFT traces, Sokoban 6x6 step mode (oracle)', traces.length / ((performance.now() - t0) / 1000), 'traces/s');

  // The client's own cost: a loopback server answering at once, 4 requests in flight.
  const body = JSON.stringify({ choices: [{ message: { role: 'assistant', content: short }, finish_reason: 'stop' }] });
  const server = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); }); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new OpenAIChatClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, model: 'm', concurrency: 4 });
  const n = 800;
  const start = performance.now();
  await Promise.all(Array.from({ length: n }, () => client.complete([{ role: 'user', content: 'hi' }])));
  report('OpenAIChatClient vs instant loopback server, concurrency 4', n / ((performance.now() - start) / 1000), 'requests/s');
  server.close();
}
