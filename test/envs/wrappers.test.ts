// Section 2 of issue 14: Gymnasium's common wrappers and render modes, checked against
// hand-computed values (Gymnasium's formulas, worked out here, not read back from the code).
import { describe, expect, it } from 'vitest';
import {
  BaseEnv, Box, ClipReward, ContractGuard, Discrete, FrameStackObservation, GrayscaleObservation, InvalidOptionError,
  NormalizeReward, RecordEpisodeStatistics, RenderModeEnv, ResizeObservation, RunningMeanStd, TimeLimit, createFrame,
  make, type Frame, type ResetResult, type StepResult,
} from '../../index.js';

interface Beat { reward: number; terminated?: boolean; truncated?: boolean }

/**
 * A scripted env: step k (counted across episodes) pays script[k].reward and ends as the
 * script says; the observation after t steps of an episode is [t + 1, -(t + 1)].
 */
class Scripted extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace: Box;
  private t = 0;
  private k = 0;
  constructor(readonly script: readonly Beat[] = [], low = -10) {
    super();
    this.observationSpace = new Box(low, 10, [2], 'float32');
  }
  protected onReset(): ResetResult<Float32Array> {
    this.t = 0;
    return { observation: Float32Array.of(1, -1), info: { start: true } };
  }
  protected onStep(): StepResult<Float32Array> {
    const beat = this.script[this.k++] ?? { reward: 0 };
    this.t++;
    return { observation: Float32Array.of(this.t + 1, -(this.t + 1)), reward: beat.reward, terminated: beat.terminated ?? false, truncated: beat.truncated ?? false, info: { k: this.k } };
  }
  render(): Frame { return createFrame(2, 1, [this.t, 0, 0, 255]); }
  describe(): string { return `t=${this.t}`; }
}

/** An env whose observation is a fixed uint8 image of shape [h, w, c] (or [h, w] with c = 0). */
class Picture extends BaseEnv<Uint8Array, number> {
  readonly actionSpace = new Discrete(1);
  readonly observationSpace: Box;
  constructor(readonly pixels: readonly number[], shape: number[]) {
    super();
    this.observationSpace = new Box(0, 255, shape, 'uint8');
  }
  protected onReset(): ResetResult<Uint8Array> { return { observation: Uint8Array.from(this.pixels), info: {} }; }
  protected onStep(): StepResult<Uint8Array> { return { observation: Uint8Array.from(this.pixels), reward: 0, terminated: false, truncated: false, info: {} }; }
  render(): Frame { return createFrame(1, 1); }
  describe(): string { return 'picture'; }
}

describe('RecordEpisodeStatistics', () => {
  it('puts { r, l, t } in the last step\'s info and keeps the recent episodes', () => {
    // Episodes: [1, 2, -0.5] (terminated), [4] (truncated), [10, 10] (terminated).
    const script: Beat[] = [{ reward: 1 }, { reward: 2 }, { reward: -0.5, terminated: true }, { reward: 4, truncated: true },
      { reward: 10 }, { reward: 10, terminated: true }];
    const times = [100, 100.1234567, 200, 203.5, 300, 300.25];
    const env = new RecordEpisodeStatistics(new Scripted(script), { bufferLength: 2, clock: () => times.shift()! });
    env.reset();
    expect(env.step(0).info).toEqual({ k: 1 });
    expect(env.step(0).info).toEqual({ k: 2 });
    const end = env.step(0);
    // 0.1234567 s rounded to 6 decimals, as Gymnasium's round(t, 6).
    expect(end.info).toEqual({ k: 3, episode: { r: 2.5, l: 3, t: 0.123457 } });
    env.reset();
    expect(env.step(0).info.episode).toEqual({ r: 4, l: 1, t: 3.5 });
    env.reset();
    env.step(0);
    expect(env.step(0).info.episode).toEqual({ r: 20, l: 2, t: 0.25 });
    expect(env.episodeCount).toBe(3);
    expect(env.returnQueue).toEqual([4, 20]); // bufferLength 2: the first episode has left
    expect(env.lengthQueue).toEqual([1, 2]);
    expect(env.timeQueue).toEqual([3.5, 0.25]);
  });

  it('refuses an info key that is taken, and a bad buffer length', () => {
    const env = new RecordEpisodeStatistics(new Scripted([{ reward: 1, terminated: true }]), { statsKey: 'k' });
    env.reset();
    expect(() => env.step(0)).toThrow(InvalidOptionError);
    expect(() => new RecordEpisodeStatistics(new Scripted(), { bufferLength: 0 })).toThrow(/bufferLength must be a positive integer/);
  });
});

describe('FrameStackObservation', () => {
  it('stacks oldest first; reset pads with the reset observation', () => {
    const env = new FrameStackObservation(new Scripted(), 3);
    const r = env.reset();
    expect(r.observation).toBeInstanceOf(Float32Array);
    expect(Array.from(r.observation)).toEqual([1, -1, 1, -1, 1, -1]);
    const s1 = env.step(0).observation;
    expect(Array.from(s1)).toEqual([1, -1, 1, -1, 2, -2]);
    expect(Array.from(env.step(0).observation)).toEqual([1, -1, 2, -2, 3, -3]);
    expect(Array.from(env.step(0).observation)).toEqual([2, -2, 3, -3, 4, -4]);
    // Each observation is the caller's own copy: later steps do not change it.
    expect(Array.from(s1)).toEqual([1, -1, 1, -1, 2, -2]);
    // A new episode forgets the old one.
    expect(Array.from(env.reset().observation)).toEqual([1, -1, 1, -1, 1, -1]);
    const space = env.observationSpace as unknown as Box;
    expect(space).toBeInstanceOf(Box);
    expect(space.shape).toEqual([3, 2]);
    expect(space.dtype).toBe('float32');
    expect(space.contains(env.step(0).observation)).toBe(true);
  });

  it('pads with zeros (clipped into the bounds) or a given observation', () => {
    const zero = new FrameStackObservation(new Scripted(), 3, { paddingType: 'zero' });
    expect(Array.from(zero.reset().observation)).toEqual([0, 0, 0, 0, 1, -1]);
    expect(Array.from(zero.step(0).observation)).toEqual([0, 0, 1, -1, 2, -2]);
    // low = 1: the zero padding is 0 clipped into [1, 10].
    const clipped = new FrameStackObservation(new Scripted([], 1), 2, { paddingType: 'zero' });
    expect(Array.from(clipped.reset().observation).slice(0, 2)).toEqual([1, 1]);
    const custom = new FrameStackObservation(new Scripted(), 2, { paddingType: [7, -7] });
    expect(Array.from(custom.reset().observation)).toEqual([7, -7, 1, -1]);
  });

  it('refuses a bad stack size, a bad padding and a non-Box space', () => {
    expect(() => new FrameStackObservation(new Scripted(), 0)).toThrow(/stackSize must be a positive integer/);
    expect(() => new FrameStackObservation(new Scripted(), 2.5)).toThrow(InvalidOptionError);
    expect(() => new FrameStackObservation(new Scripted(), 2, { paddingType: 'same' as never })).toThrow(/expected "reset", "zero"/);
    expect(() => new FrameStackObservation(new Scripted(), 2, { paddingType: [99, 0] })).toThrow(/not in the observation space/);
    expect(() => new FrameStackObservation(make('FrozenLake-v0'), 2)).toThrow(/needs a Box observation space/);
  });

  it('stacks Frame observations (Football pixels) into one uint8 array', () => {
    const env = new FrameStackObservation(make('Football-v0', { representation: 'pixels', width: 32, height: 32 }), 2);
    const first = env.reset({ seed: 1 }).observation;
    const size = 32 * 32 * 4;
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first.length).toBe(2 * size);
    expect(Array.from(first.subarray(0, size))).toEqual(Array.from(first.subarray(size)));
    const next = env.step(0).observation;
    expect(Array.from(next.subarray(0, size))).toEqual(Array.from(first.subarray(size)));
    expect(env.observationSpace.contains(next)).toBe(true);
  });
});

describe('GrayscaleObservation', () => {
  it('uses Gymnasium\'s weights and truncates (as numpy astype(uint8))', () => {
    // 100*0.2125 + 150*0.7154 + 200*0.0721 = 21.25 + 107.31 + 14.42 = 142.98 -> 142 (not 143)
    // 200*0.2125 + 100*0.7154 + 50*0.0721 = 42.5 + 71.54 + 3.605 = 117.645 -> 117
    // white: 255 * (0.2125 + 0.7154 + 0.0721) = 255; black 0; pure green 255*0.7154 = 182.427 -> 182
    const pixels = [255, 255, 255, 100, 150, 200, 200, 100, 50, 0, 0, 0, 0, 255, 0, 9, 9, 9];
    const env = new GrayscaleObservation(new Picture(pixels, [2, 3, 3]));
    expect(Array.from(env.reset().observation)).toEqual([255, 142, 117, 0, 182, 9]);
    expect((env.observationSpace as unknown as Box).shape).toEqual([2, 3]);
    expect((new GrayscaleObservation(new Picture(pixels, [2, 3, 3]), true).observationSpace as unknown as Box).shape).toEqual([2, 3, 1]);
  });

  it('reads RGBA (alpha ignored) and refuses what is not an image', () => {
    const env = new GrayscaleObservation(new Picture([100, 150, 200, 7, 200, 100, 50, 255], [1, 2, 4]));
    expect(Array.from(env.reset().observation)).toEqual([142, 117]);
    expect(() => new GrayscaleObservation(new Picture([1, 2], [1, 2]))).toThrow(/shape \[h, w, c\]/);
    expect(() => new GrayscaleObservation(new Picture([1, 2], [1, 1, 2]))).toThrow(/3 \(RGB\) or 4 \(RGBA\) channels/);
    expect(() => new GrayscaleObservation(new Scripted() as never)).toThrow(InvalidOptionError);
    expect(() => new GrayscaleObservation(make('Sokoban-v0'))).toThrow(/shape \[h, w, c\]/);
  });
});

describe('ResizeObservation', () => {
  it('averages the covered area (integer and fractional factors), rounding half up', () => {
    // 4x4 -> 2x2: the mean of each 2x2 block. [0 1 4 5] -> 2.5 -> 3; [2 3 6 7] -> 4.5 -> 5; [8 9 12 13] -> 10.5 -> 11; [10 11 14 15] -> 12.5 -> 13
    const grid = Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(new ResizeObservation(new Picture(grid, [4, 4]), [2, 2]).reset().observation)).toEqual([3, 5, 11, 13]);
    // 1x3 -> 1x2: pixel 0 covers source [0, 1.5): (0*1 + 90*0.5) / 1.5 = 30; pixel 1 covers [1.5, 3): (90*0.5 + 180) / 1.5 = 150
    expect(Array.from(new ResizeObservation(new Picture([0, 90, 180], [1, 3]), [1, 2]).reset().observation)).toEqual([30, 150]);
    // Channels are averaged separately: 2x2x3 -> 1x1x3.
    const rgb = [10, 0, 255, 20, 0, 255, 30, 100, 0, 40, 100, 0];
    const env = new ResizeObservation(new Picture(rgb, [2, 2, 3]), [1, 1]);
    expect(Array.from(env.reset().observation)).toEqual([25, 50, 128]); // 127.5 rounds up
    expect((env.observationSpace as unknown as Box).shape).toEqual([1, 1, 3]);
    // Enlarging 1x2 -> 1x4 repeats each pixel.
    expect(Array.from(new ResizeObservation(new Picture([7, 9], [1, 2]), [1, 4]).reset().observation)).toEqual([7, 7, 9, 9]);
  });

  it('resizes Frame observations and refuses bad shapes', () => {
    const env = new ResizeObservation(make('Football-v0', { representation: 'pixels', width: 64, height: 32 }), [8, 16]);
    const o = env.reset({ seed: 2 }).observation;
    expect(o.length).toBe(8 * 16 * 4);
    expect(env.observationSpace.contains(o)).toBe(true);
    expect(() => new ResizeObservation(make('Sokoban-v0'), [2, 2])).toThrow(/bounds 0 to 255/);
    const picture = new Picture([1, 2, 3, 4], [2, 2]);
    expect(() => new ResizeObservation(picture, [0, 2])).toThrow(InvalidOptionError);
    expect(() => new ResizeObservation(picture, [2] as never)).toThrow(/must be \[height, width\]/);
    expect(() => new ResizeObservation(new Scripted() as never, [1, 1])).toThrow(/needs an image observation space/);
  });
});

describe('ClipReward and NormalizeReward', () => {
  it('ClipReward clips to the bounds; either bound may be open', () => {
    const script = [{ reward: -5 }, { reward: 0.5 }, { reward: 5 }];
    const both = new ClipReward(new Scripted(script), -1, 1);
    both.reset();
    expect([both.step(0).reward, both.step(0).reward, both.step(0).reward]).toEqual([-1, 0.5, 1]);
    const low = new ClipReward(new Scripted(script), 0);
    low.reset();
    expect([low.step(0).reward, low.step(0).reward, low.step(0).reward]).toEqual([0, 0.5, 5]);
    expect(() => new ClipReward(new Scripted())).toThrow(/needs minReward or maxReward/);
    expect(() => new ClipReward(new Scripted(), 2, 1)).toThrow(/must not be greater/);
  });

  it('NormalizeReward divides by the running std of the discounted return (hand-computed)', () => {
    // gamma 0.5. Episode 1: rewards 1, 2 (truncated); episode 2: 3 (terminated); episode 3: 4.
    // G = G * gamma * (1 - terminated) + r, never cleared by reset or truncation:
    //   G1 = 1, G2 = 0.5 + 2 = 2.5, G3 = 0 + 3 = 3 (terminated), G4 = 1.5 + 4 = 5.5.
    const env = new NormalizeReward(new Scripted([{ reward: 1 }, { reward: 2, truncated: true }, { reward: 3, terminated: true }, { reward: 4 }]), 0.5);
    const rewards: number[] = [];
    env.reset();
    rewards.push(env.step(0).reward, env.step(0).reward);
    env.reset();
    rewards.push(env.step(0).reward);
    env.reset();
    rewards.push(env.step(0).reward);
    // The running variance starts as 1e-4 pseudo-samples of mean 0 and variance 1, so after
    // G1..Gk it is the variance of the pooled set: (1e-4 * 1 + sum G^2) / W - (sum G / W)^2, W = 1e-4 + k.
    const G = [1, 2.5, 3, 5.5];
    const expected = [1, 2, 3, 4].map((r, i) => {
      const g = G.slice(0, i + 1), W = 1e-4 + g.length;
      const mean = g.reduce((a, b) => a + b, 0) / W;
      const variance = (1e-4 + g.reduce((a, b) => a + b * b, 0)) / W - mean * mean;
      return r / Math.sqrt(variance + 1e-8);
    });
    // Step 1 by hand: var = 1.0001 / 1.0001 - (1 / 1.0001)^2 = 1.99970003e-4, 1 / sqrt(1.9998e-4) = 70.7142...
    expect(expected[0]).toBeCloseTo(70.71421321, 6);
    for (let i = 0; i < 4; i++) expect(rewards[i]).toBeCloseTo(expected[i]!, 9);
    expect(env.discountedReward).toBe(5.5);
    // Frozen statistics (evaluation): the divisor stays.
    env.updateRunningMean = false;
    const before = env.returnRms.var;
    expect(env.step(0).reward).toBe(0);
    expect(env.returnRms.var).toBe(before);
  });

  it('RunningMeanStd pools batches like one pass over the data', () => {
    const rms = new RunningMeanStd(0);
    rms.count = 0; rms.var = 0;
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) rms.update(x);
    expect(rms.mean).toBeCloseTo(5, 12);
    expect(rms.var).toBeCloseTo(4, 12); // the population variance of the textbook example
    expect(() => new NormalizeReward(new Scripted(), 1.5)).toThrow(/gamma must be in \[0, 1\]/);
    expect(() => new NormalizeReward(new Scripted(), 0.9, 0)).toThrow(/epsilon must be a positive number/);
  });
});

describe('renderMode (Gymnasium render_mode)', () => {
  it('ansi returns the text view; rgb_array (the default) a frame', () => {
    const ansi = make('FrozenLake-v0', { renderMode: 'ansi', slippery: false });
    ansi.reset({ seed: 0 });
    ansi.step(2);
    expect(ansi).toBeInstanceOf(RenderModeEnv);
    expect(ansi.render()).toBe(ansi.describe());
    expect(ansi.render()).toMatch(/^FrozenLake 4x4/);
    const rgb = make('FrozenLake-v0', { renderMode: 'rgb_array' });
    expect(rgb).toBeInstanceOf(ContractGuard); // no extra layer: every env renders frames
    rgb.reset({ seed: 0 });
    expect(rgb.render().width).toBe(64);
    // renderMode changes no dynamics, so it is not part of the options that rebuild the env.
    expect(ansi.spec!.options).not.toHaveProperty('renderMode');
  });

  it('the list modes return every frame / text since the last render or reset, as copies', () => {
    const env = make('FrozenLake-v0', { renderMode: 'rgb_array_list', slippery: false });
    env.reset({ seed: 0 });
    env.step(2); // right
    env.step(2); // right
    const frames = env.render();
    expect(frames).toHaveLength(3); // reset + 2 steps
    expect(frames[0]!.data).not.toBe(frames[1]!.data);
    expect(Array.from(frames[0]!.data)).not.toEqual(Array.from(frames[1]!.data));
    expect(env.render()).toEqual([]); // popped
    env.step(2);
    env.reset({ seed: 0 });
    expect(env.render()).toHaveLength(1); // reset clears
    const texts = make('FrozenLake-v0', { renderMode: 'ansi_list', slippery: false });
    texts.reset({ seed: 0 });
    texts.step(2);
    const views = texts.render();
    expect(views).toHaveLength(2);
    expect(views[1]).toBe(texts.describe());
    const none = make('FrozenLake-v0', { renderMode: null });
    none.reset();
    expect(none.render()).toBeNull();
  });

  it('refuses human and unknown modes, and wrapping an env that renders no frames', () => {
    expect(() => make('FrozenLake-v0', { renderMode: 'human' as never })).toThrow(/lmm-gym watch/);
    expect(() => make('FrozenLake-v0', { renderMode: 'rgb' as never })).toThrow(InvalidOptionError);
    // Untyped options (a config file) can still ask for it: wrappers fail clearly.
    const options: Record<string, unknown> = { renderMode: 'ansi' };
    expect(() => new TimeLimit(make('FrozenLake-v0', options), 5)).toThrow(/TimeLimit needs an env whose render\(\) returns a Frame/);
    // Wrap first, choose the render mode last.
    const env = new RenderModeEnv(new TimeLimit(make('FrozenLake-v0'), 5), 'ansi');
    env.reset({ seed: 0 });
    expect(env.render()).toMatch(/FrozenLake/);
  });
});
