import { describe, expect, it } from 'vitest';
import { accuracyReward, composeReward, formatReward, isFormatOk, isStrictFormat, stripPythonWhitespace, RewardConfigError, winReward, DEFAULT_REWARD_WEIGHTS } from '../../tasks/rewards/index.js';

describe('formatReward (LMM-R1 rule)', () => {
  it('accepts exactly <think>..</think><answer>..</answer> with newlines inside', () => {
    expect(formatReward('<think>a</think><answer>b</answer>')).toBe(1);
    expect(formatReward('<think>line1\nline2</think><answer>Left,\nUp</answer>')).toBe(1);
    expect(formatReward('<think></think><answer></answer>')).toBe(1);
  });

  it('rejects text outside the tags and whitespace between them', () => {
    expect(formatReward('x<think>a</think><answer>b</answer>')).toBe(0);
    expect(formatReward('<think>a</think><answer>b</answer>\nx')).toBe(0);
    expect(formatReward('<think>a</think>\n<answer>b</answer>')).toBe(0);
  });

  // LMM-R1's reward server runs verify_format on response.strip() (issue 18).
  it("default rule 'server': outer whitespace is stripped as Python's str.strip() does", () => {
    const ok = '<think>a</think><answer>b</answer>';
    for (const ws of ['\n', ' ', '\r\n', '\t', '\v', '\f', '\x1c', '\x1f', '\x85', '\xa0', '\u2009', '\u2028', '\u3000']) {
      expect(formatReward(ok + ws), JSON.stringify(ws)).toBe(1);
      expect(formatReward(ws + ok + ws), JSON.stringify(ws)).toBe(1);
      expect(isFormatOk(ok + ws), JSON.stringify(ws)).toBe(true);
    }
    // Not whitespace to Python: the BOM and the zero-width space are kept (JS trim() drops the BOM).
    expect(formatReward(ok + '\ufeff')).toBe(0);
    expect(formatReward(ok + '\u200b')).toBe(0);
    expect(formatReward('\n\n')).toBe(0);
  });

  it("rule 'strict' is the bare check: any outer whitespace fails", () => {
    const ok = '<think>a</think><answer>b</answer>';
    expect(formatReward(ok, 'strict')).toBe(1);
    expect(formatReward(ok + '\n', 'strict')).toBe(0);
    expect(formatReward(' ' + ok, 'strict')).toBe(0);
    expect(isFormatOk(ok + '\n', 'strict')).toBe(false);
    expect(isStrictFormat(ok + '\n')).toBe(false);
  });

  it("stripPythonWhitespace removes exactly Python 3's str.isspace() set", () => {
    // From CPython 3.11: [hex(ord(c)) for c in map(chr, range(0x110000)) if c.isspace()]
    const python = [0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
      0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];
    const stripped: number[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCharCode(c);
      if (stripPythonWhitespace(`${ch}x${ch}`) === 'x') stripped.push(c);
    }
    expect(stripped).toEqual(python);
    expect(stripPythonWhitespace(' \n a b \t')).toBe('a b');
  });

  it('is stricter than LMM-R1 on purpose: a stray </think> or </answer> fails (its code lets them through)', () => {
    expect(formatReward('<think>a</answer></think><answer>b</answer>')).toBe(0);
    expect(formatReward('<think>a</think><answer>b</think></answer>')).toBe(0);
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
