/**
 * Reduce packed RGB pixels (in place) to at most `maxColours` colours: a histogram over
 * 15-bit buckets (5 bits per channel); the palette takes buckets by use, skipping ones close
 * to a colour already taken in the first passes so that rare but distinct colours (a
 * keeper's shirt) win over anti-aliasing shades; each palette colour is the mean of its
 * bucket's pixels (flat game colours stay exact); other buckets map to the nearest colour. Replay frames are flat art plus anti-aliased
 * edges and text: a few dozen colours cover them, and giving sharp's GIF quantiser
 * pre-reduced frames makes it several times faster. Returns the palette size.
 */
export function reducePalette(rgb: Uint8Array, maxColours: number): number {
  const counts = new Uint32Array(32768);
  const sums = new Float64Array(32768 * 3);
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
    const k = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
    counts[k]!++;
    sums[k * 3] += r; sums[k * 3 + 1] += g; sums[k * 3 + 2] += b;
  }
  const used: number[] = [];
  for (let k = 0; k < 32768; k++) if (counts[k]! > 0) used.push(k);
  used.sort((a, b) => counts[b]! - counts[a]! || a - b);
  const n = Math.min(maxColours, used.length);
  const mean = (k: number, c: number) => sums[k * 3 + c]! / counts[k]!;
  const dist = (k: number, r: number, g: number, b: number) => {
    const dr = mean(k, 0) - r, dg = mean(k, 1) - g, db = mean(k, 2) - b;
    return 2 * dr * dr + 4 * dg * dg + 3 * db * db;
  };
  const pr = new Uint8Array(n), pg = new Uint8Array(n), pb = new Uint8Array(n);
  const chosen = new Uint8Array(32768);
  const picked: number[] = [];
  for (const threshold of [60, 30, 12, 0]) {
    for (const k of used) {
      if (picked.length >= n) break;
      if (chosen[k]) continue;
      let near = Infinity;
      for (let p = 0; p < picked.length && near >= threshold * threshold * 9; p++) near = Math.min(near, dist(k, pr[p]!, pg[p]!, pb[p]!));
      if (near < threshold * threshold * 9) continue;
      const p = picked.length;
      picked.push(k);
      chosen[k] = 1;
      pr[p] = Math.round(mean(k, 0)); pg[p] = Math.round(mean(k, 1)); pb[p] = Math.round(mean(k, 2));
    }
  }
  const lut = new Uint8Array(32768);
  for (let p = 0; p < n; p++) lut[picked[p]!] = p;
  for (const k of used) {
    if (chosen[k]) continue;
    const r = sums[k * 3]! / counts[k]!, g = sums[k * 3 + 1]! / counts[k]!, b = sums[k * 3 + 2]! / counts[k]!;
    let best = 0, bd = Infinity;
    for (let p = 0; p < n; p++) {
      const dr = pr[p]! - r, dg = pg[p]! - g, db = pb[p]! - b;
      const d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
      if (d < bd) { bd = d; best = p; }
    }
    lut[k] = best;
  }
  for (let i = 0; i < rgb.length; i += 3) {
    const p = lut[((rgb[i]! >> 3) << 10) | ((rgb[i + 1]! >> 3) << 5) | (rgb[i + 2]! >> 3)]!;
    rgb[i] = pr[p]!; rgb[i + 1] = pg[p]!; rgb[i + 2] = pb[p]!;
  }
  return n;
}
