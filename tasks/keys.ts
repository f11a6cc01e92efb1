// Keys for people playing (`lmm-gym play` in a terminal, `lmm-gym watch` in a browser):
// terminal input decoded into key names, and what each key means. Directions and the
// control letters come from the one table of words (envs/core/words.ts) that the answer
// parser uses too, so a letter means the same when typed, pressed or answered.
import { CONTROL_KEYS, DIRECTION_SYNONYMS, type ControlCommand, type Direction } from '../envs/core/words.js';

export { CONTROL_KEYS, DIRECTION_SYNONYMS, DIRECTION_WORDS, DIRECTIONS, type ControlCommand, type Direction } from '../envs/core/words.js';

/** Keyboard key names (as a browser's KeyboardEvent.key) of the arrow keys. */
export const KEY_DIRECTIONS: Readonly<Record<string, Direction>> = Object.freeze({
  ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right',
});

/**
 * Extra keys of one env (key -> action name), for actions beyond the four directions,
 * e.g. Football's passes and shots; and whether the env runs in real time when played
 * (a tick every 1/fps seconds, the last key pressed is the tick's action, else `idle`).
 */
export interface PlayKeys {
  /** Key (a KeyboardEvent.key name, e.g. ' ' or 'j' or '7') -> action name. */
  keys: Readonly<Record<string, string>>;
  /** Real-time play: the action of a tick without a key press, and the default ticks per second. */
  realtime?: { idle: string; fps: number };
  /** Lines describing the keys, shown on the start screen (default: built from `keys`). */
  help?: readonly string[];
}

const playKeys = new Map<string, PlayKeys>();

/** Register the play keys of an env id (built-in envs: tasks/specs.ts). */
export function registerPlayKeys(envId: string, keys: PlayKeys): void {
  for (const k of Object.keys(keys.keys)) {
    const lower = k.length === 1 ? k.toLowerCase() : k;
    if (lower in CONTROL_KEYS) throw new RangeError(`play key ${JSON.stringify(k)} of ${envId} is a control key (${Object.keys(CONTROL_KEYS).join(' ')})`);
    if (lower in DIRECTION_SYNONYMS || lower in KEY_DIRECTIONS) throw new RangeError(`play key ${JSON.stringify(k)} of ${envId} is a direction key of the shared table`);
  }
  playKeys.set(envId, keys);
}

/** The play keys of an env id (matching the id, then the id without its version), if any. */
export function getPlayKeys(envId: string): PlayKeys | undefined {
  return playKeys.get(envId) ?? playKeys.get(envId.replace(/-v\d+$/, ''));
}

/**
 * Split raw terminal input (a chunk read from stdin in raw mode) into key names, the same
 * names a browser gives (KeyboardEvent.key): 'ArrowUp' ... for the arrow escape sequences
 * (CSI `ESC [ A` and SS3 `ESC O A`, with or without modifiers), 'Enter', 'Backspace',
 * 'Escape', 'Tab', 'Home', 'End', 'Delete', 'Ctrl+C' / 'Ctrl+D' / 'Ctrl+Z', and single
 * characters otherwise. Unknown escape sequences become 'Unknown'. A chunk may hold several
 * keys (typing fast, pasting). Pure.
 */
export function decodeTerminalKeys(chunk: string): string[] {
  const out: string[] = [];
  const arrows: Record<string, string> = { A: 'ArrowUp', B: 'ArrowDown', C: 'ArrowRight', D: 'ArrowLeft', H: 'Home', F: 'End' };
  const tilde: Record<string, string> = { '1': 'Home', '7': 'Home', '4': 'End', '8': 'End', '3': 'Delete' };
  let i = 0;
  while (i < chunk.length) {
    const c = chunk[i]!;
    if (c === '\x1b') {
      const next = chunk[i + 1];
      if (next === '[' || next === 'O') {
        // CSI: ESC [ params final (final byte 0x40-0x7e); SS3: ESC O final.
        let j = i + 2;
        if (next === '[') while (j < chunk.length && /[0-9;]/.test(chunk[j]!)) j++;
        const final = chunk[j];
        if (final === undefined) { out.push('Escape'); i = chunk.length; break; }
        const params = chunk.slice(i + 2, j);
        if (final === '~') out.push(tilde[params.split(';')[0]!] ?? 'Unknown');
        else out.push(arrows[final] ?? 'Unknown');
        i = j + 1;
        continue;
      }
      out.push('Escape');
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      out.push('Enter');
      i += c === '\r' && chunk[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    if (c === '\x7f' || c === '\b') out.push('Backspace');
    else if (c === '\t') out.push('Tab');
    else if (c === '\x03') out.push('Ctrl+C');
    else if (c === '\x04') out.push('Ctrl+D');
    else if (c === '\x1a') out.push('Ctrl+Z');
    else if (c < ' ') out.push('Unknown');
    else {
      // One code point (an emoji or CJK character is one key).
      const cp = chunk.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      out.push(s);
      i += s.length;
      continue;
    }
    i++;
  }
  return out;
}

/** What a key does in play: an action word to resolve, a control command, or nothing. */
export type KeyMeaning =
  | { kind: 'direction'; direction: Direction }
  | { kind: 'action'; name: string }
  | { kind: 'control'; command: ControlCommand }
  | { kind: 'none' };

/**
 * The meaning of one key (a name from decodeTerminalKeys or a browser's KeyboardEvent.key)
 * for an env with the given play keys: arrows and the table's letters are directions, the
 * control letters are commands (Ctrl+C / Ctrl+D / Escape quit), the env's own keys are
 * actions. Letters are case-insensitive. Pure.
 */
export function keyMeaning(key: string, keys?: PlayKeys): KeyMeaning {
  if (key === 'Ctrl+C' || key === 'Ctrl+D' || key === 'Escape') return { kind: 'control', command: 'quit' };
  const arrow = KEY_DIRECTIONS[key];
  if (arrow) return { kind: 'direction', direction: arrow };
  const own = keys?.keys[key] ?? (key.length === 1 ? keys?.keys[key.toLowerCase()] : undefined);
  if (own !== undefined) return { kind: 'action', name: own };
  if ([...key].length !== 1) return { kind: 'none' };
  const lower = key.toLowerCase();
  const control = (CONTROL_KEYS as Record<string, ControlCommand>)[lower];
  if (control) return { kind: 'control', command: control };
  const dir = DIRECTION_SYNONYMS[lower];
  if (dir) return { kind: 'direction', direction: dir };
  return { kind: 'none' };
}

/** The key lines of a start screen: directions, the env's own keys, the controls. */
export function keyHelpLines(keys: PlayKeys | undefined, options: { undo?: boolean } = {}): string[] {
  const lines = ['move: arrow keys or w a s d (up left down right)'];
  if (keys?.help) lines.push(...keys.help);
  else if (keys) {
    const byAction = new Map<string, string[]>();
    for (const [k, a] of Object.entries(keys.keys)) {
      let list = byAction.get(a);
      if (!list) byAction.set(a, (list = []));
      list.push(k === ' ' ? 'space' : k);
    }
    lines.push([...byAction].map(([a, ks]) => `${ks.join('/')} ${a}`).join('  '));
  }
  const controls = [options.undo === false ? null : 'u undo', 'r restart this level', 'n next level', 'q quit', '? help'].filter(Boolean);
  lines.push(controls.join('  '));
  return lines;
}
