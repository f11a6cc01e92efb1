import sharp from 'sharp';
import { writeFile, rename, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
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

/** Write bytes to `path` atomically (temp file then rename), creating folders. */
export async function writeFileAtomic(path: string, bytes: Buffer | Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/** Encode a frame and write it as a PNG file. */
export async function savePng(frame: Frame, path: string): Promise<void> {
  await writeFileAtomic(path, await encodePng(frame));
}
