// Issue 14, small things: rounded numbers in the command's text and JSON output, and the
// "did you mean" suggestions for unknown flags and commands.
import { describe, expect, it } from 'vitest';
import { editDistance, parseCommandArgs, suggest } from '../../cli/args.js';
import { summariseReport } from '../../cli/commands/eval.js';
import { cleanFloat, cleanFloats, formatNumber } from '../../cli/format.js';
import type { EvalReport } from '../../agents/eval/evaluate.js';

describe('numbers in reports', () => {
  it('formatNumber rounds without float noise, trailing zeros or -0', () => {
    expect(formatNumber(10.200000000000001)).toBe('10.2');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(-0.30000000000000004)).toBe('-0.3');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(2 / 3)).toBe('0.667');
    expect(formatNumber(2 / 3, 1)).toBe('0.7');
    expect(formatNumber(-0.0001)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });

  it('cleanFloat keeps 12 significant digits; cleanFloats does so throughout a JSON value', () => {
    expect(cleanFloat(10.200000000000001)).toBe(10.2);
    expect(cleanFloat(0.2775327998628892)).toBe(0.277532799863);
    expect(cleanFloat(7)).toBe(7);
    expect(JSON.stringify({ a: [0.1 + 0.2, { b: 10.200000000000001 }], c: 'x', n: 3 }, cleanFloats)).toBe('{"a":[0.3,{"b":10.2}],"c":"x","n":3}');
  });

  it('the eval summary prints fixed decimals, never float noise', () => {
    const report: EvalReport = {
      version: 1, envId: 'Sokoban-v0', envOptions: {}, agent: 'random', mode: 'text', interaction: 'step', seed: 0,
      episodes: 3, successes: 1, successRate: 1 / 3, successInterval95: [0.06149194472039, 0.7923403991979],
      formatValidRate: 0.9666666666666667, parseRate: 1, meanReturn: 10.200000000000001, meanEnvReturn: -0.30000000000000004,
      meanSteps: 10.200000000000001, meanTurns: 12, scores: { optimality: { mean: 0.1 + 0.2, std: 0.30000000000000004, n: 3 } },
      errors: 0, durationMs: 5, perEpisode: [],
    } as unknown as EvalReport;
    const text = summariseReport(report);
    expect(text).toContain('success      33.3%  (95% CI 6.1% – 79.2%, 1/3)');
    expect(text).toContain('format-valid 96.7%   parsed 100.0%');
    expect(text).toContain('mean return  10.200   env return -0.300   steps 10.2   turns 12.0');
    expect(text).toContain('optimality   0.30 ± 0.30 (n=3)');
    expect(text).not.toMatch(/\d\.\d{4,}/);
  });
});

describe('"did you mean" for unknown flags', () => {
  const options = { episodes: { type: 'string' }, env: { type: 'string' }, 'max-steps': { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

  it('editDistance counts an adjacent swap as one edit', () => {
    expect(editDistance('epsiodes', 'episodes')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggest finds typos, case and separator variants, and prefixes', () => {
    expect(suggest('epsiodes', ['episodes', 'env', 'seed'])).toEqual(['episodes']);
    expect(suggest('maxSteps', ['max-steps', 'max-turns'])).toEqual(['max-steps']);
    expect(suggest('epi', ['episodes', 'env'])).toEqual(['episodes']);
    expect(suggest('zzzz', ['episodes', 'env'])).toEqual([]);
  });

  it('parseCommandArgs names the closest flag, or lists the flags', () => {
    expect(() => parseCommandArgs(['--epsiodes', '3'], options)).toThrow('unknown flag --epsiodes; did you mean --episodes?');
    expect(() => parseCommandArgs(['--epsiodes=3'], options)).toThrow('unknown flag --epsiodes; did you mean --episodes?');
    expect(() => parseCommandArgs(['--maxSteps', '3'], options)).toThrow('did you mean --max-steps?');
    expect(() => parseCommandArgs(['--zzzz'], options)).toThrow('unknown flag --zzzz; flags: --episodes, --env, --max-steps, --help');
    expect(() => parseCommandArgs(['-x'], options)).toThrow('unknown flag -x; flags:');
    // Other parse errors keep node's message.
    expect(() => parseCommandArgs(['--env'], options)).toThrow(/argument missing/);
  });
});
