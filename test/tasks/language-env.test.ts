import { describe, expect, it } from 'vitest';
import { BaseEnv, Box, Discrete, InvalidOptionError, ResetNeededError, createFrame, make, type Frame } from '../../envs/index.js';
import { LanguageEnv, buildAgentObservation, renderTemplate, getPromptSpec } from '../../tasks/index.js';

const lake = () => make('FrozenLake-v0', { slippery: false });
const ans = (a: string) => `<think>t</think><answer>${a}</answer>`;

describe('LanguageEnv step mode', () => {
  it('builds prompts with rules, vocabulary, answer format and the text view', () => {
    const env = new LanguageEnv(lake());
    const { observation: o } = env.reset({ seed: 0 });
    expect(o.envId).toBe('FrozenLake-v0');
    expect(o.actionNames).toEqual(['left', 'down', 'right', 'up']);
    expect(o.systemPrompt).toMatch(/FrozenLake/);
    expect(o.systemPrompt).toMatch(/- left: move one cell left/);
    expect(o.systemPrompt).toMatch(/<think>.*<answer>/s);
    expect(o.userPrompt).toContain('Player at row 0, column 0');
    expect(o.text).toContain('PFFF');
    expect(o.image).toBeUndefined();
    expect(o.history).toEqual([]);
  });

  it('runs one action per turn, pays accuracy + 0.5 * format-rate at the end, keeps the last N actions', () => {
    const env = new LanguageEnv(lake(), { historyLength: 2 });
    env.reset({ seed: 0 });
    const path = ['Down', 'Down', 'Right', 'Down', 'Right', 'Right'];
    let last;
    for (let i = 0; i < path.length; i++) {
      last = env.step(ans(path[i]!));
      expect(last.info.valid).toBe(true);
      if (i < path.length - 1) {
        expect(last.reward).toBe(0);
        expect(last.info.rewards.formatOk).toBe(1);
        expect(last.terminated).toBe(false);
      }
    }
    expect(last!.terminated).toBe(true);
    expect(last!.reward).toBe(1.5);
    expect(last!.info.rewards).toMatchObject({ accuracy: 1, format: 1, env: 1, total: 1.5 });
    expect(last!.info.success).toBe(true);
    expect(last!.observation.history.map((h) => h.action)).toEqual(['right', 'right']);
    expect(last!.observation.userPrompt).toContain('Your last 2 actions: right, right');
    expect(() => env.step(ans('Left'))).toThrow(ResetNeededError);
  });

  it("formatCredit 'turn' pays the format reward every turn; 'episode' pays the share of formatted turns", () => {
    const perTurn = new LanguageEnv(lake(), { formatCredit: 'turn', maxTurns: 2 });
    perTurn.reset({ seed: 0 });
    expect(perTurn.step(ans('Right')).reward).toBe(0.5);
    const episode = new LanguageEnv(lake(), { maxTurns: 2 });
    episode.reset({ seed: 0 });
    expect(episode.step(ans('Right')).reward).toBe(0);
    const end = episode.step('<answer>Left</answer>');
    expect(end.truncated).toBe(true);
    expect(end.info.rewards.format).toBe(0.5);
    expect(end.reward).toBe(0.25);
  });

  it("a reply ending with a newline earns the format reward (rule 'server', default); formatRule 'strict' withholds it", () => {
    const server = new LanguageEnv(lake(), { formatCredit: 'turn' });
    server.reset({ seed: 0 });
    const r = server.step(ans('Right') + '\n');
    expect(r.info.rewards.formatOk).toBe(1);
    expect(r.reward).toBe(0.5);
    const strict = new LanguageEnv(lake(), { formatCredit: 'turn', formatRule: 'strict' });
    strict.reset({ seed: 0 });
    const s = strict.step(ans('Right') + '\n');
    expect(s.info.valid).toBe(true);
    expect(s.info.rewards.formatOk).toBe(0);
    expect(s.reward).toBe(0);
    expect(() => new LanguageEnv(lake(), { formatRule: 'stirct' as never })).toThrow(/formatRule must be one of 'server', 'strict', got "stirct"/);
  });

  it('malformed answers: no-op by default (env untouched, turn counts, optional penalty)', () => {
    const env = new LanguageEnv(lake(), { invalidPenalty: -0.1, maxTurns: 3 });
    env.reset({ seed: 0 });
    const before = env.env.describe();
    const r = env.step('I would go left');
    expect(r.info.valid).toBe(false);
    expect(r.info.parse.reason).toBe('no-answer-tag');
    expect(r.info.executed).toEqual([]);
    expect(r.info.effective).toBe(false);
    expect(r.reward).toBeCloseTo(-0.1, 12);
    expect(env.env.describe()).toBe(before);
    expect(r.terminated || r.truncated).toBe(false);
    env.step(ans('jump'));
    const third = env.step(ans('fly'));
    expect(third.truncated).toBe(true);
  });

  it("invalidAnswer 'end' ends the episode on a malformed answer", () => {
    const env = new LanguageEnv(lake(), { invalidAnswer: 'end' });
    env.reset({ seed: 0 });
    const r = env.step('<answer>sideways</answer>');
    expect(r.truncated).toBe(true);
    expect(r.info.parse.reason).toBe('unknown-action');
  });

  it('K actions per answer; more than K is malformed; walking into the edge is not effective', () => {
    const env = new LanguageEnv(lake(), { maxActions: 3 });
    env.reset({ seed: 0 });
    const r = env.step(ans('Down, Down, Right'));
    expect(r.info.executed).toEqual([1, 1, 2]);
    expect(r.observation.userPrompt).toContain('row 2, column 1');
    expect(env.step(ans('Left, Left, Left, Left')).info.parse.reason).toBe('too-many-actions');
    const env2 = new LanguageEnv(lake());
    env2.reset({ seed: 0 });
    expect(env2.step(ans('Up')).info.effective).toBe(false);
    expect(env2.step(ans('Down')).info.effective).toBe(true);
  });

  it('image modes carry a copied frame; image mode leaves the text out of the prompt', () => {
    const img = new LanguageEnv(lake(), { mode: 'image' });
    const o = img.reset({ seed: 0 }).observation;
    expect(o.image!.width).toBeGreaterThan(0);
    expect(o.text).toBeUndefined();
    expect(o.userPrompt).not.toContain('PFFF');
    expect(o.userPrompt).toMatch(/shown in the image/);
    const cap = new LanguageEnv(lake(), { mode: 'image+caption' }).reset({ seed: 0 }).observation;
    expect(cap.image).toBeDefined();
    expect(cap.userPrompt).toContain('PFFF');
    const both = new LanguageEnv(lake(), { mode: 'text+image' }).reset({ seed: 0 }).observation;
    expect(both.text).toContain('PFFF');
    expect(both.image).toBeDefined();
    // The frame is a copy: stepping does not change an earlier observation.
    const copy = new Uint8ClampedArray(o.image!.data);
    img.step(ans('Down'));
    expect(o.image!.data).toEqual(copy);
  });

  it('rejects bad options', () => {
    expect(() => new LanguageEnv(lake(), { mode: 'video' as never })).toThrow(InvalidOptionError);
    expect(() => new LanguageEnv(lake(), { maxActions: 0 })).toThrow(/maxActions/);
    expect(() => new LanguageEnv(lake(), { interaction: 'chat' as never })).toThrow(/interaction/);
    expect(() => new LanguageEnv(lake(), { rewardWeights: { format: Number.NaN } })).toThrow(/format/);
    expect(() => new LanguageEnv(lake()).step(ans('Left'))).toThrow(ResetNeededError);
  });
});

describe('LanguageEnv plan mode', () => {
  it('replays the whole plan in one turn and tracks the best cumulative env reward', () => {
    const env = new LanguageEnv(lake(), { interaction: 'plan' });
    const o = env.reset({ seed: 0 }).observation;
    expect(o.systemPrompt).toMatch(/whole plan/);
    expect(o.maxActions).toBe(50);
    const r = env.step(ans('Down, Down, Right, Down, Right, Right, Left, Left'));
    expect(r.terminated).toBe(true);
    expect(r.info.executed).toHaveLength(6); // stops at the goal
    expect(r.info.bestEnvReturn).toBe(1);
    expect(r.reward).toBe(1.5);
  });

  it('a plan that does not finish ends the episode truncated; the plan limit truncates long plans', () => {
    const env = new LanguageEnv(lake(), { interaction: 'plan', maxActions: 3 });
    env.reset({ seed: 0 });
    const r = env.step(ans('Right, Left, Right, Left, Right'));
    expect(r.info.executed).toHaveLength(3);
    expect(r.truncated).toBe(true);
    expect(r.terminated).toBe(false);
    expect(r.reward).toBe(0.5);
  });
});

describe('LanguageEnv on free-text tasks', () => {
  it('passes the answer to the env; a malformed or oversized answer is a wrong answer', () => {
    const env = new LanguageEnv(make('Arithmetic-v0', { difficulty: 'easy' }));
    const o = env.reset({ seed: 3 }).observation;
    expect(o.actionNames).toEqual([]);
    expect(o.systemPrompt).toMatch(/integer only/);
    const r = env.step('no tags');
    expect(r.terminated).toBe(true);
    expect(r.info.executed).toEqual(['']);
    expect(r.reward).toBe(0);
    env.reset({ seed: 3 });
    const big = env.step(ans('1'.repeat(5000)));
    expect(big.info.executed).toEqual(['']);
  });
});

describe('prompt templates', () => {
  it('renders user templates and keeps unknown fields', () => {
    expect(renderTemplate('a {x} {y}', { x: '1' })).toBe('a 1 {y}');
    const o = buildAgentObservation({
      envId: 'FrozenLake-v0', mode: 'text', interaction: 'step', text: 'STATE', actionNames: ['left', 'right'],
      templates: { system: 'SYS {title} :: {actions}', user: 'Board:\n{state}\n{instruction}' },
    });
    expect(o.systemPrompt).toBe('SYS FrozenLake :: Actions (case-insensitive):\n- left: move one cell left\n- right: move one cell right');
    expect(o.userPrompt).toBe('Board:\nCurrent state:\nSTATE\nGive your next action.');
  });
  it('unknown envs get a generic spec', () => {
    expect(getPromptSpec('Nope-v3', ['a']).title).toBe('Nope-v3');
  });
});

/** A third-party env with an unnamed Discrete(3, start 1) action space: the action is the counter's step. */
class CounterEnv extends BaseEnv<number, number> {
  readonly actionSpace = new Discrete(3, 1);
  readonly observationSpace = new Discrete(100);
  private count = 0;
  protected onReset() { this.count = 0; return { observation: 0, info: {} }; }
  protected onStep(a: number) { this.count += a; return { observation: this.count, reward: a, terminated: this.count >= 5, truncated: false, info: { success: this.count === 5 } }; }
  render(): Frame { return createFrame(4, 4); }
  describe(): string { return `count ${this.count}`; }
}

describe('LanguageEnv on third-party envs', () => {
  it('numbers are the action names of an unnamed Discrete space (with its start)', () => {
    const env = new LanguageEnv(new CounterEnv(), { maxActions: 3 });
    const o = env.reset({ seed: 0 }).observation;
    expect(o.actionNames).toEqual(['1', '2', '3']);
    const r = env.step(ans('3, 2'));
    expect(r.info.executed).toEqual([3, 2]);
    expect(r.info.success).toBe(true);
    expect(env.actionName(3)).toBe('3');
    expect(r.observation.history.map((h) => h.action)).toEqual(['3', '2']);
  });
  it('rejects envs whose actions cannot be written as text', () => {
    class BoxEnv extends CounterEnv { override readonly actionSpace = new Box(0, 1, [2]) as never; }
    expect(() => new LanguageEnv(new BoxEnv())).toThrow(/Discrete .* or Text action space/);
  });
});
