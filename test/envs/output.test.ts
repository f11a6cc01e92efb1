// Issue 18: one atomic writer. An output path that is a folder is a clear error before any
// work, and a failed write (a full disk) leaves no orphan `*.tmp-*` file.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const disk = vi.hoisted(() => ({ full: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    // A full disk: part of the bytes land, then ENOSPC.
    writeFile: async (path: Parameters<typeof fs.writeFile>[0], data: Parameters<typeof fs.writeFile>[1]) => {
      if (!disk.full) return fs.writeFile(path, data);
      await fs.writeFile(path, 'partial');
      throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC' });
    },
  };
});

const { OutputPathError, checkOutputFile, writeFileAtomic } = await import('../../envs/index.js');
const { ReplayWriter } = await import('../../replays/index.js');

describe('output paths (writeFileAtomic, checkOutputFile)', () => {
  it('a folder where a file is asked, or a file in the way of the folder, is an OutputPathError naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-out-'));
    const folder = join(dir, 'report.json');
    mkdirSync(folder);
    await expect(writeFileAtomic(folder, 'x')).rejects.toThrow(OutputPathError);
    await expect(writeFileAtomic(folder, 'x')).rejects.toThrow(`cannot write ${folder}: it is a folder`);
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    expect(() => checkOutputFile(join(file, 'sub', 'out.json'))).toThrow(`${file} is a file, not a folder`);
    expect(() => new ReplayWriter(folder, { envId: null, envOptions: {}, seed: null, resetOptions: {} })).toThrow(/it is a folder/);
    expect(readdirSync(dir).sort()).toEqual(['plain', 'report.json']);
    await writeFileAtomic(join(dir, 'new', 'ok.json'), '{}');
    expect(readFileSync(join(dir, 'new', 'ok.json'), 'utf8')).toBe('{}');
  });

  it('a full disk mid-write: an OutputPathError, the old file intact, no *.tmp-* left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-out-'));
    const path = join(dir, 'report.json');
    await writeFileAtomic(path, 'old');
    disk.full = true;
    try {
      const e = await writeFileAtomic(path, 'new').catch((x) => x);
      expect(e).toBeInstanceOf(OutputPathError);
      expect(e.message).toMatch(new RegExp(`cannot write ${path}: ENOSPC`));
    } finally {
      disk.full = false;
    }
    expect(readdirSync(dir)).toEqual(['report.json']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });
});
