import { existsSync, readFileSync } from 'node:fs';
import { ReplayError, ReplayFormatError, ReplayTruncatedError, ReplayValueError, ReplayVersionError } from './errors.js';
import {
  MAX_STORED_FRAME_PIXELS, REPLAY_PARTIAL_SUFFIX, REPLAY_FORMAT, REPLAY_VERSION, decodeReplayValue,
  type Replay, type ReplayEnd, type ReplayHeader, type ReplayStep, type ReplayTurn, type StoredReplayFrame,
} from './format.js';

export interface ReadReplayOptions {
  /** Accept a file without its end line (a crashed or running writer); `end` is then null. */
  allowPartial?: boolean;
  /** Name used in error messages (default: the path, or 'replay'). */
  source?: string;
}

/** Read and validate a replay file. Errors name the file and line. */
export function readReplay(path: string, options: ReadReplayOptions = {}): Replay {
  if (!existsSync(path)) {
    const partial = existsSync(path + REPLAY_PARTIAL_SUFFIX);
    throw new ReplayError(`no replay file ${path}${partial ? ` (${path + REPLAY_PARTIAL_SUFFIX} exists: its writer never closed it; read that file with allowPartial / --allow-partial)` : ''}`);
  }
  return parseReplay(readFileSync(path, 'utf8'), { ...options, source: options.source ?? path });
}

/** Parse and validate replay text (JSON Lines). */
export function parseReplay(text: string, options: ReadReplayOptions = {}): Replay {
  const source = options.source ?? 'replay';
  const fail = (line: number, msg: string): never => { throw new ReplayFormatError(msg, line, source); };
  const lines = text.split('\n');
  // A complete file ends with '\n', so the last piece is empty; otherwise the last line was cut.
  const cut = lines.pop()!;
  const parsed: unknown[] = [];
  for (let i = 0; i < lines.length; i++) parsed.push(parseJsonLine(lines[i]!, i + 1, fail));
  if (cut !== '') {
    const n = lines.length + 1;
    let value: unknown;
    try { value = JSON.parse(cut); } catch { value = undefined; }
    if (value === undefined) {
      if (!options.allowPartial) throw new ReplayTruncatedError(`line ${n} is cut off (no newline and not valid JSON): the file was truncated while being written; pass allowPartial (lmm-gym replay --allow-partial) to read the ${Math.max(0, n - 2)} complete step line(s) before it`, n, source);
    } else parsed.push(value);
  }
  if (parsed.length === 0) fail(1, 'empty file: expected a header line {"kind":"header","format":"lmm-gym-replay",...}');

  const header = onLine(1, fail, () => parseHeader(parsed[0], fail));
  const steps: ReplayStep[] = [];
  const stepLines: number[] = [];
  const turns: ReplayTurn[] = [];
  let turnsEnd = 0;
  let end: ReplayEnd | null = null;
  let ended = false;
  let total = 0;
  for (let i = 1; i < parsed.length; i++) {
    const line = i + 1;
    const v = parsed[i] as Record<string, unknown>;
    if (end) fail(line, 'line after the end line: the end line must be last');
    if (!isObject(v)) fail(line, `expected an object, got ${JSON.stringify(v)}`);
    if (v.kind === 'step') {
      if (ended) fail(line, `step after the episode ended at step ${steps.length - 1} (terminated or truncated)`);
      const step = onLine(line, fail, () => parseStep(v, steps.length, line, fail));
      steps.push(step);
      stepLines.push(line);
      total += step.reward;
      ended = step.terminated || step.truncated;
    } else if (v.kind === 'turn') {
      const turn = onLine(line, fail, () => parseTurn(v, turns.length, line, fail));
      if (turn.start + turn.count !== steps.length || turn.start < turnsEnd) fail(line, `turn ${turn.turn} covers steps ${turn.start}..${turn.start + turn.count - 1} but must end at the last step line (${steps.length - 1}) and start at or after ${turnsEnd}`);
      turns.push(turn);
      turnsEnd = steps.length;
    } else if (v.kind === 'end') {
      end = onLine(line, fail, () => parseEnd(v, line, fail));
      if (end.steps !== steps.length) fail(line, `end line says ${end.steps} steps but the file has ${steps.length}`);
      if ((end.turns ?? 0) !== turns.length) fail(line, `end line says ${end.turns ?? 0} turns but the file has ${turns.length}`);
      if (end.totalReward !== total) fail(line, `end line says totalReward ${end.totalReward} but the steps sum to ${total}`);
      const last = steps[steps.length - 1];
      if ((last?.terminated ?? false) !== end.terminated || (last?.truncated ?? false) !== end.truncated) fail(line, 'end line terminated/truncated do not match the last step');
    } else {
      fail(line, `expected kind "step", "turn" or "end", got ${JSON.stringify(v.kind)}`);
    }
  }
  if (!end && !options.allowPartial) {
    throw new ReplayTruncatedError(`the file ends after line ${parsed.length} without its end line (its writer never closed it: crashed, killed, or still writing); ${steps.length} step(s) are readable with allowPartial (lmm-gym replay --allow-partial)`, parsed.length, source);
  }
  return { header, steps, turns, end, stepLines, source };
}

type Fail = (line: number, msg: string) => never;

/** Run a line's parser; a value that does not decode fails on that line. */
function onLine<T>(line: number, fail: Fail, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ReplayValueError) fail(line, e.message);
    throw e;
  }
}

function parseJsonLine(text: string, line: number, fail: Fail): unknown {
  if (text.trim() === '') fail(line, 'empty line');
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(line, `not valid JSON (${(e as Error).message})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseHeader(v: unknown, fail: Fail): ReplayHeader {
  if (!isObject(v) || v.format !== REPLAY_FORMAT) fail(1, `not an lmm-gym replay: the first line must be a header with "format":"${REPLAY_FORMAT}"`);
  const h = v as Record<string, unknown>;
  if (h.kind !== 'header') fail(1, `header kind must be "header", got ${JSON.stringify(h.kind)}`);
  if (!Number.isSafeInteger(h.version) || (h.version as number) < 1) fail(1, `header version must be a positive integer, got ${JSON.stringify(h.version)}`);
  if ((h.version as number) > REPLAY_VERSION) throw new ReplayVersionError(`replay format version ${h.version} is newer than this lmm-gym reads (${REPLAY_VERSION}); update lmm-gym`);
  if (h.envId !== null && typeof h.envId !== 'string') fail(1, `header envId must be a string or null, got ${JSON.stringify(h.envId)}`);
  if (!isObject(h.envOptions)) fail(1, 'header envOptions must be an object');
  if (h.seed !== null && (!Number.isSafeInteger(h.seed) || (h.seed as number) < 0)) fail(1, `header seed must be a non-negative integer or null, got ${JSON.stringify(h.seed)}`);
  if (!isObject(h.resetOptions)) fail(1, 'header resetOptions must be an object');
  if (typeof h.createdAt !== 'string') fail(1, 'header createdAt must be a string');
  if (h.agent !== undefined && (!isObject(h.agent) || typeof h.agent.name !== 'string')) fail(1, 'header agent must be an object with a string name');
  if (h.actionNames !== undefined && (!Array.isArray(h.actionNames) || h.actionNames.some((n) => typeof n !== 'string'))) fail(1, 'header actionNames must be an array of strings');
  if (h.text !== undefined && typeof h.text !== 'string') fail(1, 'header text must be a string');
  if (h.frame !== undefined) checkFrame(h.frame, 1, fail);
  return {
    ...(h as unknown as ReplayHeader),
    envOptions: decodeReplayValue(h.envOptions, 'envOptions') as Record<string, unknown>,
    resetOptions: decodeReplayValue(h.resetOptions, 'resetOptions') as Record<string, unknown>,
    ...(h.resetInfo !== undefined ? { resetInfo: decodeReplayValue(h.resetInfo, 'resetInfo') as Record<string, unknown> } : {}),
  };
}

function parseStep(v: Record<string, unknown>, index: number, line: number, fail: Fail): ReplayStep {
  if (v.t !== index) fail(line, `step t must be ${index} (steps in order from 0), got ${JSON.stringify(v.t)}`);
  if (!('action' in v)) fail(line, 'step has no action');
  if (typeof v.reward !== 'number') fail(line, `step reward must be a number, got ${JSON.stringify(v.reward)}`);
  if (typeof v.terminated !== 'boolean' || typeof v.truncated !== 'boolean') fail(line, 'step terminated and truncated must be booleans');
  if (!isObject(v.info)) fail(line, 'step info must be an object');
  if (v.response !== undefined && typeof v.response !== 'string') fail(line, 'step response must be a string');
  if (v.parseError !== undefined && typeof v.parseError !== 'string') fail(line, 'step parseError must be a string');
  if (v.text !== undefined && typeof v.text !== 'string') fail(line, 'step text must be a string');
  if (v.rewardComponents !== undefined) {
    const rc = decodeReplayValue(v.rewardComponents, 'rewardComponents');
    if (!isObject(rc) || Object.values(rc).some((x) => typeof x !== 'number')) fail(line, 'step rewardComponents must map names to numbers');
  }
  if (v.frame !== undefined) checkFrame(v.frame, line, fail);
  return {
    ...(v as unknown as ReplayStep),
    action: decodeReplayValue(v.action, 'action'),
    ...(v.parsedAction !== undefined ? { parsedAction: decodeReplayValue(v.parsedAction, 'parsedAction') } : {}),
    ...(v.rewardComponents !== undefined ? { rewardComponents: decodeReplayValue(v.rewardComponents, 'rewardComponents') as Record<string, number> } : {}),
    info: decodeReplayValue(v.info, 'info') as Record<string, unknown>,
  };
}

function parseTurn(v: Record<string, unknown>, index: number, line: number, fail: Fail): ReplayTurn {
  if (v.turn !== index) fail(line, `turn must be ${index} (turns in order from 0), got ${JSON.stringify(v.turn)}`);
  if (!Number.isSafeInteger(v.start) || (v.start as number) < 0 || !Number.isSafeInteger(v.count) || (v.count as number) < 0) fail(line, 'turn start and count must be non-negative integers');
  if (v.response !== undefined && typeof v.response !== 'string') fail(line, 'turn response must be a string');
  if (v.parseError !== undefined && typeof v.parseError !== 'string') fail(line, 'turn parseError must be a string');
  if (v.reward !== undefined && typeof v.reward !== 'number') fail(line, 'turn reward must be a number');
  if (v.info !== undefined && !isObject(v.info)) fail(line, 'turn info must be an object');
  const rc = v.rewardComponents === undefined ? undefined : decodeReplayValue(v.rewardComponents, 'rewardComponents');
  if (rc !== undefined && (!isObject(rc) || Object.values(rc).some((x) => typeof x !== 'number'))) fail(line, 'turn rewardComponents must map names to numbers');
  return {
    ...(v as unknown as ReplayTurn),
    ...(v.parsedAction !== undefined ? { parsedAction: decodeReplayValue(v.parsedAction, 'parsedAction') } : {}),
    ...(rc !== undefined ? { rewardComponents: rc as Record<string, number> } : {}),
    ...(v.info !== undefined ? { info: decodeReplayValue(v.info, 'info') as Record<string, unknown> } : {}),
  };
}

function parseEnd(v: Record<string, unknown>, line: number, fail: Fail): ReplayEnd {
  if (!Number.isSafeInteger(v.steps) || (v.steps as number) < 0) fail(line, 'end steps must be a non-negative integer');
  if (typeof v.totalReward !== 'number') fail(line, 'end totalReward must be a number');
  if (typeof v.terminated !== 'boolean' || typeof v.truncated !== 'boolean') fail(line, 'end terminated and truncated must be booleans');
  if (v.turns !== undefined && (!Number.isSafeInteger(v.turns) || (v.turns as number) < 0)) fail(line, 'end turns must be a non-negative integer');
  return {
    ...(v as unknown as ReplayEnd),
    ...(v.rewardComponentTotals !== undefined ? { rewardComponentTotals: decodeReplayValue(v.rewardComponentTotals, 'rewardComponentTotals') as Record<string, number> } : {}),
    ...(v.summary !== undefined ? { summary: decodeReplayValue(v.summary, 'summary') as Record<string, unknown> } : {}),
  };
}

function checkFrame(v: unknown, line: number, fail: Fail): asserts v is StoredReplayFrame {
  const f = v as Partial<StoredReplayFrame>;
  if (!isObject(v) || !Number.isSafeInteger(f.width) || !Number.isSafeInteger(f.height) || f.width! <= 0 || f.height! <= 0
    || f.encoding !== 'rgba-deflate-base64' || typeof f.data !== 'string') {
    fail(line, 'frame must be {width, height, encoding:"rgba-deflate-base64", data}');
  }
  if (f.width! * f.height! > MAX_STORED_FRAME_PIXELS) {
    fail(line, `frame width x height (${f.width}x${f.height}) is ${f.width! * f.height!} pixels; the limit is ${MAX_STORED_FRAME_PIXELS} pixels (MAX_STORED_FRAME_PIXELS)`);
  }
}
