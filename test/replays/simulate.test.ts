import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { framesEqual, make, Rng } from '../../envs/index.js';
import {
  ReplayMismatchError, ReplayNotSimulatableError, ReplayRecorder, ReplayPolicy, agentViewAt, readReplay,
  replayStates, saveEpisodeReplay, verifyReplay,
} from '../../replays/index.js';
import { recordFrozenLake, responseFor, tempDir } from './helpers.js';

describe('re-simulation', () => {
  it('rebuilds every frame and reproduces every reward of a recorded episode', () => {
    const ep = recordFrozenLake({ seed: 21, actionSeed: 4, frames: true, text: true });
    const path = join(tempDir(), 'a.jsonl');
    saveEpisodeReplay(path, ep);
    const replay = readReplay(path);
    const states = [...replayStates(replay, { scale: 1, text: true })];
    expect(states).toHaveLength(ep.length + 1);
    states.forEach((s, i) => {
      expect(framesEqual(s.frame!, ep.frames![i]!)).toBe(true);
      expect(s.text).toBe(ep.texts![i]);
      expect(s.mismatches).toEqual([]);
    });
    expect(verifyReplay(replay)).toEqual({ ok: true, steps: ep.length, mismatches: [] });
  });

  it('a changed reward is reported with its step and file line, not drawn', () => {
    const ep = recordFrozenLake({ seed: 21, actionSeed: 4 });
    expect(ep.length).toBeGreaterThan(3);
    const path = join(tempDir(), 'm.jsonl');
    saveEpisodeReplay(path, ep);
    const lines = readFileSync(path, 'utf8').split('\n');
    // Step t=2 is on line 4; keep the end line's total consistent so the file itself is valid.
    const step = JSON.parse(lines[3]!);
    const end = JSON.parse(lines[lines.length - 2]!);
    step.reward += 0.5;
    end.totalReward = ep.rewards.reduce((a, r, t) => a + (t === 2 ? r + 0.5 : r), 0);
    lines[3] = JSON.stringify(step);
    lines[lines.length - 2] = JSON.stringify(end);
    writeFileSync(path, lines.join('\n'));
    const replay = readReplay(path);
    let err: unknown;
    try { for (const _ of replayStates(replay)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ReplayMismatchError);
    expect((err as ReplayMismatchError).mismatches[0]).toMatchObject({ t: 2, line: 4, field: 'reward', recorded: ep.rewards[2]! + 0.5, simulated: ep.rewards[2] });
    expect((err as Error).message).toMatch(/step 2 \(line 4\): reward recorded/);
    const report = verifyReplay(replay);
    expect(report.ok).toBe(false);
    expect(report.mismatches.map((m) => m.t)).toEqual([2]);
    const collected = [...replayStates(replay, { onMismatch: 'collect', frames: false })];
    expect(collected[3]!.mismatches).toHaveLength(1);
  });

  it('a replay made with other env options (another version of the level) is caught', () => {
    const ep = recordFrozenLake({ seed: 3, actionSeed: 8, envOptions: { slippery: false, map: '8x8' } });
    const path = join(tempDir(), 'v.jsonl');
    saveEpisodeReplay(path, ep);
    const text = readFileSync(path, 'utf8').replace('"slippery":false', '"slippery":true');
    writeFileSync(path, text);
    const report = verifyReplay(readReplay(path));
    expect(report.ok).toBe(false);
    expect(['reward', 'terminated', 'truncated', 'ended-early']).toContain(report.mismatches[0]!.field);
  });

  it('an action the env rejects is a mismatch, not a crash', () => {
    const ep = recordFrozenLake({ seed: 3, actionSeed: 8 });
    const path = join(tempDir(), 'r.jsonl');
    saveEpisodeReplay(path, ep);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"t":1,"action":\d/, '"t":1,"action":9'));
    const report = verifyReplay(readReplay(path));
    expect(report.mismatches[0]).toMatchObject({ t: 1, field: 'step-error', recorded: 9 });
  });

  it('an unseeded or unregistered replay is refused, and falls back to stored frames when it has them', () => {
    const ep = recordFrozenLake({ reseed: false, frames: true });
    expect(ep.seed).toBeNull();
    const dir = tempDir();
    saveEpisodeReplay(join(dir, 'noframes.jsonl'), ep);
    expect(() => [...replayStates(readReplay(join(dir, 'noframes.jsonl')))]).toThrow(ReplayNotSimulatableError);
    expect(() => [...replayStates(readReplay(join(dir, 'noframes.jsonl')))]).toThrow(/no seed/);
    saveEpisodeReplay(join(dir, 'frames.jsonl'), ep, { frames: true });
    const stored = [...replayStates(readReplay(join(dir, 'frames.jsonl')))];
    expect(stored).toHaveLength(ep.length + 1);
    stored.forEach((s, i) => expect(framesEqual(s.frame!, ep.frames![i]!)).toBe(true));
    const other = readFileSync(join(dir, 'noframes.jsonl'), 'utf8').replace('"seed":null', '"seed":1').replace('"envId":"FrozenLake-v0"', '"envId":"Nope-v0"');
    writeFileSync(join(dir, 'other.jsonl'), other);
    expect(() => [...replayStates(readReplay(join(dir, 'other.jsonl')))]).toThrow(/"Nope-v0" is not registered here/);
  });

  it('scales the game frame with the env tile size when it has one', () => {
    const ep = recordFrozenLake({ seed: 1, envOptions: { map: '4x4' } });
    const path = join(tempDir(), 's.jsonl');
    saveEpisodeReplay(path, ep);
    const [first] = replayStates(readReplay(path), { scale: 3 });
    expect([first!.frame!.width, first!.frame!.height]).toEqual([4 * 16 * 3, 4 * 16 * 3]);
    const direct = make('FrozenLake-v0', { map: '4x4', tileSize: 48 });
    direct.reset({ seed: 1 });
    expect(framesEqual(first!.frame!, direct.render())).toBe(true);
  });
});

describe('ReplayRecorder with agent turns', () => {
  it('streams steps, turns (including answers that ran nothing) and closes at the next reset', () => {
    const dir = tempDir();
    const rec = new ReplayRecorder(make<number, number>('FrozenLake-v0', { slippery: false }), { dir, agent: { name: 'fake-llm' }, policy: new ReplayPolicy({ every: 1 }) });
    const rng = new Rng(3);
    rec.reset({ seed: 4 });
    expect(rec.currentPath).toMatch(/FrozenLake-v0-ep000000\.jsonl$/);
    // turn 0: malformed answer, no env step; turn 1: a plan of two actions; then single steps.
    rec.turn({ response: 'I think... no tags', parseError: 'no answer tag', reward: 0, rewardComponents: { format: 0, accuracy: 0 } });
    rec.step(1); rec.step(1);
    rec.turn({ response: '<think>go down twice</think><answer>down, down</answer>', parsedAction: [1, 1], reward: 0.5, rewardComponents: { format: 1, accuracy: 0 } });
    let t = 0;
    for (;;) {
      const a = rng.int(4);
      const r = rec.step(a);
      rec.turn({ response: responseFor(a, t++), parsedAction: a, reward: 0.5 });
      if (r.terminated || r.truncated) break;
    }
    rec.reset({ seed: 5 });
    expect(rec.paths).toHaveLength(1);
    rec.close();
    expect(rec.paths).toHaveLength(2);
    const replay = readReplay(rec.paths[0]!);
    expect(replay.header).toMatchObject({ seed: 4, agent: { name: 'fake-llm' }, actionNames: ['left', 'down', 'right', 'up'] });
    expect(replay.turns[0]).toMatchObject({ turn: 0, start: 0, count: 0, parseError: 'no answer tag' });
    expect(replay.turns[1]).toMatchObject({ turn: 1, start: 0, count: 2, parsedAction: [1, 1] });
    expect(verifyReplay(replay).ok).toBe(true);
    const v0 = agentViewAt(replay, 0)!;
    expect(v0.title).toBe('Turn 2 (plan, action 1/2)');
    expect(v0.idleTurns.map((x) => x.turn)).toEqual([0]);
    expect(agentViewAt(replay, 1)!.title).toBe('Turn 2 (plan, action 2/2)');
    expect(agentViewAt(replay, 2)!.response).toBe(responseFor(replay.steps[2]!.action as number, 0));
    expect(readReplay(rec.paths[1]!).steps).toHaveLength(0);
  });
});
