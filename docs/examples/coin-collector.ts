// A worked example of a third-party env: a 1-D corridor with a coin. It registers exactly
// like the built-in envs, so make(), vector envs, checkEnv, the CLI and the language-agent
// layer all work with it. Used by docs/envs.md and tested in test/envs/third-party.test.ts.
import {
  BaseEnv, Discrete, InvalidOptionError, SpriteAtlas, createFrame, register, type Env, type Frame, type ResetResult, type StepResult,
} from '../../index.js';

// make('CoinCollector-v0') is an Env<number, number>: add the id to the registry's type map
// (in a project that installed the package: `declare module 'lmm-gym' { ... }`).
declare module '../../index.js' {
  interface EnvRegistry {
    'CoinCollector-v0': Env<number, number>;
  }
}

export interface CoinCollectorOptions {
  length: number;
}

export class CoinCollectorEnv extends BaseEnv<number, number> {
  readonly actionSpace = new Discrete(2);
  override readonly actionNames = ['left', 'right'];
  readonly observationSpace: Discrete;
  private player = 0;
  private coin = 0;
  private readonly frame: Frame;
  private readonly atlas = SpriteAtlas.get('coin-collector', 8, {
    floor: (ctx, s) => { ctx.fillStyle = '#dddddd'; ctx.fillRect(0, 0, s, s); },
    player: (ctx, s) => { ctx.fillStyle = '#2255cc'; ctx.fillRect(1, 1, s - 2, s - 2); },
    coin: (ctx, s) => { ctx.fillStyle = '#f2c94c'; ctx.beginPath(); ctx.arc(s / 2, s / 2, s / 3, 0, Math.PI * 2); ctx.fill(); },
  });

  constructor(readonly length: number) {
    super();
    if (!Number.isSafeInteger(length) || length < 2) throw new InvalidOptionError(`length must be an integer >= 2, got ${length}`);
    this.observationSpace = new Discrete(length * length);
    this.frame = createFrame(length * 8, 8);
  }

  protected onReset(): ResetResult<number> {
    this.player = this.rng.int(this.length);
    do this.coin = this.rng.int(this.length); while (this.coin === this.player);
    return { observation: this.player * this.length + this.coin, info: {} };
  }

  protected onStep(action: number): StepResult<number> {
    this.player = Math.max(0, Math.min(this.length - 1, this.player + (action === 1 ? 1 : -1)));
    const got = this.player === this.coin;
    return { observation: this.player * this.length + this.coin, reward: got ? 1 : -0.01, terminated: got, truncated: false, info: { success: got } };
  }

  render(): Frame {
    for (let i = 0; i < this.length; i++) this.atlas.draw(this.frame, i === this.player ? 'player' : i === this.coin ? 'coin' : 'floor', i * 8, 0);
    return this.frame;
  }

  describe(): string {
    const cells = Array.from({ length: this.length }, (_, i) => (i === this.player ? 'P' : i === this.coin ? 'C' : '.'));
    return `Corridor: ${cells.join('')}\nP you, C coin. Move left or right to reach the coin.`;
  }
}

const DEFAULTS: CoinCollectorOptions = { length: 8 };

// `o` has the type of the defaults; make() checks the option names, the constructor the values.
register('CoinCollector-v0', (o) => new CoinCollectorEnv(o.length), {
  description: 'Example third-party env: walk along a corridor to a coin.',
  options: DEFAULTS,
  maxEpisodeSteps: 50,
});
