// The one table of words and letters for the four directions, and the letters reserved
// for play's controls. Used by every parser of actions: the answer parser (tasks/parse.ts),
// Sokoban's plan parser (envs/sokoban/plan.ts), and people playing (tasks/keys.ts:
// `lmm-gym play`, `lmm-gym watch`). A letter means the same everywhere, or nothing.
// Documented in docs/agents.md ("Words and keys").
//
// Single letters follow the WASD keyboard layout (w up, a left, s down, d right). The
// letters u, r, n, q are play's controls (undo, restart, next level, quit) and mean no
// action anywhere; Sokoban's LURD letters (u/l/d/r) and compass initials (n/e) are not
// accepted, since d and w would then mean two things.

/** The four direction words every table entry leads to. */
export const DIRECTIONS = ['up', 'down', 'left', 'right'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * Words, letters and glyphs per direction. The first entry is the canonical word; arrow
 * keys of a keyboard (ArrowUp ...) lead to it too (KEY_DIRECTIONS in tasks/keys.ts).
 */
export const DIRECTION_WORDS: Readonly<Record<Direction, readonly string[]>> = Object.freeze({
  up: Object.freeze(['up', 'north', 'w', '↑', '^']),
  down: Object.freeze(['down', 'south', 's', '↓', 'v']),
  left: Object.freeze(['left', 'west', 'a', '←', '<']),
  right: Object.freeze(['right', 'east', 'd', '→', '>']),
});

/** word -> direction, every entry of DIRECTION_WORDS except the direction words themselves. */
export const DIRECTION_SYNONYMS: Readonly<Record<string, Direction>> = Object.freeze(Object.fromEntries(
  DIRECTIONS.flatMap((d) => DIRECTION_WORDS[d].filter((w) => w !== d).map((w) => [w, d] as const)),
));

/** Play's control keys (lower case; a letter here is never an action word). */
export const CONTROL_KEYS = Object.freeze({ u: 'undo', r: 'restart', n: 'next', q: 'quit', '?': 'help' } as const);
export type ControlCommand = (typeof CONTROL_KEYS)[keyof typeof CONTROL_KEYS];

