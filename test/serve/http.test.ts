// The env server over real HTTP on 127.0.0.1: routes, statuses of bad input, bearer
// token, body limit, a client that disconnects mid-body, 10k sessions created and closed,
// and Ctrl-C's drain (in-flight requests finish, new ones are refused).
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tokenMatches, type RunningServer } from '../../index.js';

const TOKEN = 'secret-token-123';
let srv: RunningServer;

async function call(path: string, body?: unknown, headers: Record<string, string> = {}, s: RunningServer = srv): Promise<{ status: number; json: any }> {
  const init: RequestInit = body === undefined ? { headers } : { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
  const res = await fetch(`${s.url}${path}`, init);
  return { status: res.status, json: await res.json() };
}
const auth = { authorization: `Bearer ${TOKEN}` };

/** Send a request's headers and part of its body on a raw socket; returns the socket. */
function partialRequest(s: RunningServer, path: string, body: string, sentBytes: number) {
  const sock = connect(s.port, '127.0.0.1');
  sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${s === srv ? `Authorization: Bearer ${TOKEN}\r\n` : ''}\r\n`);
  sock.write(body.slice(0, sentBytes));
  let reply = '';
  sock.on('data', (d) => { reply += d.toString(); });
  const closed = new Promise<string>((resolve) => sock.on('close', () => resolve(reply)));
  sock.on('error', () => {});
  return { sock, closed, rest: () => sock.write(body.slice(sentBytes)) };
}

describe('lmm-gym serve over HTTP', () => {
  beforeAll(async () => {
    srv = await startServer({ port: 0, token: TOKEN, maxBodyBytes: 256 * 1024, log: () => {} });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('compares tokens in constant time over digests', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches('secret-token-12', TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });

  it('answers 401 without the right bearer token', async () => {
    expect((await call('/health')).status).toBe(401);
    expect((await call('/health', undefined, { authorization: 'Bearer wrong-token-000' })).status).toBe(401);
    const bad = await call('/sessions', { sessions: [] }, { authorization: TOKEN });
    expect(bad.status).toBe(401);
    expect(bad.json.error.type).toBe('UnauthorizedError');
    const ok = await call('/health', undefined, auth);
    expect(ok.status).toBe(200);
    expect(ok.json.status).toBe('ok');
  });

  it('runs a batch episode: create, reset, step, system_prompt, close', async () => {
    const c = await call('/sessions', { sessions: [{ env: 'Sokoban-v0', mode: 'image', seed: 2 }, { env: 'Countdown-v0', seed: 4 }] }, auth);
    expect(c.status).toBe(200);
    const ids: string[] = c.json.ids;
    const r = await call('/reset', { items: ids.map((id) => ({ id })) }, auth);
    expect(r.json.results[0].observation.images).toHaveLength(1);
    expect(r.json.results[0].observation.images[0].startsWith('iVBORw0KGgo')).toBe(true); // PNG signature in base64
    const s = await call('/step', { items: [{ id: ids[0], action: '<think>a</think><answer>up</answer>' }, { id: ids[1], action: '<think>a</think><answer>1</answer>' }] }, auth);
    expect(s.status).toBe(200);
    expect(s.json.results[1].done).toBe(true);
    expect(typeof s.json.results[0].reward).toBe('number');
    const p = await call('/system_prompt', { ids }, auth);
    expect(p.json.prompts[0]).toMatch(/Sokoban/);
    expect((await call('/close', { ids }, auth)).json).toEqual({ closed: 2, unknown: [] });
  });

  it('answers bad input with a JSON error and the right status, and keeps serving', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['/sessions', '{not json', 400, /malformed JSON/],
      ['/sessions', { sessions: [{ env: 'Nope-v0' }] }, 400, /unknown env id "Nope-v0"/],
      ['/sessions', { sessions: [{ env: 'Sokoban-v0', options: { boxes: 99 } }] }, 400, /boxes/],
      ['/step', { items: [{ id: 'nope', action: 'x' }] }, 404, /unknown session/],
      ['/nowhere', {}, 404, /no route/],
      ['/reward', { query: ['a'], labels: [] }, 400, /labels has 0/],
    ];
    for (const [path, body, status, msg] of cases) {
      const r = await call(path, body, auth);
      expect(r.status, path).toBe(status);
      expect(r.json.error.message, path).toMatch(msg);
    }
    expect((await call('/step', undefined, auth)).status).toBe(405);
    const big = await call('/sessions', { sessions: [], pad: 'x'.repeat(300 * 1024) }, auth);
    expect(big.status).toBe(413);
    expect(big.json.error.type).toBe('PayloadTooLargeError');
    expect((await call('/health', undefined, auth)).status).toBe(200);
  });

  it('refuses an oversized chunked body (no Content-Length) while reading it', async () => {
    const sock = connect(srv.port, '127.0.0.1');
    let reply = '';
    sock.on('data', (d) => { reply += d.toString(); });
    sock.on('error', () => {});
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.write(`POST /sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 6 && !sock.destroyed; i++) sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await closed;
    expect(reply).toMatch(/^HTTP\/1\.1 413/);
    expect(reply).toMatch(/over the limit of 262144 bytes/);
    expect((await call('/health', undefined, auth)).status).toBe(200);
  });

  it('a client that disconnects mid-body changes nothing', async () => {
    const before = srv.service.totals.created;
    const body = JSON.stringify({ sessions: [{ env: 'Countdown-v0' }] });
    const p = partialRequest(srv, '/sessions', body, 10);
    await new Promise((r) => setTimeout(r, 50));
    p.sock.destroy();
    await p.closed;
    expect((await call('/health', undefined, auth)).json.sessions).toBe(0);
    expect(srv.service.totals.created).toBe(before);
  });

  it('keeps memory bounded over 10,000 sessions created and closed', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
    const cycle = async () => {
      for (let b = 0; b < 10; b++) {
        const c = await call('/sessions', { sessions: Array.from({ length: 500 }, (_, i) => ({ env: 'Sokoban-v0', seed: b * 500 + i })) }, auth);
        expect(c.status).toBe(200);
        expect((await call('/close', { ids: c.json.ids }, auth)).json.closed).toBe(500);
      }
    };
    await cycle(); // warm-up: caches, JIT
    const start = heap();
    await cycle();
    const grown = heap() - start;
    expect(srv.service.size).toBe(0);
    expect(srv.service.expiredRemembered).toBe(0);
    // 5,000 leaked sessions would hold far more than this (each keeps an env and its buffers).
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  });

  it('drains on close: the in-flight request finishes, new ones are refused, sessions are closed', async () => {
    const s = await startServer({ port: 0, log: () => {} });
    const keep = await call('/sessions', { sessions: [{ env: 'Countdown-v0' }] }, {}, s);
    expect(keep.status).toBe(200);
    const body = JSON.stringify({ sessions: [{ env: 'Countdown-v0' }] });
    const p = partialRequest(s, '/sessions', body, 5);
    await new Promise((r) => setTimeout(r, 50));
    const closing = s.close();
    await expect(fetch(`${s.url}/health`)).rejects.toThrow(); // the listener is closed
    p.rest();
    const reply = await p.closed;
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).toMatch(/"ids":\["/);
    await closing;
    expect(s.service.size).toBe(0);
  });
});
