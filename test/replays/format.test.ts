import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  REPLAY_VERSION, ReplayError, ReplayFormatError, ReplayPolicy, ReplayTruncatedError, ReplayVersionError, ReplayWriter,
  decodeReplayValue, encodeReplayValue, parseReplay, readReplay, replaySink, saveEpisodeReplay,
} from '../../replays/index.js';
import { RecordEpisode, make } from '../../envs/index.js';
import { FL_NAMES, recordFrozenLake, responseFor, tempDir } from './helpers.js';

function writeSample(path: string, close = true): ReplayWriter {
  const w = new ReplayWriter(path, { envId: 'FrozenLake-v0', envOptions: { map: '4x4' }, seed: 3, resetOptions: { level: 2 }, agent: { name: 'tester', model: 'm1' }, actionNames: FL_NAMES, meta: { run: 'r1' } });
  w.step({ action: 2, reward: 0, info: { tile: 'F', v: new Float32Array([0.5, 1.5]), nan: NaN }, response: 'hello <answer>right</answer>', parsedAction: 2, rewardComponents: { format: 1, accuracy: 0 } });
  w.turn({ response: 'hello', reward: 0.5, rewardComponents: { format: 1 } });
  w.step({ action: 1, reward: 0.25, info: {}, parseError: 'no answer tag' });
  w.turn({ response: 'second' });
  w.turn({ steps: 0, response: 'garbage', parseError: 'no answer tag', reward: 0 });
  w.step({ action: 1, reward: 1, terminated: true, info: { success: true } });
  w.turn({ response: 'last', reward: 1.5 });
  if (close) w.close({ success: true });
  return w;
}

describe('replay file round trip', () => {
  it('writes a header, steps, turns and an end line that read back equal', () => {
    const dir = tempDir();
    const path = join(dir, 'a.jsonl');
    writeSample(path);
    expect(existsSync(path + '.partial')).toBe(false);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: 'header', format: 'lmm-gym-replay', version: REPLAY_VERSION, envId: 'FrozenLake-v0', seed: 3 });
    expect(lines.map((l) => l.kind)).toEqual(['header', 'step', 'turn', 'step', 'turn', 'turn', 'step', 'turn', 'end']);
    const r = readReplay(path);
    expect(r.header.agent).toEqual({ name: 'tester', model: 'm1' });
    expect(r.header.resetOptions).toEqual({ level: 2 });
    expect(r.steps.map((s) => s.action)).toEqual([2, 1, 1]);
    expect(r.steps.map((s) => s.reward)).toEqual([0, 0.25, 1]);
    expect(r.steps[0]!.info.v).toEqual(new Float32Array([0.5, 1.5]));
    expect(Number.isNaN(r.steps[0]!.info.nan)).toBe(true);
    expect(r.steps[0]!.response).toBe('hello <answer>right</answer>');
    expect(r.steps[0]!.rewardComponents).toEqual({ format: 1, accuracy: 0 });
    expect(r.steps[1]!.parseError).toBe('no answer tag');
    expect(r.turns.map((t) => [t.turn, t.start, t.count])).toEqual([[0, 0, 1], [1, 1, 1], [2, 2, 0], [3, 2, 1]]);
    expect(r.end).toMatchObject({ steps: 3, totalReward: 1.25, terminated: true, truncated: false, turns: 4, turnReward: 2, summary: { success: true } });
    expect(r.end!.rewardComponentTotals).toEqual({ format: 2, accuracy: 0 });
  });

  it('encodes typed arrays, non-finite numbers and bigints losslessly', () => {
    const v = { a: new Int16Array([-3, 7]), b: [Infinity, -Infinity, 1.5], c: 10n, d: undefined, e: { f: new Uint8Array([1]) } };
    const back = decodeReplayValue(JSON.parse(JSON.stringify(encodeReplayValue(v)))) as Record<string, unknown>;
    expect(back).toEqual({ a: new Int16Array([-3, 7]), b: [Infinity, -Infinity, 1.5], c: 10n, e: { f: new Uint8Array([1]) } });
  });

  it('saves a RecordEpisode episode with per-step agent annotations', () => {
    const ep = recordFrozenLake({ seed: 9, actionSeed: 2 });
    const path = join(tempDir(), 'ep.jsonl');
    saveEpisodeReplay(path, ep, { annotations: ep.actions.map((a, t) => ({ response: responseFor(a, t), parsedAction: a })), agent: { name: 'random' } });
    const r = readReplay(path);
    expect(r.header).toMatchObject({ envId: 'FrozenLake-v0', seed: 9, episodeIndex: 0 });
    expect(r.header.envOptions).toMatchObject({ map: '8x8', maxEpisodeSteps: 100 });
    expect(r.steps.map((s) => s.action)).toEqual(ep.actions);
    expect(r.steps.map((s) => s.reward)).toEqual(ep.rewards);
    expect(r.steps.at(-1)!.terminated || r.steps.at(-1)!.truncated).toBe(true);
    expect(r.steps[1]!.response).toBe(responseFor(ep.actions[1]!, 1));
    expect(r.steps.every((s) => s.frame === undefined && s.text === undefined)).toBe(true);
  });

  it('replaySink writes every Nth episode of a RecordEpisode env', () => {
    const dir = tempDir();
    const sink = replaySink<number>(dir, { policy: new ReplayPolicy({ every: 2 }) });
    const env = new RecordEpisode(make<number, number>('FrozenLake-v0'), sink);
    for (let ep = 0; ep < 5; ep++) {
      env.reset({ seed: ep });
      for (;;) { const r = env.step(1); if (r.terminated || r.truncated) break; }
    }
    env.close();
    expect(sink.paths.map((p) => p.slice(dir.length + 1))).toEqual(['FrozenLake-v0-ep000000.jsonl', 'FrozenLake-v0-ep000002.jsonl', 'FrozenLake-v0-ep000004.jsonl']);
    expect(readReplay(sink.paths[1]!).header.seed).toBe(2);
  });

  it('the writer refuses a step after the end and a non-finite reward', () => {
    const w = new ReplayWriter(join(tempDir(), 'x.jsonl'), { envId: 'FrozenLake-v0', seed: 1 });
    expect(() => w.step({ action: 0, reward: Infinity })).toThrow(/finite/);
    w.step({ action: 0, reward: 0, terminated: true });
    expect(() => w.step({ action: 0, reward: 0 })).toThrow(ReplayError);
    expect(() => w.turn({ steps: 2 })).toThrow(/cannot cover 2/);
    w.close();
  });
});

describe('partial, corrupt and truncated files', () => {
  it('an unclosed writer leaves a .partial file, readable only with allowPartial', () => {
    const path = join(tempDir(), 'p.jsonl');
    const w = writeSample(path, false);
    expect(existsSync(path)).toBe(false);
    expect(() => readReplay(path)).toThrow(/\.partial exists/);
    let err: unknown;
    try { readReplay(w.partialPath); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ReplayTruncatedError);
    expect((err as ReplayTruncatedError).line).toBe(8);
    expect((err as Error).message).toMatch(/ends after line 8 without its end line/);
    const r = readReplay(w.partialPath, { allowPartial: true });
    expect(r.end).toBeNull();
    expect(r.steps).toHaveLength(3);
    w.abort();
  });

  it('a line cut in the middle names its line number', () => {
    const path = join(tempDir(), 'c.jsonl');
    writeSample(path);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    const cut = lines.slice(0, 3).join('\n') + '\n' + lines[3]!.slice(0, 20);
    writeFileSync(path, cut);
    expect(() => readReplay(path)).toThrow(ReplayTruncatedError);
    expect(() => readReplay(path)).toThrow(/:4: line 4 is cut off/);
    const r = readReplay(path, { allowPartial: true });
    expect(r.steps).toHaveLength(1);
  });

  const base = () => {
    const path = join(tempDir(), 'b.jsonl');
    writeSample(path);
    return readFileSync(path, 'utf8').split('\n');
  };
  const expectLineError = (text: string, line: number, pattern: RegExp) => {
    let err: unknown;
    try { parseReplay(text, { source: 'f.jsonl' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ReplayFormatError);
    expect((err as ReplayFormatError).line).toBe(line);
    expect((err as Error).message).toContain(`f.jsonl:${line}:`);
    expect((err as Error).message).toMatch(pattern);
  };

  it('invalid JSON in the middle of the file names the line', () => {
    const lines = base();
    lines[3] = '{"kind":"step", oops';
    expectLineError(lines.join('\n'), 4, /not valid JSON/);
  });

  it('steps out of order, missing fields and lines after the end are reported with their line', () => {
    let lines = base();
    lines[3] = lines[3]!.replace('"t":1', '"t":5');
    expectLineError(lines.join('\n'), 4, /t must be 1/);
    lines = base();
    lines[1] = lines[1]!.replace('"reward":0', '"reward":"0"');
    expectLineError(lines.join('\n'), 2, /reward must be a number/);
    lines = base();
    lines.splice(9, 0, lines[1]!);
    expectLineError(lines.join('\n'), 10, /after the end line/);
    lines = base();
    lines[8] = lines[8]!.replace('"steps":3', '"steps":4');
    expectLineError(lines.join('\n'), 9, /says 4 steps but the file has 3/);
    lines = base();
    lines[8] = lines[8]!.replace('"totalReward":1.25', '"totalReward":1.5');
    expectLineError(lines.join('\n'), 9, /totalReward 1.5 but the steps sum to 1.25/);
    lines = base();
    lines.splice(7, 0, lines[6]!.replace('"t":2', '"t":3'));
    expectLineError(lines.join('\n'), 8, /step after the episode ended/);
    lines = base();
    lines[4] = lines[4]!.replace('"start":1', '"start":0').replace('"count":1', '"count":2');
    expectLineError(lines.join('\n'), 5, /turn 1 covers steps 0..1 but must/);
  });

  it('a file that is not a replay, an empty file and a newer version are refused clearly', () => {
    expectLineError('{"hello":1}\n', 1, /not an lmm-gym replay/);
    expectLineError('', 1, /empty file/);
    const lines = base();
    lines[0] = lines[0]!.replace(`"version":${REPLAY_VERSION}`, '"version":99');
    expect(() => parseReplay(lines.join('\n'))).toThrow(ReplayVersionError);
  });
});

describe('ReplayPolicy', () => {
  it('keeps every Nth and the first N episodes', () => {
    const p = new ReplayPolicy({ every: 3, first: 2 });
    expect([0, 1, 2, 3, 4, 5, 6].filter((i) => p.shouldRecord(i))).toEqual([0, 1, 3, 6]);
    expect([0, 1, 2].every((i) => new ReplayPolicy().shouldRecord(i))).toBe(true);
  });

  it('selects the best and worst of each batch (ties to the lower index) plus every Nth across batches', () => {
    const p = new ReplayPolicy({ best: 1, worst: 1, every: 4 });
    expect(p.select([0.5, 2, NaN, -1, 2])).toEqual([0, 1, 3, 4]); // every: 0 and 4; best: 1; worst: 3
    expect(p.episodesSeen).toBe(5);
    expect(p.select([1, 1, 1, 1])).toEqual([0, 3]); // best/worst tie -> index 0; every: global 8 -> index 3
    expect(new ReplayPolicy({ best: 2 }).select([3, 1, 2])).toEqual([0, 2]);
    expect(() => new ReplayPolicy({ every: -1 })).toThrow(/non-negative integer/);
  });
});

describe('tagged values that do not decode (issue 18)', () => {
  it('are ReplayFormatErrors on their line, naming the field, never a SyntaxError or a silent NaN', () => {
    const path = join(tempDir(), 'tags.jsonl');
    writeSample(path);
    const lines = readFileSync(path, 'utf8').split('\n');
    const check = (mutate: (step: any) => void, message: RegExp) => {
      const step = JSON.parse(lines[1]!);
      mutate(step);
      const copy = [...lines];
      copy[1] = JSON.stringify(step);
      writeFileSync(path, copy.join('\n'));
      const e = (() => { try { readReplay(path); } catch (x) { return x as ReplayFormatError; } return null; })();
      expect(e).toBeInstanceOf(ReplayFormatError);
      expect(e!.line).toBe(2);
      expect(e!.message).toMatch(message);
    };
    check((s) => { s.action = { $bigint: 'abc' }; }, /:2: action: \{"\$bigint":"abc"\} is not a bigint tag/);
    check((s) => { s.info.nan = { $num: 'lots' }; }, /:2: info\.nan: \{"\$num":"lots"\} is not a number tag/);
    check((s) => { s.info.v = { $typed: 'Float32Array', data: [1, 'two'] }; }, /:2: info\.v: .* holds "two" at data\[1\], not a number/);
    expect(() => decodeReplayValue({ $bigint: '1e5' })).toThrow(ReplayError);
    expect(decodeReplayValue({ $bigint: '-12' })).toBe(-12n);
    expect(decodeReplayValue({ $num: '-Infinity' })).toBe(-Infinity);
  });
});

