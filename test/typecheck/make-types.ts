// Compiled by test/typecheck.test.ts (not run): make() is typed by the EnvRegistry map.
// Each `@ts-expect-error` line must be an error; an exact-type check that fails, or an
// expected error that is no longer one, fails the test.
import { make, register, BaseEnv, Discrete, type Env, type Frame, type ResetResult, type StepResult } from '../../envs/index.js';
import '../../docs/examples/coin-collector.js';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
function expectType<T>(_value: T): <U>(check: Equal<T, U>) => void {
  return () => {};
}

// Built-in ids: observation and action types without casts.
const sokoban = make('Sokoban-v0', { dim_room: [7, 7] });
expectType(sokoban)<Env<Uint8Array, number>>(true);
expectType(sokoban.step(3).observation)<Uint8Array>(true);
// @ts-expect-error Sokoban actions are numbers
sokoban.step('up');
expectType(make('Boxoban-v0').reset().observation)<Uint8Array>(true);
expectType(make('FrozenLake-v0').step(0).observation)<number>(true);
expectType(make('Football-v0').step(12).observation)<Float32Array | Uint8Array | Frame | string>(true);
expectType(make('Countdown-v0').step('(1 + 2) * 3').reward)<number>(true);
// @ts-expect-error Countdown actions are strings
make('Countdown-v0').step(3);
expectType(make('Arithmetic-v0').reset().observation)<string>(true);

// The documented third-party env added its id by declaration merging.
expectType(make('CoinCollector-v0'))<Env<number, number>>(true);
// @ts-expect-error CoinCollector actions are numbers
make('CoinCollector-v0').step('left');

// An id the map does not list: Env<unknown, unknown>, or the types given explicitly.
const id: string = 'Sokoban-v0';
expectType(make(id))<Env<unknown, unknown>>(true);
expectType(make('Unlisted-v0'))<Env<unknown, unknown>>(true);
expectType(make<number, string>('Unlisted-v0'))<Env<number, string>>(true);

// register(): the factory gets the type of the defaults, and a listed id must build an env of its listed type.
class Counter extends BaseEnv<number, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Discrete(10);
  constructor(readonly target: number) { super(); }
  protected onReset(): ResetResult<number> { return { observation: 0, info: {} }; }
  protected onStep(): StepResult<number> { return { observation: 0, reward: 0, terminated: false, truncated: false, info: {} }; }
  render(): Frame { throw new Error('not drawn'); }
  describe(): string { return ''; }
}
register('Counter-v0', (o) => new Counter(o.target), { description: 'x', options: { target: 5 } });
// @ts-expect-error `o.missing` is not an option
register('Counter-v1', (o) => new Counter(o.missing), { description: 'x', options: { target: 5 } });
// @ts-expect-error Sokoban-v0 is listed as Env<Uint8Array, number>
register('Sokoban-v0', () => new Counter(1), { description: 'x' }, true);
