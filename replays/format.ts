// The replay file format, version 1 (documented in docs/replays.md). JSON Lines:
//   line 1        header  {"kind":"header","format":"lmm-gym-replay","version":1,...}
//   then          steps   {"kind":"step","t":0,"action":...,"reward":...,...}
//                 and agent turns {"kind":"turn","turn":0,"start":0,"count":1,"response":...}
//                 (a turn line follows the env steps it drove: start..start+count-1)
//   last line     end     {"kind":"end","steps":n,"totalReward":...,...}
// A file without its end line is partial (the writer stopped before close()).
import { deflateSync, inflateSync } from 'node:zlib';
import type { Frame } from '../envs/render/frame.js';
import { ReplayValueError } from './errors.js';

export const REPLAY_FORMAT = 'lmm-gym-replay';
/** The format version this code writes (and the newest it reads). */
export const REPLAY_VERSION = 1;
/** Suffix of a replay being written; renamed away by close(). */
export const REPLAY_PARTIAL_SUFFIX = '.partial';

/** Who played the episode (free-form beyond `name`). */
export interface ReplayAgentInfo {
  name: string;
  [key: string]: unknown;
}

/** A frame stored in the file: RGBA bytes, zlib-deflated, base64. Only when asked. */
export interface StoredReplayFrame {
  width: number;
  height: number;
  encoding: 'rgba-deflate-base64';
  data: string;
}

export interface ReplayHeader {
  kind: 'header';
  format: typeof REPLAY_FORMAT;
  version: number;
  /** Registered env id (make(envId, envOptions) rebuilds the env); null for an unregistered env. */
  envId: string | null;
  /** Options passed to make() (defaults included, so later default changes do not matter). */
  envOptions: Record<string, unknown>;
  /** Seed of reset({ seed }); null when the episode continued an earlier stream (not re-simulatable). */
  seed: number | null;
  /** `options` of reset({ seed, options }). */
  resetOptions: Record<string, unknown>;
  agent?: ReplayAgentInfo;
  /** ISO time the recording started. */
  createdAt: string;
  /** Episode index within a run (eval, training). */
  episodeIndex?: number;
  /** Names of a Discrete action space (for labels without re-making the env). */
  actionNames?: string[];
  /** info returned by reset(). */
  resetInfo?: Record<string, unknown>;
  /** describe() of the start state, when text was recorded. */
  text?: string;
  /** render() of the start state, when frames were recorded. */
  frame?: StoredReplayFrame;
  /** Free-form (run id, checkpoint, training step ...). */
  meta?: Record<string, unknown>;
}

export interface ReplayStep {
  kind: 'step';
  /** 0-based step index. */
  t: number;
  /** The action passed to env.step (re-simulation passes it again). */
  action: unknown;
  /** The agent's full response text (language agents). */
  response?: string;
  /** What the parser made of the response (may differ from `action` after a fallback). */
  parsedAction?: unknown;
  /** Why parsing failed, when it did. */
  parseError?: string;
  /** The env's reward for this step (re-simulation must reproduce it exactly). */
  reward: number;
  /** Reward components of the agent layer / training (format, accuracy, total ...). */
  rewardComponents?: Record<string, number>;
  terminated: boolean;
  truncated: boolean;
  info: Record<string, unknown>;
  /** describe() after the step, when text was recorded. */
  text?: string;
  /** render() after the step, when frames were recorded. */
  frame?: StoredReplayFrame;
}

/**
 * One agent turn (language agents): the response and what it earned, covering env steps
 * `start .. start+count-1` (written after them). `count` 0: the answer ran no env step
 * (it did not parse and the env was left untouched). Plan mode: one turn, many steps.
 */
export interface ReplayTurn {
  kind: 'turn';
  /** 0-based turn index. */
  turn: number;
  start: number;
  count: number;
  response?: string;
  parsedAction?: unknown;
  parseError?: string;
  /** The turn's reward (e.g. the composed rule-based reward), besides the env step rewards. */
  reward?: number;
  rewardComponents?: Record<string, number>;
  info?: Record<string, unknown>;
}

export interface ReplayEnd {
  kind: 'end';
  steps: number;
  /** Sum of the step rewards, added in step order. */
  totalReward: number;
  terminated: boolean;
  truncated: boolean;
  /** Agent turns recorded. */
  turns?: number;
  /** Sum of the turn rewards (when turns carry rewards). */
  turnReward?: number;
  /** Sum of each reward component over the steps and turns that carry it. */
  rewardComponentTotals?: Record<string, number>;
  /** ISO time of close(). */
  closedAt: string;
  /** Free-form summary from the caller (success, solved, score ...). */
  summary?: Record<string, unknown>;
}

export type ReplayLine = ReplayHeader | ReplayStep | ReplayTurn | ReplayEnd;

/** A replay read back: `end` is null for a partial file read with allowPartial. */
export interface Replay {
  header: ReplayHeader;
  steps: ReplayStep[];
  /** Agent turns, in order (empty when the recording has none). */
  turns: ReplayTurn[];
  end: ReplayEnd | null;
  /** 1-based file line of each step (for error messages). */
  stepLines: number[];
  /** Where it was read from (a path, or 'replay'). */
  source: string;
}

// ---- values: JSON plus typed arrays and non-finite numbers, tagged so they round-trip ----

const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array'] as const;
type TypedName = (typeof TYPED)[number];

/**
 * Make a value JSON-safe without losing it: typed arrays become {"$typed": name, "data": [...]},
 * NaN/Infinity become {"$num": "NaN"}, undefined object fields are dropped, bigints become
 * {"$bigint": "123"}. `decodeReplayValue` reverses it.
 */
export function encodeReplayValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $num: String(value) };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? null : value;
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name as TypedName;
    if (!TYPED.includes(name)) return null;
    return { $typed: name, data: Array.from(value as unknown as ArrayLike<number>, (x) => encodeReplayValue(x)) };
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : encodeReplayValue(v)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = encodeReplayValue(v);
  return out;
}

/**
 * Inverse of `encodeReplayValue`. A tag that does not decode exactly is a ReplayValueError
 * naming where it is (`$num` other than NaN / Infinity / -Infinity, a `$bigint` that is not
 * an integer, a `$typed` array holding something other than numbers), never a bare
 * SyntaxError or a silent NaN.
 */
export function decodeReplayValue(value: unknown, path = 'value'): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => decodeReplayValue(v, `${path}[${i}]`));
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  const bad = (what: string) => new ReplayValueError(`${path}: ${JSON.stringify(o).slice(0, 80)} ${what}`);
  if (keys.length === 1 && typeof o.$num === 'string') {
    if (o.$num !== 'NaN' && o.$num !== 'Infinity' && o.$num !== '-Infinity') throw bad('is not a number tag (expected "NaN", "Infinity" or "-Infinity")');
    return Number(o.$num);
  }
  if (keys.length === 1 && typeof o.$bigint === 'string') {
    if (!/^-?\d{1,10000}$/.test(o.$bigint)) throw bad('is not a bigint tag (expected decimal digits)');
    return BigInt(o.$bigint);
  }
  if (keys.length === 2 && typeof o.$typed === 'string' && Array.isArray(o.data) && (TYPED as readonly string[]).includes(o.$typed)) {
    const Ctor = globalThis[o.$typed as TypedName] as unknown as { from(a: number[]): unknown };
    const data = o.data.map((x, i) => {
      const v = decodeReplayValue(x, `${path}.data[${i}]`);
      if (typeof v !== 'number') throw bad(`holds ${JSON.stringify(x)?.slice(0, 20)} at data[${i}], not a number`);
      return v;
    });
    return Ctor.from(data);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeReplayValue(o[k], `${path}.${k}`);
  return out;
}

/** Store a frame in a replay line (copies the bytes; deflate keeps flat game art small). */
export function encodeStoredFrame(frame: Frame): StoredReplayFrame {
  const bytes = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
  return { width: frame.width, height: frame.height, encoding: 'rgba-deflate-base64', data: deflateSync(bytes, { level: 6 }).toString('base64') };
}

/**
 * Largest stored frame read back: 2^24 pixels (64 MiB of RGBA, e.g. 4096 x 4096). The
 * reader refuses a larger `width x height` on its line, before anything is decompressed.
 */
export const MAX_STORED_FRAME_PIXELS = 1 << 24;

/**
 * Decode a stored frame; throws RangeError when the size is over MAX_STORED_FRAME_PIXELS
 * or the bytes do not match it. Decompression stops at the declared size, so a small
 * field cannot inflate to gigabytes.
 */
export function decodeStoredFrame(stored: StoredReplayFrame): Frame {
  const pixels = stored.width * stored.height;
  if (!(pixels > 0) || pixels > MAX_STORED_FRAME_PIXELS) {
    throw new RangeError(`stored frame ${stored.width}x${stored.height} is ${pixels} pixels; the limit is ${MAX_STORED_FRAME_PIXELS} pixels (MAX_STORED_FRAME_PIXELS)`);
  }
  const expected = pixels * 4;
  let bytes: Buffer;
  try {
    bytes = inflateSync(Buffer.from(stored.data, 'base64'), { maxOutputLength: expected + 1 });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new RangeError(`stored frame data inflates to more than the ${expected} bytes of ${stored.width}x${stored.height}x4`);
    throw new RangeError(`stored frame data is not valid deflate data: ${(e as Error).message}`);
  }
  if (bytes.length !== expected) throw new RangeError(`stored frame has ${bytes.length} bytes, expected ${stored.width}x${stored.height}x4`);
  return { width: stored.width, height: stored.height, data: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length) };
}
