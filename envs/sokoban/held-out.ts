import { parseBoxoban, type SokobanLevel } from './level.js';

/**
 * Content identity of a position: size and cell codes. Two seeds that generate the same
 * room give the same key (small rooms repeat across seeds), so test sets are deduplicated
 * and held out by this key, never by seed.
 */
export function sokobanLevelKey(level: SokobanLevel): string {
  return `${level.width}x${level.height}:${Buffer.from(level.cells.buffer, level.cells.byteOffset, level.cells.length).toString('base64')}`;
}

/**
 * A set of positions (by content) that training must never see: a fixed test set. The
 * Sokoban-v0 option `heldOut` (a Boxoban file) makes the generator draw again whenever a
 * start state is in the set, and oracle traces drop every episode that passes through one.
 */
export class SokobanLevelSet {
  private readonly keys = new Set<string>();

  constructor(levels: Iterable<SokobanLevel> = []) {
    for (const l of levels) this.keys.add(sokobanLevelKey(l));
  }

  /** The levels of a Boxoban text (e.g. a test-set file). */
  static fromBoxoban(text: string, source = 'held-out levels'): SokobanLevelSet {
    return new SokobanLevelSet(parseBoxoban(text, source));
  }

  get size(): number {
    return this.keys.size;
  }

  has(level: SokobanLevel): boolean {
    return this.keys.has(sokobanLevelKey(level));
  }

  add(level: SokobanLevel): void {
    this.keys.add(sokobanLevelKey(level));
  }
}
