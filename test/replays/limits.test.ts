// Issue 18, "unbounded inputs": sizes that cannot fit are refused before any work, with an
// error naming the field and the limit.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, MAX_FRAME_PIXELS, createFrame, resizeNearest } from '../../envs/index.js';
import {
  MAX_STORED_FRAME_PIXELS, PanelRenderer, ReplayFormatError, decodeStoredFrame, readReplay, saveEpisodeReplay, writeReplayPngs,
} from '../../replays/index.js';
import { recordFrozenLake, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'replay', ...args], { encoding: 'utf8', timeout: 60_000 });

function storedReplay(): string {
  const dir = tempDir('replay-limits-');
  const ep = recordFrozenLake({ seed: 1, actionSeed: 2, frames: true, envOptions: { map: '4x4' } });
  const path = join(dir, 'ep.jsonl');
  saveEpisodeReplay(path, ep, { frames: true });
  return path;
}

describe('replay sizes are bounded before any work', () => {
  it('panel options: --panel-width 100000 and friends name the option and the limit', () => {
    expect(() => new PanelRenderer(64, 64, { width: 100_000 })).toThrow(InvalidOptionError);
    expect(() => new PanelRenderer(64, 64, { width: 100_000 })).toThrow('panel width (--panel-width) is 100000; the limit is 4096');
    expect(() => new PanelRenderer(64, 64, { fontSize: 5000 })).toThrow('panel fontSize (--font-size) is 5000; the limit is 128');
    expect(() => new PanelRenderer(64, 64, { minHeight: 1e6 })).toThrow(/panel minHeight is 1000000; the limit is 8192/);
    expect(() => new PanelRenderer(64, 64, { width: 1.5 })).toThrow(/must be an integer/);
    // A game frame too large for any image is refused before allocating.
    expect(() => new PanelRenderer(100_000, 100_000)).toThrow(/replay image size .* pixels; the limit is \d+ pixels/);
    expect(() => createFrame(100_000, 100_000)).toThrow(`the limit is ${MAX_FRAME_PIXELS} pixels`);
    expect(() => resizeNearest(createFrame(2, 2), 100_000, 100_000)).toThrow(/resized frame size/);
  });

  it('the CLI refuses --panel-width 100000 and --scale 1000 before reading the replay', () => {
    const r = cli('/nonexistent/replay.jsonl', '--png', '/tmp/x', '--panel-width', '100000');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('panel width (--panel-width) is 100000; the limit is 4096');
    expect(r.stderr).not.toMatch(/\n\s+at /); // a one-line error, no stack trace
    expect(cli('/nonexistent/replay.jsonl', '--scale', '1000').stderr).toContain('--scale is 1000; the limit is 16');
  });

  it('library rendering checks the panel options first', async () => {
    const replay = readReplay(storedReplay());
    await expect(writeReplayPngs(replay, tempDir(), { width: 100_000 })).rejects.toThrow(/--panel-width/);
  });

  it('a stored frame declaring a huge size is refused on its line before decompression', () => {
    const path = storedReplay();
    const lines = readFileSync(path, 'utf8').split('\n');
    const header = JSON.parse(lines[0]!);
    // 20000 x 20000 zero pixels deflate to ~1.6 MB: the reader must not inflate them (1.6 GB).
    header.frame = { width: 20_000, height: 20_000, encoding: 'rgba-deflate-base64', data: deflateSync(Buffer.alloc(1024)).toString('base64') };
    lines[0] = JSON.stringify(header);
    writeFileSync(path, lines.join('\n'));
    const e = (() => { try { readReplay(path); } catch (x) { return x; } return null; })();
    expect(e).toBeInstanceOf(ReplayFormatError);
    expect((e as ReplayFormatError).line).toBe(1);
    expect((e as Error).message).toContain(`frame width x height (20000x20000) is 400000000 pixels; the limit is ${MAX_STORED_FRAME_PIXELS} pixels`);
  });

  it('stored frame data that inflates past its declared size stops at that size', () => {
    // 10x10 declared (400 bytes) but 8 MiB of zeros inside.
    const bomb = { width: 10, height: 10, encoding: 'rgba-deflate-base64' as const, data: deflateSync(Buffer.alloc(8 << 20)).toString('base64') };
    expect(() => decodeStoredFrame(bomb)).toThrow(/inflates to more than the 400 bytes of 10x10x4/);
    expect(() => decodeStoredFrame({ ...bomb, data: 'not deflate' })).toThrow(/not valid deflate data/);
    // Through the renderer the error names the file line.
    const path = storedReplay();
    const lines = readFileSync(path, 'utf8').split('\n');
    const step = JSON.parse(lines[1]!);
    step.frame = { ...step.frame, data: deflateSync(Buffer.alloc(8 << 20)).toString('base64') };
    lines[1] = JSON.stringify(step);
    writeFileSync(path, lines.join('\n'));
    const r = cli(path, '--frames', 'stored', '--png', join(tempDir(), 'png'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ReplayFormatError: .*ep\.jsonl:2: stored frame data inflates to more than/);
  });
});
