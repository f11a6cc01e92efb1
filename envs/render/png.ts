import sharp from 'sharp';
import { statSync } from 'node:fs';
import { writeFile, rename, mkdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OutputPathError } from '../core/errors.js';
import type { Frame } from './frame.js';

/** Encode a frame as PNG (outside any env's step: encoding is slow). */
export async function encodePng(frame: Frame, options: { compressionLevel?: number } = {}): Promise<Buffer> {
  return sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), {
    raw: { width: frame.width, height: frame.height, channels: 4 },
  }).png({ compressionLevel: options.compressionLevel ?? 6 }).toBuffer();
}

/** Decode a PNG (or any image sharp reads) into an RGBA frame. */
export async function decodePng(bytes: Buffer | Uint8Array): Promise<Frame> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Check, before any work, that a file can be written at `path`: it is not a folder, and
 * the nearest existing ancestor of its folder is a folder. Throws an OutputPathError
 * naming the path.
 */
export function checkOutputFile(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    st = null;
  }
  if (st?.isDirectory()) throw new OutputPathError(`cannot write ${path}: it is a folder (give a file path)`);
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    let d;
    try {
      d = statSync(dir);
    } catch {
      if (dirname(dir) === dir) return;
      continue;
    }
    if (!d.isDirectory()) throw new OutputPathError(`cannot write ${path}: ${dir} is a file, not a folder`);
    return;
  }
}

let tmpCounter = 0;

/**
 * Write bytes to `path` atomically (a temp file `<path>.tmp-*` then rename), creating
 * folders. The path is checked first (checkOutputFile); when the write or the rename
 * fails (a full disk, a permission) the temp file is removed and an OutputPathError names
 * the path, so no `*.tmp-*` file is left behind.
 */
export async function writeFileAtomic(path: string, bytes: Buffer | Uint8Array | string): Promise<void> {
  checkOutputFile(path);
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (e) {
    throw new OutputPathError(`cannot create the folder of ${path}: ${(e as Error).message}`);
  }
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}-${(tmpCounter++).toString(36)}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    const err = new OutputPathError(`cannot write ${path}: ${(e as Error).message}`);
    (err as { cause?: unknown }).cause = e;
    throw err;
  }
}

/** Encode a frame and write it as a PNG file. */
export async function savePng(frame: Frame, path: string): Promise<void> {
  await writeFileAtomic(path, await encodePng(frame));
}
