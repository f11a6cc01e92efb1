import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { make } from '../../envs/index.js';
import { createAgent } from '../../agents/registry.js';
import '../../agents/builtin.js';
import '../../agents/oracles/index.js';
import { PlaySession } from '../../cli/play-session.js';
import { WatchServer, watchAgent, watchPerson, type WatchState } from '../../cli/watch.js';

/** A plain HTTP call (node:http, so the Host header can be set). */
function call(url: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(parts).toString('utf8'), type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
const json = <T = WatchState>(r: { body: string }) => JSON.parse(r.body) as T;
const key = (base: string, k: string) => call(`${base}key`, { method: 'POST', body: JSON.stringify({ key: k }), headers: { 'content-type': 'application/json' } });

const servers: WatchServer[] = [];
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  for (const s of servers.splice(0)) await s.close();
});

async function personServer(envId = 'FrozenLake-v0', options: Record<string, unknown> = { slippery: false }) {
  const server = new WatchServer(`${envId} · you play`, 'person');
  servers.push(server);
  const url = await server.listen(0);
  const session = new PlaySession(make(envId, options), { envId, seed: 0 });
  stops.push(watchPerson(server, session));
  // The first state is published asynchronously (PNG encoding): wait for it.
  await server.republish({});
  return { server, url, session };
}

describe('watch server over HTTP', () => {
  it('listens on loopback at an ephemeral port and serves the page in the viewer look', async () => {
    const { server, url } = await personServer();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.port).toBeGreaterThan(0);
    const page = await call(url);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    expect(page.body).toContain('#game{image-rendering:pixelated'); // the replay viewer's CSS
    expect(page.body).toContain('FrozenLake-v0 · you play');
    expect(page.body).not.toMatch(/(src|href)\s*=\s*["']?https?:\/\//i);
    expect(json<{ ok: boolean }>(await call(`${url}health`)).ok).toBe(true);
  });

  it('GET /state gives the frame, the text and the keys; POST /key plays', async () => {
    const { url, session } = await personServer();
    const s0 = json(await call(`${url}state`));
    expect(s0.frame).toMatch(/^data:image\/png;base64,/);
    expect([s0.width, s0.height]).toEqual([64, 64]);
    expect(s0.label).toBe('Level 1 · step 0');
    expect(s0.keys.join('\n')).toContain('arrow keys or w a s d');
    expect(s0.text).toBe(session.env.describe());
    const s1 = json(await key(url, 'ArrowRight'));
    expect(s1.seq).toBeGreaterThan(s0.seq);
    expect([s1.label, s1.action, s1.reward]).toEqual(['Level 1 · step 1', 'right', 0]);
    const s2 = json(await key(url, 'd'));
    expect(s2.label).toBe('Level 1 · step 2');
    const s3 = json(await key(url, 'u'));
    expect(s3.label).toBe('Level 1 · step 1');
    expect(s3.message).toBe('undone: back to step 1');
    const s4 = json(await key(url, 'r'));
    expect([s4.label, s4.text]).toEqual(['Level 1 · step 0', s0.text]);
  });

  it('a long poll (?after=N) answers when the next state is published', async () => {
    const { url } = await personServer();
    const s0 = json(await call(`${url}state`));
    const waiting = call(`${url}state?after=${s0.seq}`);
    await key(url, 'ArrowDown');
    const next = json(await waiting);
    expect(next.seq).toBe(s0.seq + 1);
    expect(next.action).toBe('down');
  });

  it('refuses a foreign Host, keys without a JSON content type, bad bodies and unknown paths', async () => {
    const { url } = await personServer();
    expect((await call(`${url}state`, { headers: { host: 'evil.example:80' } })).status).toBe(403);
    expect((await call(`${url}key`, { method: 'POST', body: '{"key":"w"}', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await call(`${url}key`, { method: 'POST', body: '{"k":1}', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await call(`${url}key`, { method: 'POST', body: 'x'.repeat(5000), headers: { 'content-type': 'application/json' } })).status).toBe(413);
    expect((await call(`${url}nope`)).status).toBe(404);
    expect((await call(`${url}state?after=abc`)).status).toBe(400);
  });

  it('a real-time env (Football) ticks on its own; a key is the next tick\'s action (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const server = new WatchServer('Football-v0 · you play', 'person');
      servers.push(server);
      await server.listen(0);
      const session = new PlaySession(make('Football-v0'), { envId: 'Football-v0', seed: 0 });
      stops.push(watchPerson(server, session, { fps: 5 }));
      await server.onKey!('ArrowRight');
      expect(session.steps).toBe(0); // queued, not taken
      vi.advanceTimersByTime(200);
      expect(session.moves).toEqual([5]);
      vi.advanceTimersByTime(400);
      expect(session.moves).toEqual([5, 0, 0]); // no key: idle
      const s = await server.republish({});
      expect(s.label).toBe('Level 1 · step 3');
      expect(s.keys.join('\n')).toContain('space shoot');
    } finally {
      vi.useRealTimers();
    }
  });

  it('an agent plays: every env step is published, the last state says finished; keys are refused', async () => {
    const server = new WatchServer('FrozenLake-v0 · agent oracle', 'agent');
    servers.push(server);
    const url = await server.listen(0);
    const seen: WatchState[] = [];
    const origPublish = server.publish.bind(server);
    server.publish = async (input, frame) => { const s = await origPublish(input, frame); seen.push(s); return s; };
    const agent = await createAgent('oracle', { envId: 'FrozenLake-v0', seed: 0 });
    const r = await watchAgent(server, { envId: 'FrozenLake-v0', envOptions: { slippery: false }, agent, seed: 0, episodes: 2, stepMs: 0 });
    expect(r).toEqual({ episodes: 2, successes: 2 });
    // Two episodes of 6 steps (4x4 map, shortest path), a start state each, and the final "finished" state.
    expect(seen.map((s) => s.label)).toEqual([
      'Episode 1 · start', ...[1, 2, 3, 4, 5, 6].map((k) => `Episode 1 · step ${k}`),
      'Episode 2 · start', ...[1, 2, 3, 4, 5, 6].map((k) => `Episode 2 · step ${k}`), 'Episode 2 · step 6',
    ]);
    expect(seen.map((s) => s.seq)).toEqual(seen.map((_, i) => i + 1));
    const last = json(await call(`${url}state`));
    expect(last.finished).toBe(true);
    expect(last.message).toMatch(/episode over: solved, return 1\.00 · all 2 episode\(s\) shown/);
    expect(last.answer).toBeTruthy();
    expect((await key(url, 'ArrowUp')).status).toBe(409);
  });
});

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

/** Load `url` in headless Chromium (async: the server runs in this process) and return the DOM. */
async function dumpDom(url: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lmm-watch-chrome-'));
  const { stdout } = await promisify(execFile)(chromium!, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-extensions',
    `--user-data-dir=${join(dir, 'profile')}`, '--virtual-time-budget=30000', '--dump-dom', url,
  ], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  return stdout;
}
function selftest(dom: string): Record<string, unknown> {
  const body = /<body([^>]*)>/.exec(dom)![1]!;
  expect(body).toContain('data-ready="1"');
  expect(body).toContain('data-selftest="done"');
  return JSON.parse(/<pre id="selftest-result"[^>]*>([^<]*)<\/pre>/.exec(dom)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

describe('watch page in headless Chromium', () => {
  it.skipIf(!chromium)('a person plays with key presses: the frame decodes, each key is a new state, undo works', async () => {
    const { url } = await personServer('Sokoban-v0', {});
    const result = selftest(await dumpDom(`${url}#selftest=ArrowRight,ArrowDown,u,x`)) as {
      first: { seq: number; label: string; width: number; height: number }; decoded: number[];
      presses: { key: string; seq: number; label: string; action: string | null }[]; keysShown: string; text: string;
    };
    expect(result.first.label).toBe('Level 1 · step 0');
    expect(result.decoded).toEqual([result.first.width, result.first.height]);
    expect(result.presses.map((p) => [p.key, p.label, p.action])).toEqual([
      ['ArrowRight', 'Level 1 · step 1', 'right'],
      ['ArrowDown', 'Level 1 · step 2', 'down'],
      ['u', 'Level 1 · step 1', 'right'],
      ['x', 'Level 1 · step 1', 'right'], // not a key of Sokoban: nothing happens
    ]);
    expect(result.presses[2]!.seq).toBeGreaterThan(result.presses[1]!.seq);
    expect(result.keysShown).toContain('u undo  r restart this level  n next level');
    expect(result.text).toContain('#');
  }, 180_000);

  it.skipIf(!chromium)('follows an agent to the end', async () => {
    const server = new WatchServer('FrozenLake-v0 · agent oracle', 'agent');
    servers.push(server);
    const url = await server.listen(0);
    const agent = await createAgent('oracle', { envId: 'FrozenLake-v0', seed: 0 });
    const run = watchAgent(server, { envId: 'FrozenLake-v0', envOptions: { slippery: false }, agent, seed: 0, episodes: 1, stepMs: 0 });
    const dom = await dumpDom(`${url}#selftest`);
    await run;
    const result = selftest(dom) as { agentEnd: { label: string; message: string } };
    expect(result.agentEnd.label).toBe('Episode 1 · step 6');
    expect(result.agentEnd.message).toContain('all 1 episode(s) shown');
  }, 180_000);

  if (!chromium) it('watch page browser checks skipped: no chromium at /usr/bin/chromium (install Debian package "chromium")', () => {});
});
