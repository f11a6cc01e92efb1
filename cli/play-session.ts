// A person playing one env: levels by seed, moves, undo, restart, next level, and (for
// real-time envs such as Football) ticks. Shared by `lmm-gym play` (terminal) and
// `lmm-gym watch` (browser). Input is key names (tasks/keys.ts) or typed lines; both go
// through the one table of words and keys that the answer parser uses.
import { Discrete, assertRendersFrames, type Env, type StepResult } from '../envs/index.js';
import { ActionVocabulary, normalizeActionWord } from '../tasks/parse.js';
import { getPromptSpec } from '../tasks/prompts.js';
import { CONTROL_KEYS, getPlayKeys, keyHelpLines, keyMeaning, type ControlCommand, type PlayKeys } from '../tasks/keys.js';
import '../tasks/specs.js';

/** What one key press or typed line asks for. */
export type PlayInput =
  | { kind: 'action'; action: unknown; label: string }
  | { kind: 'control'; command: ControlCommand }
  | { kind: 'error'; message: string }
  | { kind: 'none' };

/** The last thing that happened, for the status line. */
export interface PlayEvent {
  kind: 'start' | 'step' | 'undo' | 'restart' | 'next' | 'quit' | 'help' | 'error' | 'ignored';
  message: string;
}

export interface PlaySessionOptions {
  /** Env id (for its prompt synonyms and play keys; default env.spec.id). */
  envId?: string;
  /** Seed of level 0; level k is seed + k. */
  seed?: number;
  /** Env-specific reset options of every level. */
  resetOptions?: Record<string, unknown>;
}

/**
 * One person's game. Level k is `reset({ seed: seed + k })`, so restart replays this very
 * level and next moves on. Undo needs no env support: it restarts the level and replays
 * the moves but the last (every env is deterministic given its seed and actions).
 */
export class PlaySession {
  readonly envId: string;
  readonly seed: number;
  readonly keys: PlayKeys | undefined;
  /** Ticks per second of a real-time env (null: turn based). */
  readonly realtimeFps: number | null;
  private readonly vocab: ActionVocabulary | null;
  private readonly idleAction: number | null;
  private readonly resetOptions: Record<string, unknown> | undefined;
  level = 0;
  /** Actions taken in this level, in order. */
  readonly moves: unknown[] = [];
  total = 0;
  done = false;
  last: StepResult<unknown> | null = null;
  event: PlayEvent = { kind: 'start', message: '' };
  /** Real-time: the action of the next tick (the last key pressed), then back to idle. */
  private pending: { action: unknown; label: string } | null = null;
  /** Real-time: the clock runs from the first action key of a level (kick-off waits for you). */
  started = false;

  constructor(readonly env: Env, options: PlaySessionOptions = {}) {
    assertRendersFrames(env, 'PlaySession');
    this.envId = options.envId ?? env.spec?.id ?? 'env';
    this.seed = options.seed ?? 0;
    this.resetOptions = options.resetOptions;
    this.keys = getPlayKeys(this.envId);
    const names = env.actionNames;
    this.vocab = names ? new ActionVocabulary(names, getPromptSpec(this.envId, names).synonyms ?? {}) : null;
    const idle = this.keys?.realtime ? this.vocab?.resolve(this.keys.realtime.idle) ?? null : null;
    this.idleAction = idle;
    this.realtimeFps = idle !== null ? this.keys!.realtime!.fps : null;
    this.resetLevel();
    this.event = { kind: 'start', message: `level ${this.level + 1} (seed ${this.levelSeed})` };
  }

  get levelSeed(): number {
    return this.seed + this.level;
  }

  get steps(): number {
    return this.moves.length;
  }

  /** The key lines of the start screen. */
  keyHelp(): string[] {
    const lines = keyHelpLines(this.keys, { undo: this.realtimeFps === null });
    if (this.realtimeFps !== null) lines.push(`the game runs on its own at ${this.realtimeFps} ticks per second from your first key; the last key pressed is the next tick's action`);
    if (!this.vocab) lines.push('this env takes JSON actions: type one and Enter (e.g. [0, 1])');
    return lines;
  }

  /** The actions as "index=name" (for `?`). */
  actionList(): string {
    const names = this.env.actionNames;
    return `actions: ${names ? names.map((n, i) => `${i}=${n}`).join(', ') : this.env.actionSpace.toString()}`;
  }

  private resetLevel(): void {
    const opts = this.resetOptions ? { seed: this.levelSeed, options: this.resetOptions } : { seed: this.levelSeed };
    this.env.reset(opts);
    this.moves.length = 0;
    this.total = 0;
    this.done = false;
    this.last = null;
    this.pending = null;
    this.started = false;
  }

  private actionInput(index: number): PlayInput {
    const names = this.env.actionNames;
    return { kind: 'action', action: index, label: names?.[index] ?? String(index) };
  }

  /** What a key (a KeyboardEvent.key name, or one from decodeTerminalKeys) means here. */
  resolveKey(key: string): PlayInput {
    const m = keyMeaning(key, this.keys);
    if (m.kind === 'control') return { kind: 'control', command: m.command };
    if (m.kind === 'direction' || m.kind === 'action') {
      const word = m.kind === 'direction' ? m.direction : m.name;
      const i = this.vocab?.resolve(word) ?? null;
      return i === null ? { kind: 'error', message: `${word}: this env has no such action` } : this.actionInput(i);
    }
    // A digit picks the action by index (envs without keys of their own for it).
    if (/^\d$/.test(key) && this.env.actionSpace instanceof Discrete && Number(key) < this.env.actionSpace.n) return this.actionInput(Number(key));
    return { kind: 'none' };
  }

  /**
   * What a typed line means (line input, without a terminal): a control word (u undo,
   * r restart, n next, q quit, ? help, or the words), an action name or any word of the
   * shared table, an action's number, a unique prefix, one of the env's play keys, or
   * JSON for envs without action names. An empty line is a real-time env's idle tick, or
   * the next level once the episode is over.
   */
  resolveLine(line: string): PlayInput {
    const text = line.trim().toLowerCase();
    const words: Record<string, ControlCommand> = { quit: 'quit', exit: 'quit', undo: 'undo', restart: 'restart', reset: 'restart', next: 'next', help: 'help' };
    const control = (CONTROL_KEYS as Record<string, ControlCommand>)[text] ?? words[text];
    if (control) return { kind: 'control', command: control };
    if (text === '') {
      if (this.done) return { kind: 'control', command: 'next' };
      if (this.idleAction !== null) return this.actionInput(this.idleAction);
      return { kind: 'none' };
    }
    if (!(this.env.actionSpace instanceof Discrete)) {
      try {
        return { kind: 'action', action: JSON.parse(line), label: line.trim() };
      } catch {
        return { kind: 'error', message: 'this env takes JSON actions (e.g. [0, 1])' };
      }
    }
    if (/^\d+$/.test(text)) {
      const n = Number(text);
      return n < this.env.actionSpace.n ? this.actionInput(n) : { kind: 'error', message: `no action ${n}: actions are 0..${this.env.actionSpace.n - 1}` };
    }
    const names = this.env.actionNames;
    if (names && this.vocab) {
      const hit = this.vocab.resolve(line);
      if (hit !== null) return this.actionInput(hit);
      const own = this.keys?.keys[text];
      if (own !== undefined) {
        const i = this.vocab.resolve(own);
        if (i !== null) return this.actionInput(i);
      }
      const norm = normalizeActionWord(line);
      const prefixed = names.map((n, i) => [normalizeActionWord(n), i] as const).filter(([n]) => n.startsWith(norm));
      if (norm && prefixed.length === 1) return this.actionInput(prefixed[0]![1]);
      if (norm && prefixed.length > 1) return { kind: 'error', message: `ambiguous: ${prefixed.map(([, i]) => names[i]).join(', ')}` };
    }
    return { kind: 'error', message: `unknown action ${JSON.stringify(line.trim())}; ${this.actionList()}` };
  }

  /**
   * Do what the input asks; returns the event (also kept in `event`). In a real-time env an
   * action is not taken at once: it becomes the next tick's action (see tick()).
   */
  apply(input: PlayInput): PlayEvent {
    this.event = this.applyInner(input);
    return this.event;
  }

  private applyInner(input: PlayInput): PlayEvent {
    switch (input.kind) {
      case 'none': return { kind: 'ignored', message: '' };
      case 'error': return { kind: 'error', message: input.message };
      case 'control': return this.control(input.command);
      case 'action':
        if (this.realtimeFps !== null) {
          this.pending = { action: input.action, label: input.label };
          this.started = true;
          return { kind: 'step', message: `next: ${input.label}` };
        }
        return this.step(input.action, input.label);
    }
  }

  /**
   * One tick of a real-time env: the pending action (or idle). No-op before the level's
   * first action key (the game waits for the player) and once the episode is over.
   */
  tick(): PlayEvent {
    if (this.realtimeFps === null || this.done || !this.started) return this.event;
    const p = this.pending ?? this.actionInput(this.idleAction!) as { action: unknown; label: string };
    this.pending = null;
    this.event = this.step(p.action, p.label);
    return this.event;
  }

  private step(action: unknown, label: string): PlayEvent {
    if (this.done) return { kind: 'error', message: this.endHint() };
    const r = this.env.step(action);
    this.moves.push(action);
    this.total += r.reward;
    this.last = r;
    if (r.terminated || r.truncated) {
      this.done = true;
      const success = r.info.success === true ? ', solved' : r.info.success === false ? ', not solved' : '';
      return { kind: 'step', message: `${label}: episode ${r.terminated ? 'over' : 'cut by the time limit'} after ${this.steps} steps${success}, return ${fmt(this.total)}. ${this.endHint()}` };
    }
    return { kind: 'step', message: `${label}: reward ${fmt(r.reward)}` };
  }

  private endHint(): string {
    return `${this.realtimeFps === null ? 'u undo, ' : ''}r restart, n next level, q quit`;
  }

  private control(command: ControlCommand): PlayEvent {
    switch (command) {
      case 'quit': return { kind: 'quit', message: 'bye' };
      case 'help': return { kind: 'help', message: [...this.keyHelp(), this.actionList()].join('\n') };
      case 'restart':
        this.resetLevel();
        return { kind: 'restart', message: `level ${this.level + 1} restarted (seed ${this.levelSeed})` };
      case 'next':
        this.level++;
        this.resetLevel();
        return { kind: 'next', message: `level ${this.level + 1} (seed ${this.levelSeed})` };
      case 'undo': return this.undo();
    }
  }

  /** Restart the level and replay every move but the last. */
  private undo(): PlayEvent {
    if (this.realtimeFps !== null) return { kind: 'error', message: 'no undo in a real-time game (r restarts)' };
    if (this.moves.length === 0) return { kind: 'error', message: 'nothing to undo' };
    const keep = this.moves.slice(0, -1);
    this.resetLevel();
    for (const a of keep) {
      const r = this.env.step(a);
      this.moves.push(a);
      this.total += r.reward;
      this.last = r;
    }
    return { kind: 'undo', message: `undone: back to step ${this.steps}` };
  }

  /** "level 1 · seed 0 · step 3 · return -0.30" */
  statusLine(): string {
    const parts = [`level ${this.level + 1}`, `seed ${this.levelSeed}`, `step ${this.steps}`, `return ${fmt(this.total)}`];
    if (this.done) parts.push(this.last?.terminated ? 'episode over' : 'time limit');
    return parts.join(' · ');
  }

  /** The whole text screen: the state, the status line, the last message, the keys. */
  screen(title = this.envId): string {
    return [title, '', this.env.describe(), '', this.statusLine(), this.event.message, '', ...this.keyHelp()].join('\n');
  }
}

function fmt(x: number): string {
  return (Math.round(x * 100) / 100).toFixed(2).replace(/^-0\.00$/, '0.00');
}
