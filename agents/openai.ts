import { encodePng } from '../envs/render/png.js';
import { resizeNearest } from '../envs/render/resize.js';
import type { Frame } from '../envs/render/frame.js';
import { responseFromText } from './agent.js';
import {
  AgentError, AgentSpecError, BadServerResponseError, ChatClientError, ResponseTooLargeError, ServerHttpError, ServerTimeoutError, ServerUnavailableError,
} from './errors.js';
import { registerAgent } from './registry.js';
import type { AgentObservation } from '../tasks/types.js';
import type { Agent, AgentContext, AgentResponse } from './types.js';

export interface OpenAIChatOptions {
  /** Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama). */
  baseUrl: string;
  /** Model name as the server knows it. */
  model: string;
  /** Sent as `Authorization: Bearer ...` when set. */
  apiKey?: string;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Per-request timeout in ms, connection to last body byte (default 60 s). */
  timeoutMs?: number;
  /** Extra attempts after the first for network errors, timeouts, 5xx and 429 (default 3, at most 10). */
  retries?: number;
  /** First backoff delay in ms, doubled per retry, capped at maxBackoffMs (default 500 / 8000). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Requests in flight at once per agent (default 4). */
  concurrency?: number;
  /** Upscale images so the shorter side is at least this many pixels (nearest neighbour; default 0: as rendered; at most 4096). */
  minImageSide?: number;
  /**
   * Largest response body read, in bytes (default 8 MiB, at most 1 GiB). The body is read
   * as a stream and the request aborted past it with a ResponseTooLargeError (not retried).
   */
  maxResponseBytes?: number;
  /**
   * Longest wait honoured from a `Retry-After` header on 429/503, in ms (default 30 s, at
   * most 5 min); a longer request is waited for this long. Without the header: backoff.
   */
  maxRetryAfterMs?: number;
  /**
   * Ask the server to stop at `</answer>` (most servers drop the stop string, so it is
   * appended back when the answer tag was opened). Keeps chatter after the answer from
   * failing the format. Default false.
   */
  stopAtAnswer?: boolean;
  /** Extra fields merged into the request body (e.g. { repetition_penalty: 1.05 }). */
  extraBody?: Record<string, unknown>;
  /** Replaces global fetch (for custom transports). */
  fetch?: typeof fetch;
}

/** Names the openai agent accepts as options (`--agent-option NAME=value`); `fetch` only from code. */
export const OPENAI_OPTION_NAMES = [
  'baseUrl', 'model', 'apiKey', 'temperature', 'topP', 'maxTokens', 'timeoutMs', 'retries', 'backoffMs', 'maxBackoffMs',
  'concurrency', 'minImageSide', 'maxResponseBytes', 'maxRetryAfterMs', 'stopAtAnswer', 'extraBody', 'fetch',
] as const satisfies readonly (keyof OpenAIChatOptions)[];

/** Bounds of the client's options: a value outside them is an AgentSpecError naming the option and the bound. */
export const OPENAI_LIMITS = {
  retries: 10,
  concurrency: 256,
  minImageSide: 4096,
  maxResponseBytes: 1 << 30,
  maxRetryAfterMs: 300_000,
  /** setTimeout's largest delay; more fires at once. */
  timeoutMs: 2 ** 31 - 1,
  backoffMs: 600_000,
  maxTokens: 1 << 20,
} as const;

/** Default cap on a response body: 8 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 << 20;

/** Largest image (pixels) sent after `minImageSide` upscaling: 4096 x 4096. */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

/** A frame as a base64 PNG data URL. */
export async function frameToDataUrl(frame: Frame, minSide = 0): Promise<string> {
  let f = frame;
  const short = Math.min(frame.width, frame.height);
  if (minSide > 0 && short < minSide) {
    const k = Math.ceil(minSide / short);
    const pixels = frame.width * k * frame.height * k;
    if (pixels > MAX_IMAGE_PIXELS) {
      throw new AgentSpecError(`minImageSide ${minSide} would upscale a ${frame.width}x${frame.height} frame to ${frame.width * k}x${frame.height * k} pixels; the limit is ${MAX_IMAGE_PIXELS} pixels`);
    }
    f = resizeNearest(frame, frame.width * k, frame.height * k);
  }
  return `data:image/png;base64,${(await encodePng(f)).toString('base64')}`;
}

/** The chat messages for an observation: system prompt, then the user turn (text + image). */
export async function observationMessages(obs: AgentObservation, minImageSide = 0): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [{ role: 'system', content: obs.systemPrompt }];
  if (obs.image) {
    messages.push({ role: 'user', content: [{ type: 'image_url', image_url: { url: await frameToDataUrl(obs.image, minImageSide) } }, { type: 'text', text: obs.userPrompt }] });
  } else {
    messages.push({ role: 'user', content: obs.userPrompt });
  }
  return messages;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) { reject(new AgentError('request aborted')); return; }
  const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(t); reject(new AgentError('request aborted')); };
  signal?.addEventListener('abort', onAbort, { once: true });
});

/** A counting semaphore: at most `limit` holders at once. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

function clip(s: string, n = 200): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

/** Network error codes worth a retry (the server may be starting or restarting). */
function networkCode(e: unknown): string | null {
  const cause = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })?.cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? (e as { code?: string })?.code ?? cause?.message ?? null;
}

/**
 * A `Retry-After` header in ms (delta-seconds or an HTTP date; a past date is 0), or null
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/**
 * The body of `res` as text, read as a stream: past `limit` bytes (or when Content-Length
 * says more) the stream is cancelled and a ResponseTooLargeError names the limit. Memory
 * stays within the limit whatever the server sends.
 */
export async function readBodyBounded(res: Response, limit: number, url: string, attempt = 1): Promise<string> {
  const tooLarge = (what: string) => new ResponseTooLargeError(
    `${url} answered ${what}, more than maxResponseBytes = ${limit} bytes; raise maxResponseBytes (--agent-option maxResponseBytes=N) if this is expected`, limit, attempt);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(`with Content-Length ${declared}`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`a body of more than ${limit} bytes (stopped reading at ${total})`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** The assistant text of a chat-completions response body, or a BadServerResponseError. */
export function extractCompletionText(body: unknown, attempts = 1): { text: string; finishReason: string | null; usage: unknown } {
  const choice = (body as { choices?: unknown })?.choices;
  if (!Array.isArray(choice) || choice.length === 0) throw new BadServerResponseError(`the server's answer has no choices: ${clip(JSON.stringify(body) ?? String(body))}`, attempts);
  const msg = (choice[0] as { message?: { content?: unknown } }).message;
  let content = msg?.content;
  if (Array.isArray(content)) content = content.map((p) => (typeof p === 'string' ? p : (p as { text?: string })?.text ?? '')).join('');
  if (content === null) content = '';
  if (typeof content !== 'string') throw new BadServerResponseError(`choices[0].message.content is not text: ${clip(JSON.stringify(msg) ?? 'undefined')}`, attempts);
  return { text: content, finishReason: (choice[0] as { finish_reason?: string }).finish_reason ?? null, usage: (body as { usage?: unknown }).usage ?? null };
}

/**
 * A chat-completions client for OpenAI-compatible servers (vLLM, Ollama, llama.cpp
 * server, ...). One POST {baseUrl}/chat/completions per request, with a timeout
 * (AbortController), retries with exponential backoff for network errors, timeouts,
 * 5xx and 429, a concurrency limit, and typed errors:
 * ServerUnavailableError (down), ServerTimeoutError (slow), ServerHttpError (status),
 * BadServerResponseError (garbage). Garbage and 4xx are not retried.
 */
export class OpenAIChatClient {
  readonly options: Required<Omit<OpenAIChatOptions, 'apiKey' | 'topP' | 'extraBody' | 'fetch' | 'stopAtAnswer'>> & Pick<OpenAIChatOptions, 'apiKey' | 'topP' | 'extraBody' | 'stopAtAnswer'>;
  private readonly semaphore: Semaphore;
  private readonly fetchFn: typeof fetch;

  constructor(options: OpenAIChatOptions) {
    const unknown = Object.keys(options ?? {}).filter((k) => !(OPENAI_OPTION_NAMES as readonly string[]).includes(k));
    if (unknown.length > 0) {
      throw new AgentSpecError(`unknown openai agent option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; valid options: ${OPENAI_OPTION_NAMES.filter((k) => k !== 'fetch').join(', ')}`);
    }
    if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) throw new AgentSpecError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    if (typeof options.model !== 'string' || options.model === '') throw new AgentSpecError('model must be a non-empty string (e.g. openai:http://127.0.0.1:8000/v1#Qwen2.5-VL-3B-Instruct)');
    const num = (name: string, v: unknown, fallback: number, min: number, max = Number.MAX_VALUE, integer = false) => {
      const x = v ?? fallback;
      if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) {
        throw new AgentSpecError(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}${max < Number.MAX_VALUE ? ` and <= ${max}` : ''}, got ${JSON.stringify(v)}`);
      }
      return x;
    };
    const L = OPENAI_LIMITS;
    this.options = {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      model: options.model,
      temperature: num('temperature', options.temperature, 0, 0),
      maxTokens: num('maxTokens', options.maxTokens, 512, 1, L.maxTokens, true),
      timeoutMs: num('timeoutMs', options.timeoutMs, 60_000, 1, L.timeoutMs),
      retries: num('retries', options.retries, 3, 0, L.retries, true),
      backoffMs: num('backoffMs', options.backoffMs, 500, 0, L.backoffMs),
      maxBackoffMs: num('maxBackoffMs', options.maxBackoffMs, 8000, 0, L.backoffMs),
      concurrency: num('concurrency', options.concurrency, 4, 1, L.concurrency, true),
      minImageSide: num('minImageSide', options.minImageSide, 0, 0, L.minImageSide, true),
      maxResponseBytes: num('maxResponseBytes', options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, 1, L.maxResponseBytes, true),
      maxRetryAfterMs: num('maxRetryAfterMs', options.maxRetryAfterMs, 30_000, 0, L.maxRetryAfterMs),
    };
    if (options.apiKey !== undefined) {
      if (typeof options.apiKey !== 'string') throw new AgentSpecError('apiKey must be a string');
      this.options.apiKey = options.apiKey;
    }
    if (options.topP !== undefined) this.options.topP = num('topP', options.topP, 1, 0, 1);
    if (options.extraBody !== undefined) {
      if (options.extraBody === null || typeof options.extraBody !== 'object' || Array.isArray(options.extraBody)) throw new AgentSpecError(`extraBody must be an object, got ${JSON.stringify(options.extraBody)}`);
      this.options.extraBody = options.extraBody;
    }
    if (options.stopAtAnswer !== undefined && typeof options.stopAtAnswer !== 'boolean') throw new AgentSpecError(`stopAtAnswer must be true or false, got ${JSON.stringify(options.stopAtAnswer)}`);
    if (options.stopAtAnswer) this.options.stopAtAnswer = true;
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new AgentSpecError('fetch must be a function');
    this.semaphore = new Semaphore(this.options.concurrency);
    this.fetchFn = options.fetch ?? fetch;
  }

  /** Send messages; returns the assistant text and request metadata. */
  async complete(messages: ChatMessage[], signal?: AbortSignal): Promise<{ text: string; meta: Record<string, unknown> }> {
    return this.semaphore.run(() => this.completeNow(messages, signal));
  }

  private async completeNow(messages: ChatMessage[], signal?: AbortSignal): Promise<{ text: string; meta: Record<string, unknown> }> {
    const o = this.options;
    const url = `${o.baseUrl}/chat/completions`;
    const body: Record<string, unknown> = { model: o.model, messages, temperature: o.temperature, max_tokens: o.maxTokens, stream: false };
    if (o.topP !== undefined) body.top_p = o.topP;
    if (o.stopAtAnswer) body.stop = ['</answer>'];
    Object.assign(body, o.extraBody ?? {});
    const payload = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
    const started = performance.now();
    let lastError: ChatClientError | null = null;
    /** The wait before the next attempt: Retry-After when the server sent one, else exponential backoff. */
    let retryAfterMs: number | null = null;
    const waitsMs: number[] = [];
    for (let attempt = 1; attempt <= o.retries + 1; attempt++) {
      if (attempt > 1) {
        const wait = retryAfterMs ?? Math.min(o.maxBackoffMs, o.backoffMs * 2 ** (attempt - 2));
        waitsMs.push(wait);
        await sleep(wait, signal);
      }
      retryAfterMs = null;
      if (signal?.aborted) throw new AgentError('request aborted');
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; controller.abort(); }, o.timeoutMs);
      const onAbort = () => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        let res: Response;
        let text: string;
        try {
          res = await this.fetchFn(url, { method: 'POST', headers, body: payload, signal: controller.signal });
          text = await readBodyBounded(res, o.maxResponseBytes, url, attempt);
        } catch (e) {
          if (e instanceof ResponseTooLargeError) { controller.abort(); throw e; }
          if (signal?.aborted) throw new AgentError('request aborted');
          if (timedOut) { lastError = new ServerTimeoutError(`no answer from ${url} within ${o.timeoutMs} ms (attempt ${attempt} of ${o.retries + 1})`, attempt); continue; }
          const code = networkCode(e);
          lastError = new ServerUnavailableError(`cannot reach ${url}: ${code ?? (e as Error).message}${code === 'ECONNREFUSED' ? ' (is the server running?)' : ''}`, attempt);
          continue;
        }
        if (res.status === 429 || res.status >= 500) {
          const after = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : null;
          if (after !== null) retryAfterMs = Math.min(after, o.maxRetryAfterMs);
          const asked = after === null ? '' : ` (Retry-After ${res.headers.get('retry-after')}${after > o.maxRetryAfterMs ? `, waited at most maxRetryAfterMs = ${o.maxRetryAfterMs} ms` : ''})`;
          lastError = new ServerHttpError(`${url} answered HTTP ${res.status}${asked}: ${clip(text)}`, res.status, attempt);
          continue;
        }
        if (!res.ok) throw new ServerHttpError(`${url} answered HTTP ${res.status}: ${clip(text)}`, res.status, attempt);
        let json: unknown;
        try { json = JSON.parse(text); } catch { throw new BadServerResponseError(`${url} answered with something that is not JSON: ${clip(text)}`, attempt); }
        const out = extractCompletionText(json, attempt);
        if (o.stopAtAnswer && out.finishReason === 'stop' && out.text.includes('<answer>') && !out.text.includes('</answer>')) out.text += '</answer>';
        return { text: out.text, meta: { attempts: attempt, latencyMs: Math.round(performance.now() - started), finishReason: out.finishReason, usage: out.usage, ...(waitsMs.length ? { waitsMs } : {}) } };
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    }
    const e = lastError!;
    e.message += ` — gave up after ${o.retries + 1} attempt${o.retries ? 's' : ''}`;
    throw e;
  }
}

/** An agent backed by an OpenAI-compatible chat server (a real LMM). */
export class OpenAIChatAgent implements Agent {
  readonly name: string;
  readonly concurrency: number;
  readonly client: OpenAIChatClient;
  constructor(options: OpenAIChatOptions) {
    this.client = new OpenAIChatClient(options);
    this.name = `openai:${this.client.options.model}`;
    this.concurrency = this.client.options.concurrency;
  }
  async act(obs: AgentObservation, ctx: AgentContext = {}): Promise<AgentResponse> {
    const messages = await observationMessages(obs, this.client.options.minImageSide);
    const { text, meta } = await this.client.complete(messages, ctx.signal);
    return responseFromText(text, obs, meta);
  }
}

/** Parse `URL#model` (the part after `openai:`). */
export function parseOpenAISpec(arg: string): { baseUrl: string; model: string } {
  const i = arg.lastIndexOf('#');
  if (i < 0) throw new AgentSpecError(`openai agent spec must be openai:BASE_URL#MODEL, e.g. openai:http://127.0.0.1:8000/v1#Qwen2.5-VL-3B-Instruct; got openai:${arg}`);
  return { baseUrl: arg.slice(0, i), model: arg.slice(i + 1) };
}

registerAgent('openai', (arg, o) => {
  const s = o.settings ?? {};
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const options: OpenAIChatOptions = { ...parseOpenAISpec(arg), ...(s as Partial<OpenAIChatOptions>) };
  if (options.apiKey === undefined && env.LMM_GYM_API_KEY) options.apiKey = env.LMM_GYM_API_KEY;
  return new OpenAIChatAgent(options);
}, 'an OpenAI-compatible chat server: openai:BASE_URL#MODEL (vLLM, Ollama, llama.cpp); --agent-option temperature=0.7 ...',
OPENAI_OPTION_NAMES.filter((k) => k !== 'baseUrl' && k !== 'model' && k !== 'fetch'));
