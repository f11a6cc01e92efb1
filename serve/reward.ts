import { LmmGymError } from '../envs/core/errors.js';
import type { LanguageEnv } from '../tasks/language-env.js';
import { stripPythonWhitespace } from '../tasks/rewards/format.js';
import { BadRequestError } from './errors.js';
import { buildLanguageEnv, parseSessionSpec, resetOptionsOf, type SessionSpec } from './spec.js';

/**
 * OpenRLHF's remote reward model protocol (`--remote_rm_url`, `--reward.remote_url`):
 * `{query, prompts, labels}` (lists of one length) -> `{rewards, scores, extra_logs}`.
 * `query[i]` is the prompt plus the response with the chat template; `labels[i]` is the
 * dataset's label: a session spec (env, options, seed or level, interaction, task), as an
 * object or a JSON string, as written by `lmm-gym export`.
 */
export interface RemoteRewardRequest {
  query: string[];
  prompts?: string[];
  labels: (string | Record<string, unknown>)[];
}

export interface RemoteRewardResponse {
  /** The rule-based reward: accuracy + 0.5 x format by default (LMM-R1). */
  rewards: number[];
  /** Accuracy only (0/1): what OpenRLHF's dynamic filtering reads. */
  scores: number[];
  /** Per-sample lists: accuracy, format, valid, env_return (plan mode: best_env_return). */
  extra_logs: Record<string, number[]>;
}

/** End-of-turn markers a decoded query may carry after the response (Qwen, Llama 3, others). */
const END_MARKERS = ['<|im_end|>', '<|endoftext|>', '<|eot_id|>', '<|end_of_text|>', '</s>', '<|end|>'];
/** Where the assistant's turn starts in common chat templates (when `prompts` is not given). */
const ASSISTANT_MARKERS = ['<|im_start|>assistant\n', '<|start_header_id|>assistant<|end_header_id|>\n\n', '<|assistant|>\n'];

/**
 * The response inside a query: the text after the prompt when the query starts with it,
 * else after the last assistant marker of a known chat template, else the whole query;
 * then trailing end-of-turn markers and surrounding whitespace (Python's `str.strip()` set,
 * as LMM-R1's server) are removed, so the format `^<think>...</think><answer>...</answer>$`
 * sees the answer as the model wrote it.
 */
export function extractResponse(query: string, prompt?: string): string {
  let text = query;
  if (prompt && query.startsWith(prompt)) text = query.slice(prompt.length);
  else {
    let at = -1, len = 0;
    for (const m of ASSISTANT_MARKERS) {
      const i = query.lastIndexOf(m);
      if (i > at) { at = i; len = m.length; }
    }
    if (at >= 0) text = query.slice(at + len);
  }
  for (let changed = true; changed;) {
    changed = false;
    text = stripPythonWhitespace(text);
    for (const m of END_MARKERS) {
      if (text.endsWith(m)) { text = text.slice(0, -m.length); changed = true; }
    }
  }
  return text;
}

/** Parse one label: an object or a JSON string holding one. */
export function parseLabel(label: unknown, where: string): SessionSpec {
  let value = label;
  if (typeof label === 'string') {
    try {
      value = JSON.parse(label);
    } catch {
      throw new BadRequestError(`${where}: a label must be a JSON object (as written by lmm-gym export), got ${JSON.stringify(label.slice(0, 80))}`);
    }
  }
  return parseSessionSpec(value, where);
}

/**
 * Recomputes rule-based rewards statelessly: for each sample, the label's env is reset
 * with the label's seed/level and stepped once with the response (plan mode replays the
 * whole plan; Countdown/Arithmetic check the answer). The same request always gives the
 * same rewards. LanguageEnvs are cached per (env, options, mode, interaction, task) and
 * re-seeded per sample, so no state carries from one sample to the next.
 */
export class RewardScorer {
  private readonly cache = new Map<string, LanguageEnv>();
  constructor(readonly maxCached = 64, readonly maxBatch = 16_384) {}

  private envFor(spec: SessionSpec): LanguageEnv {
    const key = JSON.stringify([spec.env, spec.options, spec.interaction, spec.task]);
    let env = this.cache.get(key);
    if (env) {
      this.cache.delete(key); // LRU: re-insert as newest
    } else {
      env = buildLanguageEnv({ ...spec, mode: 'text' });
      if (this.cache.size >= this.maxCached) {
        const [oldKey, old] = this.cache.entries().next().value!;
        this.cache.delete(oldKey);
        old.close();
      }
    }
    this.cache.set(key, env);
    return env;
  }

  /** One sample's reward and its parts. */
  scoreOne(spec: SessionSpec, response: string): { reward: number; accuracy: number; format: number; valid: number; envReturn: number } {
    const env = this.envFor(spec);
    env.reset(resetOptionsOf(spec, spec.seed));
    const r = env.step(response);
    // A step-mode label is scored on its first turn only (accuracy 0 unless that turn ends it solved).
    return {
      reward: r.reward,
      accuracy: r.info.rewards.accuracy ?? 0,
      format: r.info.parse.formatOk ? 1 : 0,
      valid: r.info.valid ? 1 : 0,
      envReturn: r.info.bestEnvReturn ?? r.info.envReward,
    };
  }

  /** The whole request; a malformed request or label is a BadRequestError naming the item. */
  score(body: unknown): RemoteRewardResponse {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('expected a JSON object {"query": [...], "prompts": [...], "labels": [...]}');
    const { query, prompts, labels } = body as Record<string, unknown>;
    if (!Array.isArray(query) || !Array.isArray(labels)) throw new BadRequestError('query and labels must be lists of one length');
    if (query.length !== labels.length) throw new BadRequestError(`query has ${query.length} items but labels has ${labels.length}`);
    if (prompts !== undefined && prompts !== null && (!Array.isArray(prompts) || prompts.length !== query.length)) throw new BadRequestError(`prompts must be a list as long as query (${query.length})`);
    if (query.length > this.maxBatch) throw new BadRequestError(`${query.length} samples in one request; the limit is ${this.maxBatch}`);
    const specs = labels.map((l, i) => parseLabel(l, `labels[${i}]`));
    query.forEach((q, i) => {
      if (typeof q !== 'string') throw new BadRequestError(`query[${i}] must be a string`);
      const p = (prompts as unknown[] | undefined)?.[i];
      if (p !== undefined && p !== null && typeof p !== 'string') throw new BadRequestError(`prompts[${i}] must be a string`);
    });
    const out: RemoteRewardResponse = { rewards: [], scores: [], extra_logs: { accuracy: [], format: [], valid: [], env_return: [] } };
    specs.forEach((spec, i) => {
      let r;
      try {
        r = this.scoreOne(spec, extractResponse(query[i] as string, ((prompts as unknown[] | undefined)?.[i] as string | undefined) ?? undefined));
      } catch (e) {
        if (e instanceof LmmGymError) throw new BadRequestError(`labels[${i}]: ${e.message}`);
        throw e;
      }
      out.rewards.push(r.reward);
      out.scores.push(r.accuracy);
      out.extra_logs.accuracy!.push(r.accuracy);
      out.extra_logs.format!.push(r.format);
      out.extra_logs.valid!.push(r.valid);
      out.extra_logs.env_return!.push(r.envReturn);
    });
    return out;
  }

  close(): void {
    for (const env of this.cache.values()) env.close();
    this.cache.clear();
  }
}
