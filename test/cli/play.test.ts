import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { make } from '../../envs/index.js';
import { CONTROL_KEYS, DIRECTION_SYNONYMS, DIRECTION_WORDS, decodeTerminalKeys, getPlayKeys, keyMeaning, registerPlayKeys } from '../../tasks/keys.js';
import { ActionVocabulary, parseResponse } from '../../tasks/parse.js';
import { PlaySession } from '../../cli/play-session.js';
import { playWithKeys, playWithLines } from '../../cli/commands/play.js';
import '../../tasks/specs.js';

const CLI = join(__dirname, '../../dist/cli/main.js');
const run = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000 });

describe('terminal key decoding (pure)', () => {
  it('turns escape sequences into arrow keys (CSI, SS3, with modifiers)', () => {
    expect(decodeTerminalKeys('\x1b[A\x1b[B\x1b[C\x1b[D')).toEqual(['ArrowUp', 'ArrowDown', 'ArrowRight', 'ArrowLeft']);
    expect(decodeTerminalKeys('\x1bOA\x1bOD')).toEqual(['ArrowUp', 'ArrowLeft']);
    expect(decodeTerminalKeys('\x1b[1;5C')).toEqual(['ArrowRight']); // Ctrl+Right
    expect(decodeTerminalKeys('\x1b[3~\x1b[1~\x1b[4~')).toEqual(['Delete', 'Home', 'End']);
    expect(decodeTerminalKeys('\x1b[Z')).toEqual(['Unknown']);
  });

  it('splits a chunk of several keys; names Enter, Escape, Backspace, Ctrl+C; keeps characters', () => {
    expect(decodeTerminalKeys('wa\x1b[Bs')).toEqual(['w', 'a', 'ArrowDown', 's']);
    expect(decodeTerminalKeys('\r\n\r\x7f\x03\x04 ')).toEqual(['Enter', 'Enter', 'Backspace', 'Ctrl+C', 'Ctrl+D', ' ']);
    expect(decodeTerminalKeys('\x1b')).toEqual(['Escape']);
    expect(decodeTerminalKeys('\x1bx')).toEqual(['Escape', 'x']);
    expect(decodeTerminalKeys('\x1b[')).toEqual(['Escape']);
    expect(decodeTerminalKeys('↑🚀')).toEqual(['↑', '🚀']);
  });

  it('gives each key one meaning: arrows and w a s d move, u r n q ? are controls', () => {
    expect(keyMeaning('ArrowUp')).toEqual({ kind: 'direction', direction: 'up' });
    expect(['w', 'a', 's', 'd', 'W'].map((k) => keyMeaning(k))).toEqual([
      { kind: 'direction', direction: 'up' }, { kind: 'direction', direction: 'left' },
      { kind: 'direction', direction: 'down' }, { kind: 'direction', direction: 'right' }, { kind: 'direction', direction: 'up' },
    ]);
    expect(['u', 'r', 'n', 'q', '?', 'Escape', 'Ctrl+C'].map((k) => keyMeaning(k))).toEqual([
      { kind: 'control', command: 'undo' }, { kind: 'control', command: 'restart' }, { kind: 'control', command: 'next' },
      { kind: 'control', command: 'quit' }, { kind: 'control', command: 'help' }, { kind: 'control', command: 'quit' }, { kind: 'control', command: 'quit' },
    ]);
    expect(keyMeaning('Enter')).toEqual({ kind: 'none' });
    expect(keyMeaning('z')).toEqual({ kind: 'none' });
    const football = getPlayKeys('Football-v0')!;
    expect(keyMeaning(' ', football)).toEqual({ kind: 'action', name: 'shot' });
    expect(keyMeaning('7', football)).toEqual({ kind: 'action', name: 'top_left' });
    expect(keyMeaning('w', football)).toEqual({ kind: 'direction', direction: 'up' });
  });

  it('refuses env keys that would shadow the shared table', () => {
    expect(() => registerPlayKeys('X-v0', { keys: { w: 'jump' } })).toThrow(/direction key/);
    expect(() => registerPlayKeys('X-v0', { keys: { u: 'jump' } })).toThrow(/control key/);
  });
});

describe('one table of words for play and the answer parser', () => {
  const NAMES = ['left', 'down', 'right', 'up'];

  it('every word of the table means the same direction in an answer and as a key', () => {
    for (const [dir, words] of Object.entries(DIRECTION_WORDS)) {
      for (const w of words) {
        expect(parseResponse(`<answer>${w}</answer>`, NAMES).actions, w).toEqual([NAMES.indexOf(dir)]);
        if ([...w].length === 1) expect(keyMeaning(w), w).toEqual({ kind: 'direction', direction: dir });
      }
    }
  });

  it('w is up and d is right in answers too (it was left / down before)', () => {
    expect(parseResponse('<answer>w, a, s, d</answer>', NAMES).actions).toEqual([3, 0, 1, 2]);
  });

  it('control letters are no action word', () => {
    for (const letter of Object.keys(CONTROL_KEYS)) {
      expect(DIRECTION_SYNONYMS[letter], letter).toBeUndefined();
      if (/\p{L}/u.test(letter)) expect(parseResponse(`<answer>${letter}</answer>`, NAMES).reason, letter).toBe('unknown-action');
    }
    // The LURD / compass initials of the old table are gone (d and w would mean two things).
    for (const letter of ['l', 'e']) expect(parseResponse(`<answer>${letter}</answer>`, NAMES).reason).toBe('unknown-action');
  });

  it('reaches env synonyms: w is Football top through the spec (up = top)', () => {
    const v = new ActionVocabulary(make('Football-v0').actionNames!, { up: 'top', down: 'bottom' });
    expect(v.resolve('w')).toBe(3);
    expect(v.resolve('s')).toBe(7);
  });
});

describe('PlaySession', () => {
  const lake = () => make('FrozenLake-v0', { slippery: false });

  it('moves with keys and words; r restarts the same level, n the next one', () => {
    const s = new PlaySession(lake(), { envId: 'FrozenLake-v0', seed: 3 });
    const start = s.env.describe();
    s.apply(s.resolveKey('ArrowDown'));
    s.apply(s.resolveKey('s'));
    expect(s.steps).toBe(2);
    expect(s.env.describe()).not.toBe(start);
    s.apply(s.resolveKey('r'));
    expect(s.steps).toBe(0);
    expect(s.levelSeed).toBe(3);
    expect(s.env.describe()).toBe(start);
    s.apply(s.resolveKey('n'));
    expect(s.level).toBe(1);
    expect(s.levelSeed).toBe(4);
  });

  it('undo restarts and replays all moves but the last (Sokoban: same board as before the move)', () => {
    const env = make('Sokoban-v0');
    const s = new PlaySession(env, { envId: 'Sokoban-v0', seed: 5 });
    const seen: string[] = [env.describe()];
    const returns: number[] = [0];
    for (const k of ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp', 'ArrowRight']) {
      s.apply(s.resolveKey(k));
      seen.push(env.describe());
      returns.push(s.total);
    }
    s.apply(s.resolveKey('u'));
    expect(s.event.kind).toBe('undo');
    expect(s.steps).toBe(4);
    expect(env.describe()).toBe(seen[4]);
    s.apply(s.resolveKey('u'));
    expect(env.describe()).toBe(seen[3]);
    expect(s.total).toBeCloseTo(returns[3]!, 9);
    for (let i = 0; i < 3; i++) s.apply(s.resolveKey('u'));
    expect(env.describe()).toBe(seen[0]);
    expect(s.apply(s.resolveKey('u'))).toMatchObject({ kind: 'error', message: 'nothing to undo' });
  });

  it('undo after the end brings the episode back (FrozenLake: out of the hole)', () => {
    const s = new PlaySession(lake(), { envId: 'FrozenLake-v0', seed: 0 });
    // 4x4 map: S F F F / F H F H ... ; right then down falls into the hole at (1, 1).
    s.apply(s.resolveKey('d'));
    s.apply(s.resolveKey('s'));
    expect(s.done).toBe(true);
    expect(s.apply(s.resolveKey('a'))).toMatchObject({ kind: 'error' });
    s.apply(s.resolveKey('u'));
    expect(s.done).toBe(false);
    expect(s.steps).toBe(1);
  });

  it('resolves typed lines: names, numbers, table words, prefixes, commands; explains the rest', () => {
    const s = new PlaySession(lake(), { envId: 'FrozenLake-v0' });
    expect(s.resolveLine('down')).toMatchObject({ kind: 'action', action: 1 });
    expect(s.resolveLine('2')).toMatchObject({ kind: 'action', action: 2 });
    expect(s.resolveLine('north')).toMatchObject({ kind: 'action', action: 3 });
    expect(s.resolveLine('w')).toMatchObject({ kind: 'action', action: 3 });
    expect(s.resolveLine('ri')).toMatchObject({ kind: 'action', action: 2 });
    expect(s.resolveLine('undo')).toEqual({ kind: 'control', command: 'undo' });
    expect(s.resolveLine('r')).toEqual({ kind: 'control', command: 'restart' });
    expect(s.resolveLine('9')).toMatchObject({ kind: 'error', message: 'no action 9: actions are 0..3' });
    expect(s.resolveLine('jump')).toMatchObject({ kind: 'error', message: 'unknown action "jump"; actions: 0=left, 1=down, 2=right, 3=up' });
  });

  it('Football is real time: a key queues the next tick, a tick without one is idle', () => {
    const env = make('Football-v0');
    const s = new PlaySession(env, { envId: 'Football-v0', seed: 1 });
    expect(s.realtimeFps).toBe(5);
    s.tick();
    expect(s.steps).toBe(0); // the clock waits for the first key
    expect(s.resolveKey(' ')).toMatchObject({ kind: 'action', action: 12, label: 'shot' });
    expect(s.resolveKey('9')).toMatchObject({ kind: 'action', action: 4, label: 'top_right' });
    expect(s.resolveKey('ArrowUp')).toMatchObject({ kind: 'action', label: 'top' });
    s.apply(s.resolveKey('ArrowRight'));
    expect(s.steps).toBe(0); // queued, not taken
    s.tick();
    s.tick();
    expect(s.moves).toEqual([5, 0]);
    expect(s.apply(s.resolveKey('u'))).toMatchObject({ kind: 'error', message: 'no undo in a real-time game (r restarts)' });
    s.apply(s.resolveKey('r'));
    s.tick();
    expect(s.steps).toBe(0); // a restarted level waits again
    expect(s.keyHelp().join('\n')).toMatch(/space shoot/);
    expect(s.keyHelp().join('\n')).not.toMatch(/u undo/);
  });

  it('the start screen lists the keys', () => {
    const s = new PlaySession(make('Sokoban-v0'), { envId: 'Sokoban-v0' });
    const screen = s.screen();
    expect(screen).toContain('arrow keys or w a s d');
    expect(screen).toContain('u undo  r restart this level  n next level  q quit');
  });
});

describe('raw-key loop (fake terminal)', () => {
  it('puts the input in raw mode, acts on each key, redraws, and restores the terminal on q', async () => {
    const input = new EventEmitter() as EventEmitter & { setRawMode(b: boolean): void; raw: boolean[] };
    input.raw = [];
    input.setRawMode = (b: boolean) => { input.raw.push(b); };
    const written: string[] = [];
    const session = new PlaySession(make('FrozenLake-v0', { slippery: false }), { envId: 'FrozenLake-v0' });
    const done = playWithKeys(session, input, { write: (s: string) => written.push(s) });
    input.emit('data', Buffer.from('\x1b[C\x1b[C'));
    input.emit('data', Buffer.from('u'));
    expect(session.moves).toEqual([2]);
    input.emit('data', Buffer.from('q'));
    await done;
    expect(input.raw).toEqual([true, false]);
    expect(written.join('')).toContain('\x1b[?1049l'); // back from the alternate screen
    expect(written.filter((s) => s.includes('\x1b[2J')).length).toBe(3); // start + two data chunks
    expect(input.listenerCount('data')).toBe(0);
  });
});

describe('line play', () => {
  it('plays from lines without a terminal (the function)', async () => {
    const out: string[] = [];
    async function* lines() { yield* ['right', 'right', 'u', 'q']; }
    const s = new PlaySession(make('FrozenLake-v0', { slippery: false }), { envId: 'FrozenLake-v0' });
    await playWithLines(s, lines(), (x) => out.push(x));
    expect(s.moves).toEqual([2]);
    expect(out.join('\n')).toContain('undone: back to step 1');
  });

  it('plays FrozenLake from piped lines (the CLI): arrows words, w a s d and numbers', () => {
    const r = run(['play', 'FrozenLake-v0', '--seed', '0', '--option', 'slippery=false'], 's\n1\nd\nd\ns\nright\nq\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('arrow keys or w a s d');
    expect(r.stdout).toMatch(/right: episode over after 6 steps, solved, return 1\.00/);
  });

  it('restarts the same level with r and shows the same board', () => {
    const r = run(['play', 'Sokoban-v0', '--seed', '4'], 'r\nq\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('level 1 restarted (seed 4)');
    const env = make('Sokoban-v0');
    env.reset({ seed: 4 });
    expect(r.stdout.split(env.describe()).length - 1).toBe(2); // the start screen and after r
  });

  it('Football from lines: an empty line is an idle tick, keys of the table act', () => {
    const r = run(['play', 'Football-v0', '--seed', '0'], '\n\nd\n \nq\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('idle: reward 0.00');
    expect(r.stdout).toContain('right: reward');
  });
});
