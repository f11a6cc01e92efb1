/**
 * A progress line on stderr: redrawn in place on a terminal, one line per 10% otherwise
 * (logs stay short).
 */
export class Progress {
  private lastDecile = -1;
  private readonly started = performance.now();

  constructor(private readonly total: number, private readonly label: string, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(done: number, extra = ''): void {
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = (performance.now() - this.started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const bar = '#'.repeat(Math.round(frac * 24)).padEnd(24, '.');
    const line = `${this.label} [${bar}] ${done}/${this.total} ${extra} ${elapsed.toFixed(1)}s${done < this.total ? ` eta ${eta.toFixed(0)}s` : ''}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\x1b[K${done >= this.total ? '\n' : ''}`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.lastDecile) { this.lastDecile = decile; this.stream.write(line + '\n'); }
    }
  }
}
