/**
 * What the fusion stages train on, picked from a source-sampling dataset (dataset.ts):
 * - `bestResponses`: per prompt, the best-scoring sample across all sources (ties: the
 *   shorter answer, then the earlier source and sample): the `fuse-sft` data;
 * - `preferencePairs`: per prompt, (best, worst) samples of ONE source whose reward gap
 *   lies in [minGap, maxGap]; when several sources qualify, the one whose best sample
 *   scores highest (ties: the earlier source): the `dpo` data.
 * Samples that visited a held-out position are never picked.
 */
import type { Frame } from '../../envs/render/frame.js';
import type { SftExample } from '../priming/types.js';
import { loadDatasetImages, type FuseDataset, type FuseSample } from './dataset.js';

/** Samples grouped by prompt id, prompts in dataset order. */
export function samplesByPrompt(samples: readonly FuseSample[]): Map<string, FuseSample[]> {
  const out = new Map<string, FuseSample[]>();
  for (const s of samples) {
    if (s.heldOut) continue;
    let list = out.get(s.prompt);
    if (!list) out.set(s.prompt, (list = []));
    list.push(s);
  }
  return out;
}

/** Best first: higher reward, then fewer characters, then earlier source, then earlier sample. */
export function compareBest(a: FuseSample, b: FuseSample): number {
  return b.reward - a.reward || a.chars - b.chars || a.sourceIndex - b.sourceIndex || a.sample - b.sample;
}

/** Worst first: lower reward, then more characters, then earlier sample. */
function compareWorst(a: FuseSample, b: FuseSample): number {
  return a.reward - b.reward || b.chars - a.chars || a.sample - b.sample;
}

export interface BestPick {
  prompt: string;
  sample: FuseSample;
}

/** The best sample of every prompt (at least `minReward` when given). */
export function bestResponses(samples: readonly FuseSample[], options: { minReward?: number | null } = {}): BestPick[] {
  const out: BestPick[] = [];
  for (const [prompt, list] of samplesByPrompt(samples)) {
    const best = [...list].sort(compareBest)[0]!;
    if (options.minReward !== undefined && options.minReward !== null && best.reward < options.minReward) continue;
    out.push({ prompt, sample: best });
  }
  return out;
}

export interface PreferencePair {
  prompt: string;
  source: string;
  chosen: FuseSample;
  rejected: FuseSample;
  /** chosen.reward - rejected.reward. */
  gap: number;
}

export interface GapBand {
  minGap: number;
  /** null: no upper bound. */
  maxGap: number | null;
}

/** One (chosen, rejected) pair per prompt from one source, with the reward gap in the band. */
export function preferencePairs(samples: readonly FuseSample[], band: GapBand): PreferencePair[] {
  const out: PreferencePair[] = [];
  for (const [prompt, list] of samplesByPrompt(samples)) {
    const bySource = new Map<number, FuseSample[]>();
    for (const s of list) {
      let l = bySource.get(s.sourceIndex);
      if (!l) bySource.set(s.sourceIndex, (l = []));
      l.push(s);
    }
    let pick: PreferencePair | null = null;
    for (const si of [...bySource.keys()].sort((a, b) => a - b)) {
      const l = bySource.get(si)!;
      if (l.length < 2) continue;
      const chosen = [...l].sort(compareBest)[0]!;
      const rejected = [...l].sort(compareWorst)[0]!;
      const gap = chosen.reward - rejected.reward;
      if (chosen === rejected || gap < band.minGap || (band.maxGap !== null && gap > band.maxGap)) continue;
      if (!pick || chosen.reward > pick.chosen.reward) pick = { prompt, source: chosen.source, chosen, rejected, gap };
    }
    if (pick) out.push(pick);
  }
  return out;
}

/** Per-source counts for the metrics: samples, mean reward and success, and how often the source was picked. */
export function sourceStats(data: FuseDataset, picked: readonly FuseSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const src of data.spec.sources) {
    const mine = data.samples.filter((s) => s.source === src.name && !s.heldOut);
    out[`samples/${src.name}`] = mine.length;
    out[`reward/${src.name}`] = mine.length ? mine.reduce((a, s) => a + s.reward, 0) / mine.length : 0;
    out[`success/${src.name}`] = mine.length ? mine.filter((s) => s.success).length / mine.length : 0;
    out[`picked/${src.name}`] = picked.filter((s) => s.source === src.name).length;
  }
  return out;
}

/** The frames a set of samples refers to, decoded. */
export async function sampleImages(data: FuseDataset, samples: readonly FuseSample[]): Promise<Map<string, Frame>> {
  const paths = new Set<string>();
  for (const s of samples) for (const t of s.turns) if (t.image) paths.add(t.image);
  return loadDatasetImages(data.dir, paths);
}

/** The SFT examples of a sample: one per turn (prompt, frame, response). */
export function sampleExamples(sample: FuseSample, images: ReadonlyMap<string, Frame>): SftExample[] {
  return sample.turns.map((t) => ({ prompt: t.prompt, image: t.image ? images.get(t.image)! : null, response: t.response, source: sample.source }));
}
