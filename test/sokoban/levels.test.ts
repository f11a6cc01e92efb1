import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InvalidLevelError, SokobanParseError, assertLevel, formatBoxoban, formatLevel, generateLevels, levelBoxes, levelPlayer, levelTargets,
  loadBoxobanFile, parseBoxoban, parseLevel, sokobanBundledPath, solveSokoban,
} from './api.js';

const parseError = (fn: () => unknown): SokobanParseError => {
  try { fn(); } catch (e) { if (e instanceof SokobanParseError) return e; throw e; }
  throw new Error('expected a SokobanParseError');
};

const FILE = `; 0
#####
#@$.#
#####

; 1 moves=4
######
#    #
# $@ #
#.   #
######
`;

describe('Boxoban levels', () => {
  it('parses every character and formats back to the same text', () => {
    const text = '#######\n#+$*. #\n# $   #\n#######';
    const l = parseLevel(text);
    expect([l.width, l.height]).toEqual([7, 4]);
    expect(levelPlayer(l)).toBe(8);
    expect(levelBoxes(l)).toEqual([9, 10, 16]);
    expect(levelTargets(l)).toEqual([8, 10, 11]);
    expect(formatLevel(l)).toBe(text);
  });

  it('pads short rows with floor and accepts - and _ as floor', () => {
    const l = parseLevel('####\n#@$.#\n#-_#\n####');
    expect(l.width).toBe(5);
    expect(formatLevel(l)).toBe('#### \n#@$.#\n#  # \n#### ');
  });

  it('reads a multi-level file with ids and moves= headers, and writes it back', () => {
    const levels = parseBoxoban(FILE);
    expect(levels.map((l) => l.id)).toEqual(['0', '1']);
    expect(levels.map((l) => l.optimalMoves)).toEqual([null, 4]);
    expect(parseBoxoban(formatBoxoban(levels)).map(formatLevel)).toEqual(levels.map(formatLevel));
  });

  it('names the line of an unexpected character', () => {
    const e = parseError(() => parseBoxoban(FILE.replace('# $@ #', '# $@x#'), 'levels.txt'));
    expect(e.line).toBe(9);
    expect(e.message).toMatch(/levels\.txt, line 9: unexpected character "x" at column 5/);
  });

  it('names the line of a second player, a level without player, and box/target mismatches', () => {
    expect(parseError(() => parseBoxoban(FILE.replace('#    #', '#  @ #'))).line).toBe(9); // the second one
    const noPlayer = parseError(() => parseBoxoban(FILE.replace('# $@ #', '# $  #')));
    expect([noPlayer.line, /no player/.test(noPlayer.message)]).toEqual([7, true]);
    const mismatch = parseError(() => parseBoxoban(FILE.replace('#@$.#', '#@$ #')));
    expect([mismatch.line, /1 boxes but 0 targets/.test(mismatch.message)]).toEqual([2, true]);
  });

  it('rejects rows before any header, headers without rows, bad moves= and empty files', () => {
    expect(parseError(() => parseBoxoban('#####\n' + FILE)).line).toBe(1);
    const noRows = parseError(() => parseBoxoban('; 0\n\n; 1\n#####\n#@$.#\n#####\n'));
    expect([noRows.line, /no rows/.test(noRows.message)]).toEqual([1, true]);
    expect(parseError(() => parseBoxoban(FILE.replace('moves=4', 'moves=four'))).line).toBe(6);
    expect(parseError(() => parseBoxoban('\n\n')).message).toMatch(/no levels/);
  });

  it('loads files and reports unreadable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'boxoban-'));
    writeFileSync(join(dir, 'a.txt'), FILE);
    expect(loadBoxobanFile(join(dir, 'a.txt'))).toHaveLength(2);
    expect(() => loadBoxobanFile(join(dir, 'missing.txt'))).toThrow(/cannot read Boxoban file/);
  });

  it('assertLevel rejects broken level objects', () => {
    const l = parseLevel('#####\n#@$.#\n#####');
    expect(() => assertLevel({ ...l, cells: l.cells.slice(0, 5) })).toThrow(InvalidLevelError);
    const twoPlayers = new Uint8Array(l.cells); twoPlayers[8] = 5;
    expect(() => assertLevel({ ...l, cells: twoPlayers })).toThrow(/exactly one player/);
  });

  it('the bundled level set parses, and its moves= headers are the optimal lengths', () => {
    const levels = loadBoxobanFile(sokobanBundledPath());
    expect(levels.length).toBeGreaterThanOrEqual(300);
    for (const l of levels) expect(l.width * 10 + l.height).toBe(66);
    for (const l of levels.slice(0, 60)) expect(solveSokoban(l).moves).toBe(l.optimalMoves);
  });

  it('the bundled set is what scripts/sokoban-levels.ts regenerates (seeds 0.., minSolutionLength 4)', () => {
    const bundled = loadBoxobanFile(sokobanBundledPath()).slice(0, 25);
    const regenerated = generateLevels({ width: 6, height: 6, boxes: 1, minSolutionLength: 4 }, 25, 0);
    expect(regenerated.map(formatLevel)).toEqual(bundled.map(formatLevel));
    expect(regenerated.map((l) => l.optimalMoves)).toEqual(bundled.map((l) => l.optimalMoves));
  });
});
