/**
 * Training metrics as JSON Lines: one object per line, appended and flushed at once
 * (writeSync on an fd opened for append), so a crash loses at most the line being written.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../envs/render/png.js';
import { MetricsFileError } from '../errors.js';

/** One metrics line: flat numbers (NaN/Infinity written as null) plus a few strings. */
export type MetricsRecord = Record<string, number | string | boolean | null>;

export class MetricsLogger {
  private fd: number | null;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  /** Append one record (a line) and flush it to the OS. */
  log(record: MetricsRecord): void {
    if (this.fd === null) throw new MetricsFileError(`metrics logger for ${this.path} is closed`);
    const clean: MetricsRecord = {};
    for (const [k, v] of Object.entries(record)) clean[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
    writeSync(this.fd, JSON.stringify(clean) + '\n');
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Read a metrics file. A last line without its newline (a crash mid-write) is skipped;
 * any other line that is not a JSON object is an error naming the line.
 */
export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) throw new MetricsFileError(`metrics file not found: ${path}`);
  return parseMetrics(readFileSync(path, 'utf8'), path);
}

export function parseMetrics(text: string, name = 'metrics'): MetricsRecord[] {
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  const out: MetricsRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const last = i === lines.length - 1;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      if (last && !complete) break; // truncated final line
      throw new MetricsFileError(`${name}:${i + 1}: not valid JSON: ${line.slice(0, 80)}`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new MetricsFileError(`${name}:${i + 1}: expected a JSON object per line`);
    out.push(v as MetricsRecord);
  }
  return out;
}

/** Rewrite a metrics file keeping only the records `keep` accepts (resume: drop lines past the checkpoint). */
export async function filterMetricsFile(path: string, keep: (r: MetricsRecord) => boolean): Promise<number> {
  if (!existsSync(path)) return 0;
  const kept = readMetrics(path).filter(keep);
  await writeFileAtomic(path, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  return kept.length;
}
