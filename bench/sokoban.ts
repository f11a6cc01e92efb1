// Sokoban figures: env stepping (raw and through make()'s wrappers), the image and text
// views, level generation and the optimal solver. `npm run bench -- sokoban`.
import { make } from '../envs/core/registry.js';
import '../envs/sokoban/register.js';
import { generateLevel, sokobanEnvOf, solveSokoban, type SokobanEnv, type SokobanLevel } from '../envs/sokoban/index.js';
import { machine, rate, report } from './util.js';

/**
 * Steps/s of `env` on a fixed level, resetting (to the same level) when an episode ends.
 * Actions cycle through a fixed pseudo-random pattern.
 */
function stepRate(env: SokobanEnv | ReturnType<typeof make<Uint8Array, number>>, level: SokobanLevel, extra?: () => void, seconds = 1): number {
  env.reset({ seed: 1, options: { level } });
  let i = 0;
  return rate(() => {
    const r = env.step((i++ * 7 + (i >> 3)) & 3);
    if (extra) extra();
    if (r.terminated || r.truncated) env.reset({ options: { level } });
  }, seconds);
}

function levelRate(options: Parameters<typeof generateLevel>[0]): number {
  let seed = 0;
  return rate(() => { generateLevel(options, seed++); }, 1.5, 0.3);
}

function solverFigures(label: string, options: Parameters<typeof generateLevel>[0], count: number): void {
  const times: number[] = [];
  let within = 0, solved = 0;
  for (let seed = 0; seed < count; seed++) {
    const level = generateLevel(options, 10_000 + seed);
    const r = solveSokoban(level, { timeLimitMs: 1000 });
    times.push(r.timeMs);
    if (r.status === 'solved') { solved++; if (r.timeMs <= 1000) within++; }
  }
  times.sort((a, b) => a - b);
  report(`solver ${label}: median time (${count} levels)`, times[count >> 1]!, 'ms');
  report(`solver ${label}: 90th percentile time`, times[Math.floor(count * 0.9)]!, 'ms');
  report(`solver ${label}: share solved within 1 s`, (100 * within) / count, '%');
}

export async function run(): Promise<void> {
  console.log(`machine: ${machine()}`);
  const level6 = generateLevel({}, 1);
  const raw = sokobanEnvOf(make('Sokoban-v0'));
  const guarded = make<Uint8Array, number>('Sokoban-v0');
  const big = sokobanEnvOf(make('Sokoban-v0', { tileSize: 48 }));
  const level10 = generateLevel({ width: 10, height: 10, boxes: 4 }, 1);
  const raw10 = sokobanEnvOf(make('Sokoban-v0', { width: 10, height: 10, boxes: 4 }));
  // Warm up every call site with every env first: a loop that only ever sees one env
  // gets optimised further than real code (wrappers, several envs) would be.
  for (const [env, level] of [[raw, level6], [guarded, level6], [big, level6], [raw10, level10]] as const) stepRate(env, level, () => env.render(), 0.1);
  report('step 6x6, raw env, no render', stepRate(raw, level6), 'steps/s');
  report('step 6x6, via make() (ContractGuard), no render', stepRate(guarded, level6), 'steps/s');
  report('step + render 6x6 at 16 px (96x96 RGBA)', stepRate(raw, level6, () => raw.render()), 'steps/s');
  report('step + render 6x6 at 48 px (288x288 RGBA)', stepRate(big, level6, () => big.render()), 'steps/s');
  report('step + describe 6x6 (text view)', stepRate(raw, level6, () => raw.describe()), 'steps/s');
  report('step 10x10, raw env, no render', stepRate(raw10, level10), 'steps/s');
  let seed = 0;
  const fresh = sokobanEnvOf(make('Sokoban-v0'));
  report('reset 6x6 with a newly generated level', rate(() => { fresh.reset({ seed: seed++ }); }, 1), 'resets/s');
  report('generate 6x6, 1 box', levelRate({}), 'levels/s');
  report('generate 7x7, 2 boxes', levelRate({ width: 7, height: 7, boxes: 2 }), 'levels/s');
  report('generate 10x10, 4 boxes', levelRate({ width: 10, height: 10, boxes: 4 }), 'levels/s');
  report('generate 12x12, 5 boxes', levelRate({ width: 12, height: 12, boxes: 5 }), 'levels/s');
  solverFigures('10x10/4 generated', { width: 10, height: 10, boxes: 4 }, 100);
  solverFigures('10x10/4 generated, optimal >= 40 moves', { width: 10, height: 10, boxes: 4, minSolutionLength: 40 }, 50);
  solverFigures('10x10/4 deep (searchStates 30000)', { width: 10, height: 10, boxes: 4, searchStates: 30_000 }, 50);
}
