// `lmm-gym watch`: a local page that shows an env live, with the HTML replay viewer's look.
// A person plays with the keyboard (the keys of `lmm-gym play`, one table: tasks/keys.ts),
// or an agent plays episodes and the page follows them. Served with node:http on loopback.
//
// Endpoints (JSON unless said):
//   GET  /                 the page (HTML)
//   GET  /state?after=N    the current state; with `after`, waits (up to 15 s) for a newer one
//   POST /key {"key": K}   a key press (a KeyboardEvent.key name), person mode; the new state
//   GET  /health           {"ok": true}
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloneFrame, encodePng, make, type Env, type Frame } from '../envs/index.js';
import { VIEWER_CSS } from '../replays/html.js';
import { LanguageEnv, type LanguageEnvOptions } from '../tasks/language-env.js';
import type { InteractionMode } from '../tasks/types.js';
import type { ObservationMode } from '../envs/core/wrappers/observation-mode.js';
import { runEpisode, type TurnRecord } from '../agents/runner.js';
import type { Agent } from '../agents/types.js';
import { PlaySession } from './play-session.js';

/** What the page shows for one moment. */
export interface WatchState {
  /** Increases with every new state. */
  seq: number;
  title: string;
  /** 'person': keys come from the page; 'agent': an agent plays. */
  mode: 'person' | 'agent';
  /** The frame as a PNG data URL. */
  frame: string;
  width: number;
  height: number;
  /** "Level 1 · step 3", "Episode 2 · step 7". */
  label: string;
  status: string;
  message: string;
  action: string | null;
  reward: number | null;
  return: number;
  done: boolean;
  /** describe() of the state. */
  text: string;
  /** Key lines (person mode). */
  keys: string[];
  /** Agent mode: the last answer and reasoning. */
  answer: string | null;
  reasoning: string | null;
  /** Agent mode: all episodes finished. */
  finished: boolean;
}

export type WatchStateInput = Omit<WatchState, 'seq' | 'frame' | 'width' | 'height' | 'title' | 'mode'>;

const LONG_POLL_MS = 15_000;
const MAX_BODY = 4096;

/**
 * The HTTP side: holds the latest state, answers long polls when a new one is published,
 * hands key presses to `onKey`. Binds to 127.0.0.1 by default; requests whose Host is not
 * a loopback name are refused (DNS rebinding), and POST needs a JSON content type (so a
 * web page elsewhere cannot post keys without a CORS preflight, which is never granted).
 */
export class WatchServer {
  private server: Server | null = null;
  private state: WatchState | null = null;
  private waiters: { after: number; res: ServerResponse; timer: ReturnType<typeof setTimeout> }[] = [];
  private publishing: Promise<void> = Promise.resolve();
  private lastFrame: Frame | null = null;
  onKey: ((key: string) => Promise<void> | void) | null = null;
  port = 0;
  host = '127.0.0.1';

  constructor(readonly title: string, readonly mode: 'person' | 'agent') {}

  /** Listen (port 0: an ephemeral port) and return the page's URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.host = host;
    const server = createServer((req, res) => { void this.handle(req, res); });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}/`;
  }

  /** The latest state (null before the first publish). */
  current(): WatchState | null {
    return this.state;
  }

  /** Publish a new state with its frame (encoded as PNG; states keep their order). */
  publish(input: WatchStateInput, frame: Frame): Promise<WatchState> {
    const copy = cloneFrame(frame);
    this.lastFrame = copy;
    const done = this.publishing.then(async () => {
      const png = await encodePng(copy);
      const state: WatchState = {
        ...input, seq: (this.state?.seq ?? 0) + 1, title: this.title, mode: this.mode,
        frame: `data:image/png;base64,${png.toString('base64')}`, width: copy.width, height: copy.height,
      };
      this.state = state;
      const ready = this.waiters.filter((w) => w.after < state.seq);
      this.waiters = this.waiters.filter((w) => w.after >= state.seq);
      for (const w of ready) { clearTimeout(w.timer); sendJson(w.res, 200, state); }
      return state;
    });
    this.publishing = done.then(() => undefined, () => undefined);
    return done;
  }

  /** Publish the latest state again with some fields changed (same frame). */
  async republish(patch: Partial<WatchStateInput>): Promise<WatchState> {
    await this.publishing;
    const s = this.state;
    if (!s || !this.lastFrame) throw new Error('nothing published yet');
    const { seq: _seq, frame: _frame, width: _w, height: _h, title: _t, mode: _m, ...rest } = s;
    return this.publish({ ...rest, ...patch }, this.lastFrame);
  }

  async close(): Promise<void> {
    for (const w of this.waiters) { clearTimeout(w.timer); sendJson(w.res, 503, { error: 'server closing' }); }
    this.waiters = [];
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => { s.close(() => resolve()); s.closeAllConnections?.(); });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host) && host !== this.host) {
        return sendJson(res, 403, { error: `host ${JSON.stringify(req.headers.host)} is not a loopback name` });
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(watchPage(this.title, this.mode));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/health') return sendJson(res, 200, { ok: true });
      if (req.method === 'GET' && url.pathname === '/state') {
        const afterRaw = url.searchParams.get('after');
        const after = afterRaw === null ? null : Number(afterRaw);
        if (after !== null && !Number.isFinite(after)) return sendJson(res, 400, { error: 'after must be a number' });
        if (this.state && (after === null || this.state.seq > after)) return sendJson(res, 200, this.state);
        if (after === null) return sendJson(res, 503, { error: 'no state yet' });
        const waiter = { after, res, timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          if (this.state) sendJson(res, 200, this.state); else sendJson(res, 503, { error: 'no state yet' });
        }, LONG_POLL_MS) };
        this.waiters.push(waiter);
        req.on('close', () => { clearTimeout(waiter.timer); this.waiters = this.waiters.filter((w) => w !== waiter); });
        return;
      }
      if (req.method === 'POST' && url.pathname === '/key') {
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: 'send JSON: {"key": "ArrowUp"}' });
        const body = await readBody(req);
        if (body === null) return sendJson(res, 413, { error: `body over ${MAX_BODY} bytes` });
        let key: unknown;
        try { key = (JSON.parse(body) as { key?: unknown }).key; } catch { key = undefined; }
        if (typeof key !== 'string' || key.length === 0 || key.length > 32) return sendJson(res, 400, { error: 'expected {"key": "<KeyboardEvent.key>"}' });
        if (!this.onKey) return sendJson(res, 409, { error: 'an agent is playing: keys are not taken' });
        await this.onKey(key);
        await this.publishing;
        return sendJson(res, 200, this.state);
      }
      sendJson(res, 404, { error: `no ${req.method} ${url.pathname}` });
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { error: (e as Error).message });
    }
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

/** The request body as text, or null when it is longer than MAX_BODY (the rest is drained). */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) parts.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** A person plays `session` from the page; real-time envs tick on their own at `fps`. Returns a stop function. */
export function watchPerson(server: WatchServer, session: PlaySession, options: { fps?: number } = {}): () => void {
  const publish = () => server.publish(personState(session), session.env.render());
  server.onKey = async (key) => {
    const ev = session.apply(session.resolveKey(key));
    // Quit from the page means nothing (close the tab); real-time keys wait for the tick.
    if (ev.kind === 'quit') return;
    if (session.realtimeFps === null || ev.kind !== 'step') await publish();
  };
  void publish();
  const fps = options.fps ?? session.realtimeFps;
  let timer: ReturnType<typeof setInterval> | null = null;
  if (session.realtimeFps !== null && fps) {
    timer = setInterval(() => { const before = session.steps; session.tick(); if (session.steps !== before) void publish(); }, 1000 / fps);
  }
  return () => { if (timer) clearInterval(timer); server.onKey = null; };
}

/** The page state of a person's session. */
export function personState(session: PlaySession): WatchStateInput {
  const last = session.last;
  const names = session.env.actionNames;
  const lastMove = session.moves.at(-1);
  return {
    label: `Level ${session.level + 1} · step ${session.steps}`,
    status: session.statusLine(),
    message: session.event.message,
    action: lastMove === undefined ? null : typeof lastMove === 'number' && names ? names[lastMove] ?? String(lastMove) : JSON.stringify(lastMove),
    reward: last ? last.reward : null,
    return: session.total,
    done: session.done,
    text: session.env.describe(),
    keys: session.keyHelp(),
    answer: null, reasoning: null, finished: false,
  };
}

export interface WatchAgentOptions {
  envId: string;
  envOptions?: Record<string, unknown>;
  agent: Agent;
  seed: number;
  episodes: number;
  mode?: ObservationMode;
  interaction?: InteractionMode;
  language?: Omit<LanguageEnvOptions, 'mode' | 'interaction' | 'envId'>;
  /** Pause between shown env steps, in ms (default 250; 0: none). */
  stepMs?: number;
  signal?: AbortSignal;
}

/**
 * An agent plays `episodes` episodes (seeds seed, seed + 1, ...) and every env step is
 * published as it is shown: the agent's turns are replayed on a second copy of the env
 * (deterministic given the seed and actions), so a plan of many actions is shown step by
 * step. Resolves when every episode was shown.
 */
export async function watchAgent(server: WatchServer, o: WatchAgentOptions): Promise<{ episodes: number; successes: number }> {
  const stepMs = o.stepMs ?? 250;
  const pause = () => (stepMs > 0 ? new Promise<void>((r) => setTimeout(r, stepMs)) : Promise.resolve());
  const env = new LanguageEnv(make(o.envId, o.envOptions ?? {}), { ...(o.language ?? {}), mode: o.mode ?? 'text', interaction: o.interaction ?? 'step', envId: o.envId });
  const shadow: Env = make(o.envId, o.envOptions ?? {});
  let successes = 0;
  try {
    for (let k = 0; k < o.episodes; k++) {
      if (o.signal?.aborted) break;
      const seed = o.seed + k;
      shadow.reset({ seed });
      let ret = 0, steps = 0;
      const base = { keys: [] as string[], finished: false };
      await server.publish({ ...base, label: `Episode ${k + 1} · start`, status: `episode ${k + 1} of ${o.episodes} · seed ${seed}`, message: 'the agent is thinking…', action: null, reward: null, return: 0, done: false, text: shadow.describe(), answer: null, reasoning: null }, shadow.render());
      // Turns are queued by the runner and shown by this loop at the viewer's pace.
      const queue: TurnRecord[] = [];
      let wake: (() => void) | null = null;
      let finished = false;
      o.agent.reset?.(k);
      const episode = runEpisode(o.agent, env, seed, { onTurn: (t) => { queue.push(t); wake?.(); } })
        .finally(() => { finished = true; wake?.(); });
      for (;;) {
        const turn = queue.shift();
        if (!turn) {
          if (finished) break;
          await new Promise<void>((r) => { wake = r; });
          wake = null;
          continue;
        }
        const { answer, reasoning } = splitAnswer(turn.response);
        if (turn.envSteps.length === 0) {
          await server.publish({ ...base, label: `Episode ${k + 1} · step ${steps}`, status: `turn ${turn.turn + 1} · no env step`, message: turn.parse.ok ? '' : `answer did not parse: ${turn.parse.message ?? ''}`, action: null, reward: turn.reward, return: ret, done: turn.terminated || turn.truncated, text: shadow.describe(), answer, reasoning }, shadow.render());
          await pause();
        }
        for (const s of turn.envSteps) {
          shadow.step(s.action);
          ret += s.reward;
          steps++;
          const end = s.terminated || s.truncated;
          if (end && s.info.success === true) successes++;
          const name = typeof s.action === 'number' ? shadow.actionNames?.[s.action] ?? String(s.action) : String(s.action);
          await server.publish({
            ...base, label: `Episode ${k + 1} · step ${steps}`, status: `episode ${k + 1} of ${o.episodes} · seed ${seed} · turn ${turn.turn + 1}`,
            message: end ? `episode over: ${s.info.success === true ? 'solved' : s.terminated ? 'not solved' : 'time limit'}, return ${ret.toFixed(2)}` : '',
            action: name, reward: s.reward, return: ret, done: end, text: shadow.describe(), answer, reasoning,
          }, shadow.render());
          await pause();
        }
      }
      await episode;
    }
  } finally {
    env.close();
    shadow.close();
  }
  const last = server.current();
  if (last) await server.republish({ finished: true, message: `${last.message ? last.message + ' · ' : ''}all ${o.episodes} episode(s) shown` });
  return { episodes: o.episodes, successes };
}

function splitAnswer(response: string): { answer: string | null; reasoning: string | null } {
  const think = /<think>([\s\S]*?)<\/think>/.exec(response)?.[1]?.trim() ?? null;
  const answer = /<answer>([\s\S]*?)<\/answer>/.exec(response)?.[1]?.trim() ?? null;
  return { answer, reasoning: think };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * The page: the frame, a panel of text (state, reward, answer) and the keys, in the replay
 * viewer's style. It long-polls /state; in person mode keydown posts /key. With
 * #selftest it drives itself (keys from the hash: #selftest=ArrowRight,ArrowDown) and
 * writes what it saw into #selftest-result, for headless browser checks.
 */
export function watchPage(title: string, mode: 'person' | 'agent'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Watch: ${escapeHtml(title)}</title>
<style>
${VIEWER_CSS}#keys{margin-top:8px}.live{color:#7bd88f}
</style></head>
<body data-ready="0" data-seq="0" data-mode="${mode}">
<header>${escapeHtml(title)} · <span class="live" id="live">live</span> · <span class="dim">${mode === 'person' ? 'you play: keys below' : 'an agent plays'}</span></header>
<main>
<img id="game" alt="game frame">
<section id="panel">
<div id="label"></div>
<div class="row dim" id="status"></div>
<div class="row" id="action"></div>
<div class="row" id="reward"></div>
<div class="row accent" id="message"></div>
<div class="row accent" id="answer"></div>
<div class="dim" id="reasoningTitle" hidden>reasoning</div><pre id="reasoning" hidden></pre>
<div class="dim" id="keysTitle">keys</div><pre id="keys"></pre>
<div class="dim">state</div><pre id="text"></pre>
</section>
</main>
<pre id="selftest-result" hidden></pre>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let seq = 0, last = null;
function set(id, value, prefix) {
  const el = $(id); el.textContent = value == null || value === "" ? "" : (prefix || "") + value; el.hidden = value == null || value === "";
}
function fmt(x) { return (x > 0 ? "+" : "") + (Math.round(x * 100) / 100).toFixed(2); }
function show(s) {
  if (!s || s.seq <= seq) return;
  seq = s.seq; last = s;
  $("game").src = s.frame;
  // Small frames (a 96 px Sokoban board) are scaled up by an integer factor, to about 512 px.
  $("game").style.width = (s.width * Math.max(1, Math.floor(512 / Math.max(s.width, s.height)))) + "px";
  set("label", s.label);
  set("status", s.status);
  set("action", s.action, "Action  ");
  set("reward", s.reward == null ? "Return  " + fmt(s.return) : "Reward  " + fmt(s.reward) + " · return " + fmt(s.return));
  $("reward").className = "row " + (s.reward == null ? "" : s.reward > 0 ? "good" : s.reward < 0 ? "bad" : "");
  set("message", s.message);
  set("answer", s.answer, "Answer  ");
  set("reasoning", s.reasoning); $("reasoningTitle").hidden = !s.reasoning;
  set("keys", s.keys.join("\\n")); $("keysTitle").hidden = s.keys.length === 0;
  set("text", s.text);
  if (s.finished) $("live").textContent = "finished";
  document.body.dataset.seq = String(seq);
  document.body.dataset.done = s.done ? "1" : "0";
}
async function poll() {
  for (;;) {
    try {
      const r = await fetch("/state?after=" + seq, { cache: "no-store" });
      if (r.ok) show(await r.json()); else await new Promise((res) => setTimeout(res, 500));
      if (last && last.finished) return;
    } catch (e) { $("live").textContent = "disconnected"; await new Promise((res) => setTimeout(res, 1000)); }
  }
}
async function press(key) {
  const r = await fetch("/key", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key }) });
  if (r.ok) show(await r.json());
  return r.status;
}
const HANDLED = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", " "]);
if (document.body.dataset.mode === "person") {
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (HANDLED.has(e.key)) e.preventDefault();
    if (e.key.length === 1 || e.key.startsWith("Arrow") || e.key === "Escape") press(e.key);
  });
}
(async () => {
  for (let i = 0; i < 100 && !last; i++) {
    const r = await fetch("/state", { cache: "no-store" });
    if (r.ok) show(await r.json()); else await new Promise((res) => setTimeout(res, 100));
  }
  document.body.dataset.ready = "1";
  if (location.hash.startsWith("#selftest")) {
    const out = { first: last && { seq: last.seq, label: last.label, status: last.status, width: last.width, height: last.height } };
    const img = new Image();
    out.decoded = await new Promise((res) => { img.onload = () => res([img.naturalWidth, img.naturalHeight]); img.onerror = () => res(null); img.src = last.frame; });
    const keys = decodeURIComponent(location.hash.slice("#selftest".length + 1)).split(",").filter(Boolean);
    out.presses = [];
    for (const k of keys) {
      // The same path as a real key: a keydown event on the document.
      const before = seq;
      document.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
      for (let i = 0; i < 200 && seq === before && document.body.dataset.mode === "person"; i++) await new Promise((res) => setTimeout(res, 10));
      out.presses.push({ key: k, seq, label: last.label, action: last.action, status: last.status });
    }
    if (document.body.dataset.mode === "agent") {
      while (!(last && last.finished)) { const r2 = await fetch("/state?after=" + seq, { cache: "no-store" }); if (r2.ok) show(await r2.json()); }
      out.agentEnd = { seq, label: last.label, message: last.message, answer: last.answer };
    }
    out.text = $("text").textContent;
    out.keysShown = $("keys").textContent;
    $("selftest-result").textContent = JSON.stringify(out);
    document.body.dataset.selftest = "done";
  } else poll();
})();
</script>
</body></html>
`;
}
