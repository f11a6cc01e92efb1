// The env server's batch operations without HTTP: sessions, reset, step with raw text,
// images as PNG, all-or-nothing batches, idle expiry on an injected clock, capacity.
import { describe, expect, it } from 'vitest';
import { decodePng, EnvService, IMAGE_PLACEHOLDER, ServeError } from '../../index.js';

const GOOD = '<think>go</think><answer>left</answer>';

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof ServeError) return e.status;
    throw e;
  }
  throw new Error('expected a ServeError');
}

describe('EnvService', () => {
  it('creates, resets and steps sessions; image modes send one decodable PNG per <image>', async () => {
    const svc = new EnvService();
    const { ids } = svc.create({ sessions: [{ env: 'Sokoban-v0', mode: 'image', seed: 3 }, { env: 'Sokoban-v0', mode: 'text', seed: 3 }] });
    expect(ids).toHaveLength(2);
    const { results } = svc.reset({ items: ids.map((id) => ({ id })) });
    const [img, txt] = results;
    expect(img!.observation.images).toHaveLength(1);
    expect(img!.observation.prompt.split(IMAGE_PLACEHOLDER)).toHaveLength(2);
    const frame = await decodePng(Buffer.from(img!.observation.images[0]!, 'base64'));
    expect([frame.width, frame.height]).toEqual([96, 96]);
    expect(txt!.observation.images).toEqual([]);
    expect(txt!.observation.prompt).not.toContain(IMAGE_PLACEHOLDER);
    expect(txt!.observation.prompt).toContain('#');
    const cd = svc.create({ sessions: [{ env: 'Countdown-v0', seed: 1 }] }).ids;
    expect(svc.reset({ items: [{ id: cd[0] }] }).results[0]!.info).toMatchObject({ target: expect.any(Number) });
    const step = svc.step({ items: [{ id: ids[0], action: GOOD }, { id: ids[1], action: 'nonsense' }] }).results;
    expect(step[0]!.info.valid).toBe(true);
    expect(step[0]!.info.executed).toEqual(['left']);
    expect(step[0]!.observation.prompt).toContain('Your last 1 action: left');
    expect(step[1]!.info.valid).toBe(false);
    expect(step[1]!.info.parse_error).toMatch(/answer/);
    expect(step[1]!.done).toBe(false);
  });

  it('is deterministic per seed: same spec and answers, same prompts, images and rewards', () => {
    const run = () => {
      const svc = new EnvService();
      const { ids } = svc.create({ sessions: [{ env: 'Sokoban-v0', mode: 'image', seed: 11 }] });
      const out = [JSON.stringify(svc.reset({ items: [{ id: ids[0] }] }).results[0]!.observation)];
      for (const a of ['up', 'right', 'down']) out.push(JSON.stringify(svc.step({ items: [{ id: ids[0], action: `<think></think><answer>${a}</answer>` }] }).results[0]!.observation));
      return out;
    };
    expect(run()).toEqual(run());
  });

  it('plan mode replays the whole answer and ends the episode; stepping again is 409 until a reset', () => {
    const svc = new EnvService();
    const { ids } = svc.create({ sessions: [{ env: 'Sokoban-v0', interaction: 'plan', seed: 5 }] });
    svc.reset({ items: [{ id: ids[0] }] });
    const r = svc.step({ items: [{ id: ids[0], action: '<think>x</think><answer>up, up, left</answer>' }] }).results[0]!;
    expect(r.done).toBe(true);
    expect(r.info.executed.length).toBeGreaterThan(0);
    expect(r.info.best_env_return).toBeTypeOf('number');
    expect(statusOf(() => svc.step({ items: [{ id: ids[0], action: GOOD }] }))).toBe(409);
    svc.reset({ items: [{ id: ids[0] }] });
    expect(svc.step({ items: [{ id: ids[0], action: GOOD }] }).results[0]!.done).toBe(true);
  });

  it('rejects bad batches whole: nothing is created or stepped', () => {
    const svc = new EnvService();
    expect(statusOf(() => svc.create({ sessions: [{ env: 'Sokoban-v0' }, { env: 'Nope-v0' }] }))).toBe(400);
    expect(statusOf(() => svc.create({ sessions: [{ env: 'Sokoban-v0', options: { widht: 6 } }] }))).toBe(400);
    expect(statusOf(() => svc.create({ sessions: [{ env: 'Sokoban-v0', colour: 1 }] }))).toBe(400);
    expect(statusOf(() => svc.create({ sessions: [{ env: 'Sokoban-v0', mode: 'smell' }] }))).toBe(400);
    expect(statusOf(() => svc.create({ sessions: [{ env: 'Sokoban-v0', seed: -1 }] }))).toBe(400);
    expect(statusOf(() => svc.create({ nope: [] }))).toBe(400);
    expect(svc.size).toBe(0);
    const { ids } = svc.create({ sessions: [{ env: 'Sokoban-v0', seed: 1 }, { env: 'Sokoban-v0', seed: 2 }] });
    expect(statusOf(() => svc.step({ items: [{ id: ids[0], action: GOOD }] }))).toBe(409); // before reset
    svc.reset({ items: ids.map((id) => ({ id })) });
    // The second item is bad: the first session must not have moved.
    expect(statusOf(() => svc.step({ items: [{ id: ids[0], action: GOOD }, { id: ids[1], action: 42 }] }))).toBe(400);
    expect(statusOf(() => svc.step({ items: [{ id: ids[0], action: GOOD }, { id: 'missing', action: GOOD }] }))).toBe(404);
    expect(statusOf(() => svc.step({ items: [{ id: ids[0], action: GOOD }, { id: ids[0], action: GOOD }] }))).toBe(400);
    expect(svc.step({ items: [{ id: ids[0], action: GOOD }] }).results[0]!.info.turn).toBe(0);
    expect(statusOf(() => svc.reset({ items: [{ id: ids[0], seed: 'x' }] }))).toBe(400);
    expect(svc.close({ ids: [ids[0], ids[0], 'missing'] })).toEqual({ closed: 1, unknown: [ids[0], 'missing'] });
    expect(statusOf(() => svc.step({ items: [{ id: ids[0], action: GOOD }] }))).toBe(404);
  });

  it('expires idle sessions (injected clock) and says so', () => {
    let now = 1_000_000;
    const svc = new EnvService({ idleTimeoutMs: 60_000, now: () => now });
    const { ids } = svc.create({ sessions: [{ env: 'Countdown-v0', seed: 1 }, { env: 'Countdown-v0', seed: 2 }] });
    svc.reset({ items: [{ id: ids[0] }, { id: ids[1] }] });
    now += 30_000;
    svc.systemPrompt({ ids: [ids[1]] }); // touching keeps it alive
    now += 40_000;
    expect(svc.sweep()).toBe(1);
    expect(svc.size).toBe(1);
    expect(() => svc.step({ items: [{ id: ids[0], action: '<answer>1</answer>' }] })).toThrow(/expired after 60 s idle/);
    expect(svc.step({ items: [{ id: ids[1], action: '<answer>1</answer>' }] }).results[0]!.done).toBe(true);
  });

  it('refuses sessions past maxSessions with 429', () => {
    const svc = new EnvService({ maxSessions: 3 });
    svc.create({ sessions: [{ env: 'Countdown-v0' }, { env: 'Countdown-v0' }] });
    expect(statusOf(() => svc.create({ sessions: [{ env: 'Countdown-v0' }, { env: 'Countdown-v0' }] }))).toBe(429);
    expect(svc.size).toBe(2);
  });

  it('system prompts name the actions and the answer format', () => {
    const svc = new EnvService();
    const { ids } = svc.create({ sessions: [{ env: 'Sokoban-v0', interaction: 'plan' }, { env: 'Countdown-v0' }] });
    const { prompts } = svc.systemPrompt({ ids });
    expect(prompts[0]).toMatch(/whole plan/);
    expect(prompts[0]).toMatch(/- up: /);
    expect(prompts[1]).toMatch(/Countdown/);
  });
});
