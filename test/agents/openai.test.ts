import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { make } from '../../envs/index.js';
import {
  AgentSpecError, BadServerResponseError, LanguageEnv, OpenAIChatAgent, OpenAIChatClient, ResponseTooLargeError, ServerHttpError, ServerTimeoutError,
  ServerUnavailableError, createAgent, frameToDataUrl, parseRetryAfter, runEpisode,
} from '../../agents/index.js';

// A real HTTP server on loopback speaking the chat-completions protocol. The first path
// segment picks a behaviour: /ok, /flaky (500 then success), /slow (never answers in
// time), /garbage (not JSON), /nochoices (JSON without choices), /bad (400), /count.
interface Seen { path: string; body: any }
const seen: Seen[] = [];
let flakyCalls = 0;
let retryAfterCalls = 0;
/** Bytes the endless server wrote before the client hung up (it stops by itself at 256 MiB). */
let endlessWritten = 0;
let inFlight = 0, maxInFlight = 0;
let server: Server;
let base = '';

function completion(content: string) {
  return JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 5 } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const body = JSON.parse(await readBody(req));
  const kind = req.url!.split('/')[1]!;
  seen.push({ path: req.url!, body });
  const ok = () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(completion('<think>easy</think><answer>Right</answer>')); };
  switch (kind) {
    case 'ok': return ok();
    case 'newline': res.writeHead(200, { 'content-type': 'application/json' }); res.end(completion('<think>easy</think><answer>Right</answer>\n')); return;
    case 'flaky':
      if (flakyCalls++ === 0) { res.writeHead(500); res.end('internal error'); return; }
      return ok();
    case 'slow': setTimeout(() => { if (!res.destroyed) ok(); }, 5000).unref(); return;
    case 'garbage': res.writeHead(200, { 'content-type': 'application/json' }); res.end('<html>not json'); return;
    case 'nochoices': res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"error":"model not loaded"}'); return;
    case 'stop':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion(body.stop?.[0] === '</answer>' ? '<think>a</think><answer>Up' : '<think>a</think><answer>Up</answer> and more'));
      return;
    case 'bad': res.writeHead(400); res.end('{"error":"bad request"}'); return;
    case 'endless': {
      // A body that never ends (chunked, no Content-Length): writes until the client
      // hangs up, with a hard stop so a client that never aborts cannot hang the test.
      res.writeHead(200, { 'content-type': 'application/json' });
      endlessWritten = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (!res.destroyed && endlessWritten < 256 * 1024 * 1024) {
          endlessWritten += chunk.length;
          if (!res.write(chunk)) { res.once('drain', pump); return; }
        }
        if (!res.destroyed) res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    case 'huge-length': res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 30) }); res.write('{'); return;
    case 'retry-after': {
      // 429 with Retry-After: 3600 (seconds) once, then 503 with an HTTP date in the past, then success.
      const n = retryAfterCalls++;
      if (n === 0) { res.writeHead(429, { 'retry-after': '3600' }); res.end('slow down'); return; }
      if (n === 1) { res.writeHead(503, { 'retry-after': new Date(Date.now() - 60_000).toUTCString() }); res.end('busy'); return; }
      return ok();
    }
    case 'count':
      inFlight++; maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => { inFlight--; ok(); }, 30);
      return;
    default: res.writeHead(404); res.end('no');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => { handle(req, res).catch(() => { res.writeHead(500); res.end(); }); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const fast = { retries: 2, backoffMs: 10, timeoutMs: 2000 };

describe('OpenAIChatAgent against a real chat-completions server', () => {
  it('sends model, prompts and a PNG data URL, and parses the answer', async () => {
    const env = new LanguageEnv(make('FrozenLake-v0', { slippery: false }), { mode: 'image+caption' });
    const obs = env.reset({ seed: 0 }).observation;
    const agent = new OpenAIChatAgent({ baseUrl: `${base}/ok/v1`, model: 'qwen-vl', temperature: 0.3, maxTokens: 64, ...fast });
    const before = seen.length;
    const resp = await agent.act(obs);
    expect(resp.actions).toEqual([2]);
    expect(resp.parse.formatOk).toBe(true);
    expect(resp.meta).toMatchObject({ attempts: 1, finishReason: 'stop' });
    const req = seen[before]!;
    expect(req.path).toBe('/ok/v1/chat/completions');
    expect(req.body).toMatchObject({ model: 'qwen-vl', temperature: 0.3, max_tokens: 64 });
    expect(req.body.messages[0]).toEqual({ role: 'system', content: obs.systemPrompt });
    const parts = req.body.messages[1].content;
    const image = parts.find((p: any) => p.type === 'image_url').image_url.url as string;
    expect(image.startsWith('data:image/png;base64,')).toBe(true);
    const png = Buffer.from(image.slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(parts.find((p: any) => p.type === 'text').text).toBe(obs.userPrompt);
  });

  it('a reply ending with a newline is passed through raw, parses and earns the format reward (issue 18)', async () => {
    const env = new LanguageEnv(make('FrozenLake-v0', { slippery: false }), { formatCredit: 'turn' });
    const obs = env.reset({ seed: 0 }).observation;
    const resp = await new OpenAIChatAgent({ baseUrl: `${base}/newline/v1`, model: 'm', ...fast }).act(obs);
    expect(resp.text).toBe('<think>easy</think><answer>Right</answer>\n');
    expect(resp.actions).toEqual([2]);
    expect(resp.parse.formatOk).toBe(true);
    const step = env.step(resp.text);
    expect(step.info.valid).toBe(true);
    expect(step.info.rewards.formatOk).toBe(1);
    expect(step.reward).toBe(0.5);
  });

  it('text-only observations send a plain string user message', async () => {
    const env = new LanguageEnv(make('Countdown-v0'), {});
    const obs = env.reset({ seed: 1 }).observation;
    const before = seen.length;
    await new OpenAIChatAgent({ baseUrl: `${base}/ok/v1/`, model: 'm', ...fast }).act(obs);
    expect(typeof seen[before]!.body.messages[1].content).toBe('string');
  });

  it('retries a 500 and then succeeds', async () => {
    flakyCalls = 0;
    const client = new OpenAIChatClient({ baseUrl: `${base}/flaky/v1`, model: 'm', ...fast });
    const r = await client.complete([{ role: 'user', content: 'hi' }]);
    expect(r.text).toContain('<answer>Right</answer>');
    expect(r.meta.attempts).toBe(2);
    expect(flakyCalls).toBe(2);
  });

  it('a slow server gives ServerTimeoutError after the retries', async () => {
    const client = new OpenAIChatClient({ baseUrl: `${base}/slow/v1`, model: 'm', timeoutMs: 100, retries: 1, backoffMs: 5 });
    const e = await client.complete([{ role: 'user', content: 'hi' }]).catch((x) => x);
    expect(e).toBeInstanceOf(ServerTimeoutError);
    expect(e.attempts).toBe(2);
    expect(e.message).toMatch(/within 100 ms/);
  });

  it('garbage is a BadServerResponseError, not retried', async () => {
    const before = seen.length;
    const client = new OpenAIChatClient({ baseUrl: `${base}/garbage/v1`, model: 'm', ...fast });
    const e = await client.complete([{ role: 'user', content: 'hi' }]).catch((x) => x);
    expect(e).toBeInstanceOf(BadServerResponseError);
    expect(e.message).toMatch(/not JSON/);
    expect(seen.length - before).toBe(1);
    const e2 = await new OpenAIChatClient({ baseUrl: `${base}/nochoices/v1`, model: 'm', ...fast }).complete([{ role: 'user', content: 'x' }]).catch((x) => x);
    expect(e2).toBeInstanceOf(BadServerResponseError);
    expect(e2.message).toMatch(/no choices/);
  });

  it('stopAtAnswer sends stop </answer> and restores the dropped stop string', async () => {
    const r = await new OpenAIChatClient({ baseUrl: `${base}/stop/v1`, model: 'm', stopAtAnswer: true, ...fast }).complete([{ role: 'user', content: 'x' }]);
    expect(r.text).toBe('<think>a</think><answer>Up</answer>');
    const plain = await new OpenAIChatClient({ baseUrl: `${base}/stop/v1`, model: 'm', ...fast }).complete([{ role: 'user', content: 'x' }]);
    expect(plain.text).toMatch(/and more$/);
  });

  it('a 4xx is a ServerHttpError with the status, not retried', async () => {
    const e = await new OpenAIChatClient({ baseUrl: `${base}/bad/v1`, model: 'm', ...fast }).complete([{ role: 'user', content: 'x' }]).catch((x) => x);
    expect(e).toBeInstanceOf(ServerHttpError);
    expect(e.status).toBe(400);
    expect(e.attempts).toBe(1);
  });

  it('connection refused is a ServerUnavailableError', async () => {
    const tmp = createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    const port = (tmp.address() as AddressInfo).port;
    await new Promise<void>((r) => tmp.close(() => r()));
    const e = await new OpenAIChatClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', retries: 1, backoffMs: 5, timeoutMs: 2000 }).complete([{ role: 'user', content: 'x' }]).catch((x) => x);
    expect(e).toBeInstanceOf(ServerUnavailableError);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.attempts).toBe(2);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    maxInFlight = 0;
    const client = new OpenAIChatClient({ baseUrl: `${base}/count/v1`, model: 'm', concurrency: 2, ...fast });
    await Promise.all(Array.from({ length: 8 }, () => client.complete([{ role: 'user', content: 'x' }])));
    expect(maxInFlight).toBe(2);
  });

  it('plays a whole episode through the agent registry spec', async () => {
    const agent = await createAgent(`openai:${base}/ok/v1#m`, { settings: { retries: 0 } });
    const env = new LanguageEnv(make('FrozenLake-v0', { slippery: false }), { maxTurns: 3 });
    const r = await runEpisode(agent, env, 0);
    expect(r.turns).toHaveLength(3);
    expect(r.turns.every((t) => t.parse.ok && t.executedNames[0] === 'right')).toBe(true);
  });

  it('an endless body is cut off at maxResponseBytes with a ResponseTooLargeError naming the limit', async () => {
    const before = seen.length;
    const client = new OpenAIChatClient({ baseUrl: `${base}/endless/v1`, model: 'm', maxResponseBytes: 1 << 20, ...fast, timeoutMs: 30_000 });
    const e = await client.complete([{ role: 'user', content: 'x' }]).catch((x) => x);
    expect(e).toBeInstanceOf(ResponseTooLargeError);
    expect(e.limit).toBe(1 << 20);
    expect(e.message).toMatch(/maxResponseBytes = 1048576 bytes/);
    expect(e.attempts).toBe(1); // not retried: the same server would send it again
    expect(seen.length - before).toBe(1);
    // The server saw the hang-up long before its own 256 MiB stop.
    await new Promise((r) => setTimeout(r, 50));
    expect(endlessWritten).toBeLessThan(128 * 1024 * 1024);
  });

  it('a Content-Length above the cap is refused before reading; the default cap is 8 MiB', async () => {
    const e = await new OpenAIChatClient({ baseUrl: `${base}/huge-length/v1`, model: 'm', ...fast }).complete([{ role: 'user', content: 'x' }]).catch((x) => x);
    expect(e).toBeInstanceOf(ResponseTooLargeError);
    expect(e.limit).toBe(8 << 20);
    expect(e.message).toMatch(/Content-Length 1073741824/);
  });

  it('honours Retry-After on 429/503, bounded by maxRetryAfterMs', async () => {
    retryAfterCalls = 0;
    const client = new OpenAIChatClient({ baseUrl: `${base}/retry-after/v1`, model: 'm', retries: 3, backoffMs: 5000, maxRetryAfterMs: 20, timeoutMs: 2000 });
    const r = await client.complete([{ role: 'user', content: 'x' }]);
    expect(r.meta.attempts).toBe(3);
    // 3600 s asked, capped at 20 ms; then a date in the past: no wait (not the 10 s backoff).
    expect(r.meta.waitsMs).toEqual([20, 0]);
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
  });

  it('bounds retries and the other sizes, naming the option and the limit', () => {
    const mk = (o: object) => () => new OpenAIChatClient({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', ...o });
    expect(mk({ retries: 1e9 })).toThrow(/retries must be an integer >= 0 and <= 10/);
    expect(mk({ retries: 1.5 })).toThrow(/retries/);
    expect(mk({ minImageSide: 100_000 })).toThrow(/minImageSide .*<= 4096/);
    expect(mk({ maxResponseBytes: 2 ** 40 })).toThrow(/maxResponseBytes .*<= 1073741824/);
    expect(mk({ timeoutMs: 1e12 })).toThrow(/timeoutMs/);
    expect(mk({ concurrency: 1e6 })).toThrow(/concurrency/);
    expect(mk({ topP: 2 })).toThrow(/topP/);
  });

  it('upscaling is bounded in pixels before any work', async () => {
    const frame = { width: 4, height: 4000, data: new Uint8ClampedArray(4 * 4000 * 4) };
    await expect(frameToDataUrl(frame, 4096)).rejects.toThrow(/minImageSide 4096 .*limit is 16777216 pixels/);
  });

  it('rejects unknown agent options by name (client and registry)', async () => {
    const e = (() => { try { new OpenAIChatClient({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', timeout: 5, retires: 2 } as never); } catch (x) { return x as Error; } return null; })();
    expect(e).toBeInstanceOf(AgentSpecError);
    expect(e!.message).toMatch(/unknown openai agent options "timeout", "retires"; valid options: .*timeoutMs/);
    await expect(createAgent(`openai:${base}/ok/v1#m`, { settings: { temprature: 0.5 } })).rejects.toThrow(/unknown setting "temprature" for agent kind "openai"; valid settings: .*temperature/);
    await expect(createAgent(`openai:${base}/ok/v1#m`, { settings: { baseUrl: 'http://x' } })).rejects.toThrow(/unknown setting "baseUrl"/);
    await expect(createAgent('random', { settings: { temperature: 1 } })).rejects.toThrow(/"random"; it takes no settings/);
    await expect(createAgent('oracle', { settings: { styel: 'compact' } })).rejects.toThrow(/valid settings: style/);
    await expect(createAgent('oracle', { settings: { style: 'terse' } })).rejects.toThrow(/one of verbose, compact, walls, got "terse"/);
    await expect(createAgent('oracle', { settings: { style: 3 } })).rejects.toThrow(/one of verbose, compact, walls, got 3/);
    expect((await createAgent('oracle', { settings: { style: 'compact' } })).name).toMatch(/oracle/);
    expect(((await createAgent('oracle', { settings: { style: 'walls' } })) as { style?: string }).style).toBe('walls');
  });

  it('rejects bad specs and options clearly', async () => {
    await expect(createAgent('openai:http://127.0.0.1:1/v1')).rejects.toThrow(/BASE_URL#MODEL/);
    expect(() => new OpenAIChatClient({ baseUrl: 'ftp://x', model: 'm' })).toThrow(/http/);
    expect(() => new OpenAIChatClient({ baseUrl: 'http://x', model: 'm', timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});
