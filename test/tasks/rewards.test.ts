import { describe, expect, it } from 'vitest';
import { accuracyReward, composeReward, formatReward, RewardConfigError, winReward, DEFAULT_REWARD_WEIGHTS } from '../../tasks/rewards/index.js';

describe('formatReward (LMM-R1 rule)', () => {
  it('accepts exactly <think>..</think><answer>..</answer> with newlines inside', () => {
    expect(formatReward('<think>a</think><answer>b</answer>')).toBe(1);
    expect(formatReward('<think>line1\nline2</think><answer>Left,\nUp</answer>')).toBe(1);
    expect(formatReward('<think></think><answer></answer>')).toBe(1);
  });

  it('rejects text outside the tags, even whitespace', () => {
    expect(formatReward('x<think>a</think><answer>b</answer>')).toBe(0);
    expect(formatReward('<think>a</think><answer>b</answer>\n')).toBe(0);
    expect(formatReward('<think>a</think>\n<answer>b</answer>')).toBe(0);
    expect(formatReward(' <think>a</think><answer>b</answer>')).toBe(0);
  });

  it('rejects repeated, nested, missing and reordered tags', () => {
    expect(formatReward('<think>a</think><answer>b</answer><answer>c</answer>')).toBe(0);
    expect(formatReward('<think><think>a</think></think><answer>b</answer>')).toBe(0);
    expect(formatReward('<think>a<answer>x</answer></think><answer>b</answer>')).toBe(0);
    expect(formatReward('<think>a</think>')).toBe(0);
    expect(formatReward('<answer>b</answer>')).toBe(0);
    expect(formatReward('<answer>b</answer><think>a</think>')).toBe(0);
    expect(formatReward('<think>a</think><answer>b')).toBe(0);
    expect(formatReward('<THINK>a</THINK><ANSWER>b</ANSWER>')).toBe(0);
  });

  it('handles empty, unicode, non-strings and a 1 MB response', () => {
    expect(formatReward('')).toBe(0);
    expect(formatReward(null)).toBe(0);
    expect(formatReward(12)).toBe(0);
    expect(formatReward('<think>🤔 думаю</think><answer>上</answer>')).toBe(1);
    expect(formatReward(`<think>${'z'.repeat(1 << 20)}</think><answer>up</answer>`)).toBe(1);
    expect(formatReward(`<think>${'<think>'.repeat(1000)}</think><answer>up</answer>`)).toBe(0);
  });
});

describe('accuracy / win', () => {
  it('winReward follows info.success', () => {
    expect(winReward({ terminated: true, success: true })).toBe(1);
    expect(winReward({ terminated: true, success: false })).toBe(0);
    expect(winReward({ terminated: false })).toBe(0);
  });
  it('accuracyReward compares numbers exactly and strings normalised', () => {
    expect(accuracyReward(' 42 ', 42)).toBe(1);
    expect(accuracyReward('42.0', 42)).toBe(1);
    expect(accuracyReward('41', 42)).toBe(0);
    expect(accuracyReward('forty-two', 42)).toBe(0);
    expect(accuracyReward('1e400', 42)).toBe(0);
    expect(accuracyReward(null, 42)).toBe(0);
    expect(accuracyReward('  Hello   World ', 'hello world')).toBe(1);
  });
});

describe('composeReward', () => {
  it('defaults to accuracy + 0.5 * format', () => {
    expect(DEFAULT_REWARD_WEIGHTS).toMatchObject({ accuracy: 1, format: 0.5 });
    expect(composeReward({ accuracy: 1, format: 1 }).total).toBe(1.5);
    expect(composeReward({ accuracy: 0, format: 1 }).total).toBe(0.5);
    expect(composeReward({ accuracy: 1, format: 0 }).total).toBe(1);
    expect(composeReward({ env: 3 }).total).toBe(0);
  });
  it('uses custom weights and extra components, keeps components for logging', () => {
    const r = composeReward({ accuracy: 1, format: 1, env: -0.3, length: 0.2 }, { format: 1, env: 1, length: 0.5 });
    expect(r.total).toBeCloseTo(1 + 1 - 0.3 + 0.1, 12);
    expect(r.components).toEqual({ accuracy: 1, format: 1, env: -0.3, length: 0.2 });
  });
  it('turns non-finite components into 0 and rejects bad weights', () => {
    expect(composeReward({ accuracy: Number.NaN, format: 1 }).total).toBe(0.5);
    expect(() => composeReward({ accuracy: 1 }, { accuracy: Number.POSITIVE_INFINITY })).toThrow(RewardConfigError);
    expect(() => composeReward({ accuracy: 1 }, { accuracy: '1' as unknown as number })).toThrow(/accuracy/);
  });
});
