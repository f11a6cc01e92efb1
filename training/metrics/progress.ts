/**
 * A one-line progress bar on stderr: redrawn in place on a terminal, printed as a plain
 * line at most every `minIntervalMs` otherwise (logs of background runs stay readable).
 */
export interface ProgressBarOptions {
  stream?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  width?: number;
  /** Non-terminal output: at most one line per this many ms (default 30 s), plus the last. */
  minIntervalMs?: number;
  /** Silence the bar entirely (tests). */
  quiet?: boolean;
}

export class ProgressBar {
  private readonly stream: NonNullable<ProgressBarOptions['stream']>;
  private readonly tty: boolean;
  private readonly start = performance.now();
  private lastPrint = -Infinity;
  private lastLen = 0;

  constructor(readonly label: string, readonly total: number, private readonly opts: ProgressBarOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Show `done` of `total` with a short status text (e.g. the latest reward). */
  update(done: number, status = '', startedAt = 0): void {
    if (this.opts.quiet) return;
    const now = performance.now();
    const final = done >= this.total;
    if (!this.tty && !final && now - this.lastPrint < (this.opts.minIntervalMs ?? 30_000)) return;
    this.lastPrint = now;
    const width = this.opts.width ?? 24;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const rate = done > startedAt ? elapsed / (done - startedAt) : 0;
    const eta = rate > 0 ? rate * (this.total - done) : 0;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${fmtTime(elapsed)} eta ${fmtTime(eta)}${status ? ' ' + status : ''}`;
    if (this.tty) {
      this.stream.write('\r' + line + ' '.repeat(Math.max(0, this.lastLen - line.length)));
      this.lastLen = line.length;
      if (final) this.stream.write('\n');
    } else this.stream.write(line + '\n');
  }

  /** End the line on a terminal (after an early stop). */
  done(): void {
    if (this.tty && !this.opts.quiet && this.lastLen) this.stream.write('\n');
    this.lastLen = 0;
  }
}

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const total = Math.round(s);
  const m = Math.floor(total / 60), sec = total % 60;
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}
