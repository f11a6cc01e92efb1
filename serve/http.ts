import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LmmGymError } from '../envs/core/errors.js';
import { listEnvs } from '../envs/core/registry.js';
import { BadRequestError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError, ServeError, ShuttingDownError, UnauthorizedError } from './errors.js';
import { RewardScorer } from './reward.js';
import { EnvService, type EnvServiceOptions } from './service.js';

export interface ServerOptions extends EnvServiceOptions {
  /** Interface to listen on (default 127.0.0.1: loopback only). */
  host?: string;
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <token>` (401 otherwise). */
  token?: string | null;
  /** Largest request body in bytes (default 16 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** How often idle sessions are swept (default: a quarter of the idle timeout, at most 30 s). */
  sweepIntervalMs?: number;
  /** How long close() waits for in-flight requests before cutting connections (default 5 s). */
  drainTimeoutMs?: number;
  /** Where unexpected errors are logged (default console.error). */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  server: Server;
  service: EnvService;
  scorer: RewardScorer;
  /** Stop taking requests, let in-flight ones finish, close every session. */
  close(): Promise<void>;
}

type Handler = (body: unknown) => unknown;

/** Digest both sides first: timingSafeEqual needs equal lengths, and the digest hides the token's length. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, value: unknown, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(value);
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

function sendError(res: ServerResponse, e: ServeError, close = false): void {
  sendJson(res, e.status, { error: { type: e.name, message: e.message, status: e.status } }, close);
}

/**
 * The env server over Node's http: JSON in, JSON out. Routes: GET /health, GET /envs,
 * POST /sessions, /reset, /step, /system_prompt, /close (batch; see EnvService) and
 * POST /reward (OpenRLHF's remote reward protocol; see RewardScorer).
 */
export function createEnvServer(options: ServerOptions = {}): { server: Server; service: EnvService; scorer: RewardScorer; drain(): Promise<void> } {
  const service = new EnvService(options);
  const scorer = new RewardScorer();
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const token = options.token ?? null;
  const log = options.log ?? ((line: string) => console.error(line));
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | null = null;

  const post: Record<string, Handler> = {
    '/sessions': (b) => service.create(b),
    '/reset': (b) => service.reset(b),
    '/step': (b) => service.step(b),
    '/system_prompt': (b) => service.systemPrompt(b),
    '/close': (b) => service.close(b),
    '/reward': (b) => scorer.score(b),
    '/get_reward': (b) => scorer.score(b),
  };
  const get: Record<string, () => unknown> = {
    '/health': () => ({ ...service.health(), draining }),
    '/envs': () => ({ envs: listEnvs().map((e) => ({ id: e.id, description: e.description, options: e.options })) }),
  };

  const finish = () => {
    inFlight--;
    if (inFlight === 0 && idle) idle();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    let finished = false;
    const done = () => {
      if (!finished) { finished = true; finish(); }
    };
    res.on('close', done);
    req.on('error', done); // a client that disconnects mid-body: nothing was run
    try {
      if (draining) throw new ShuttingDownError();
      if (token !== null) {
        const auth = req.headers.authorization ?? '';
        const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
        if (!tokenMatches(given, token)) throw new UnauthorizedError();
      }
      const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
      if (req.method === 'GET' && get[path]) {
        req.resume();
        sendJson(res, 200, get[path]!());
        return;
      }
      const handler = post[path];
      if (!handler) {
        if (get[path]) throw new MethodNotAllowedError(`${path} takes GET, got ${req.method}`);
        throw new NotFoundError(`no route ${req.method} ${path}; routes: GET /health, GET /envs, POST ${Object.keys(post).join(', ')}`);
      }
      if (req.method !== 'POST') throw new MethodNotAllowedError(`${path} takes POST, got ${req.method}`);
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (declared > maxBody) throw new PayloadTooLargeError(`request body of ${declared} bytes is over the limit of ${maxBody} bytes (--max-body)`);
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (c: Buffer) => {
        if (refused) return;
        size += c.length;
        if (size > maxBody) {
          refused = true;
          chunks.length = 0;
          sendError(res, new PayloadTooLargeError(`request body over the limit of ${maxBody} bytes (--max-body)`), true);
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (refused || res.destroyed) return;
        let status = 200, value: unknown;
        try {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (e) {
            throw new BadRequestError(`malformed JSON body: ${(e as Error).message}`);
          }
          value = handler(body);
        } catch (e) {
          const err = toServeError(e, log, `${req.method} ${path}`);
          status = err.status;
          value = { error: { type: err.name, message: err.message, status: err.status } };
        }
        sendJson(res, status, value);
      });
    } catch (e) {
      // Refused before reading the body: answer and close the connection (the body is not read).
      sendError(res, toServeError(e, log, `${req.method} ${req.url}`), true);
    }
  });
  server.keepAliveTimeout = 65_000;

  const drain = (): Promise<void> => {
    draining = true;
    return new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        server.closeAllConnections();
        service.closeAll();
        scorer.close();
        resolve();
      };
      const timer = setTimeout(end, options.drainTimeoutMs ?? 5000);
      timer.unref();
      server.close();
      server.closeIdleConnections();
      if (inFlight === 0) end();
      else idle = end;
    });
  };
  return { server, service, scorer, drain };
}

/** Map any thrown value to a ServeError: lmm-gym errors are the client's (400), others are logged (500). */
function toServeError(e: unknown, log: (line: string) => void, where: string): ServeError {
  if (e instanceof ServeError) return e;
  if (e instanceof LmmGymError) return new BadRequestError(e.message);
  log(`lmm-gym serve: unexpected error in ${where}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return new ServeError(`internal error: ${e instanceof Error ? e.message : String(e)}`, 500);
}

/** Start the env server; resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const { server, service, scorer, drain } = createEnvServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const sweepEvery = options.sweepIntervalMs ?? Math.min(30_000, Math.max(1000, Math.floor(service.idleTimeoutMs / 4)));
  const sweeper = setInterval(() => service.sweep(), sweepEvery);
  sweeper.unref();
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shown}:${port}`, host, port, server, service, scorer,
    close: () => (closing ??= (clearInterval(sweeper), drain())),
  };
}
