// Compiled by test/typecheck.test.ts (not run): makeVec() and make(id, { renderMode }) are
// typed by the EnvRegistry map; SyncVectorEnv answers synchronously.
import {
  AsyncVectorEnv, ClipReward, FrameStackObservation, RecordEpisodeStatistics, SyncVectorEnv, make, makeVec,
  type BoxArray, type Env, type Frame, type RenderModeEnv, type Space, type VectorEnv, type VectorStepResult,
} from '../../envs/index.js';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
function expectType<T>(_value: T): <U>(check: Equal<T, U>) => void {
  return () => {};
}

// makeVec: the registry's types, sync by default, async on request.
const sokobans = makeVec('Sokoban-v0', 4);
expectType(sokobans)<SyncVectorEnv<Uint8Array, number>>(true);
expectType(sokobans.step([0, 1, 2, 3]))<VectorStepResult<Uint8Array>>(true); // no Promise
expectType(sokobans.actionSpace)<Space<number[]>>(true);
expectType(sokobans.observationSpace)<Space<Uint8Array[]>>(true);
// @ts-expect-error Sokoban actions are numbers
sokobans.step(['up']);
expectType(makeVec('FrozenLake-v0', 2, { vectorizationMode: 'async' }))<AsyncVectorEnv<number, number>>(true);
expectType(makeVec('Countdown-v0', 2).reset().observations)<string[]>(true);
expectType(makeVec('Unlisted-v0', 2))<SyncVectorEnv<unknown, unknown>>(true);
// Both vector envs are VectorEnvs.
const any1: VectorEnv<number, number> = makeVec('FrozenLake-v0', 2);
const any2: VectorEnv<number, number> = makeVec('FrozenLake-v0', 2, { vectorizationMode: 'async' });
void any1; void any2;

// wrap: the vector env has the wrapped env's types.
expectType(makeVec('Sokoban-v0', 2, { wrap: (env) => new FrameStackObservation(env, 4) }))<SyncVectorEnv<BoxArray, number>>(true);
expectType(makeVec('FrozenLake-v0', 2, { wrap: (env) => new RecordEpisodeStatistics(env) }))<SyncVectorEnv<number, number>>(true);
// @ts-expect-error wrap is sync-only (functions cannot be sent to worker threads)
makeVec('FrozenLake-v0', 2, { vectorizationMode: 'async', wrap: (env: Env<number, number>) => env });

// renderMode: what render() returns.
expectType(make('FrozenLake-v0', { renderMode: 'ansi' }).render())<string>(true);
expectType(make('FrozenLake-v0', { renderMode: 'ansi_list' }).render())<string[]>(true);
expectType(make('Sokoban-v0', { renderMode: 'rgb_array_list' }).render())<Frame[]>(true);
expectType(make('FrozenLake-v0', { renderMode: null }).render())<null>(true);
expectType(make('FrozenLake-v0', { renderMode: 'rgb_array' }))<Env<number, number>>(true);
expectType(make('FrozenLake-v0', { renderMode: 'ansi', slippery: false }))<RenderModeEnv<number, number, 'ansi'>>(true);
expectType(make('FrozenLake-v0', { renderMode: 'ansi' }).step(0).observation)<number>(true);
expectType(make('FrozenLake-v0', { map: '8x8' }))<Env<number, number>>(true);
// @ts-expect-error an env whose render() returns text is not an Env: wrap first, choose the render mode last
new ClipReward(make('FrozenLake-v0', { renderMode: 'ansi' }), -1, 1);
// @ts-expect-error 'human' has no library equivalent
make('FrozenLake-v0', { renderMode: 'human' }).render();
