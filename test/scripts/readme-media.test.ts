import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readmeMedia } from '../../scripts/readme-media.js';

const root = join(__dirname, '../..');

describe('README media (scripts/readme-media.ts)', () => {
  it('makes a solved Sokoban level and a Football goal as GIFs under 300 KB, the ones the README shows', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmm-readme-media-'));
    const written = await readmeMedia(out);
    expect(written.map((w) => w.file.slice(out.length + 1))).toEqual(['sokoban.gif', 'football.gif']);
    for (const w of written) {
      expect(w.bytes).toBeLessThan(300 * 1024);
      const meta = await sharp(readFileSync(w.file), { animated: true }).metadata();
      expect([meta.width, meta.pageHeight, meta.pages]).toEqual([w.width, w.height, w.frames]);
    }
    expect(written.map((w) => [w.width, w.height])).toEqual([[224, 224], [512, 256]]);
    // The committed copies exist, are small, and the README shows them.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const name of ['sokoban.gif', 'football.gif']) {
      const committed = join(root, 'docs/img/readme', name);
      expect(statSync(committed).size).toBeLessThan(300 * 1024);
      expect(readme).toContain(`docs/img/readme/${name}`);
    }
  }, 300_000);
});
