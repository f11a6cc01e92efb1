import type { Rng } from '../../envs/core/rng.js';

export interface SampleOptions {
  /** 0 = greedy (argmax); otherwise logits are divided by it. */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches topP. */
  topP: number;
}

/** Reused scratch buffers of one sampler (one vocabulary size). */
export class Sampler {
  private readonly probs: Float64Array;
  private readonly order: number[];

  constructor(readonly vocabSize: number) {
    this.probs = new Float64Array(vocabSize);
    this.order = Array.from({ length: vocabSize }, (_, i) => i);
  }

  /**
   * Draw one token from `logits[offset .. offset + vocabSize)`. Returns the token and its
   * log-probability under softmax(logits / temperature) (temperature 1 when greedy), i.e.
   * the distribution before top-p truncation, which is what scoring reproduces.
   */
  sample(logits: Float32Array, offset: number, opts: SampleOptions, rng: Rng): { id: number; logProb: number } {
    const V = this.vocabSize, p = this.probs;
    const t = opts.temperature > 0 ? opts.temperature : 1;
    let max = -Infinity, arg = 0;
    for (let i = 0; i < V; i++) {
      const z = logits[offset + i]! / t;
      p[i] = z;
      if (z > max) { max = z; arg = i; }
    }
    let sum = 0;
    for (let i = 0; i < V; i++) { const e = Math.exp(p[i]! - max); p[i] = e; sum += e; }
    const logProbOf = (id: number) => Math.log(p[id]! / sum);
    if (!(opts.temperature > 0)) return { id: arg, logProb: logProbOf(arg) };
    if (opts.topP < 1) {
      const order = this.order;
      for (let i = 0; i < V; i++) order[i] = i;
      order.sort((a, b) => p[b]! - p[a]! || a - b);
      let kept = 0, mass = 0;
      while (kept < V && mass < opts.topP * sum) mass += p[order[kept++]!]!;
      let u = rng.next() * mass;
      for (let k = 0; k < kept; k++) {
        const id = order[k]!;
        u -= p[id]!;
        if (u < 0) return { id, logProb: logProbOf(id) };
      }
      const last = order[kept - 1]!;
      return { id: last, logProb: logProbOf(last) };
    }
    let u = rng.next() * sum;
    for (let i = 0; i < V; i++) {
      u -= p[i]!;
      if (u < 0) return { id: i, logProb: logProbOf(i) };
    }
    return { id: arg, logProb: logProbOf(arg) }; // rounding: u landed past the end
  }
}
