import type { Frame } from '../../envs/render/frame.js';
import type { ModelConfig } from './config.js';
import { visualTokens } from './config.js';
import { ModelError } from './errors.js';
import { BOS, PAD, RESP } from './tokenizer.js';
import { framePatches, patchInputs } from './vision.js';
import { maxOf } from '../../envs/core/arrays.js';

/** What the model reads: a prompt text and, for image observations, one frame. */
export interface ModelInput {
  prompt: string;
  image?: Frame | null;
}

/** One row of a layout: the prompt's token ids and the response ids given as input. */
export interface LayoutRow {
  image?: Frame | null;
  promptIds: readonly number[];
  /** Response tokens fed as input after `<resp>` (for scoring: all but the last). */
  inputResponseIds?: readonly number[];
}

/**
 * A batch laid out for the decoder. Each row is [visual tokens][<bos>][prompt][<resp>]
 * [response...], left-padded to a common length L so that every row's last token sits at
 * column L - 1 (generation appends there). The input embedding is one gather from the
 * table [token embeddings (V rows); visual tokens of the images in order], so
 * `embedIndex[b * L + j]` is a token id, or V + k for the k-th visual token of the batch.
 */
export interface Layout {
  batch: number;
  length: number;
  embedIndex: Int32Array;
  positions: Int32Array;
  /** Left padding of each row. */
  pads: Int32Array;
  /** Column of each row's `<resp>` token. */
  respColumn: Int32Array;
  /** Visual tokens at the start of each row (after its padding): 0 or visualTokens. */
  imageTokens: Int32Array;
  /** Images in the batch, and their patches (images * visualTokens * patchInputs). */
  images: number;
  patches: Float32Array | null;
}

/** Check a batch of inputs and token ids against the model's limits. */
export function layoutRows(rows: readonly LayoutRow[], c: ModelConfig): Layout {
  if (rows.length === 0) throw new ModelError('a model batch needs at least one row');
  const nv = visualTokens(c);
  const contentLengths = rowLengths(rows, c);
  const L = maxOf(contentLengths);
  const images = rows.filter((r) => r.image).length;
  const per = patchInputs(c);
  const patches = images ? new Float32Array(images * nv * per) : null;
  const B = rows.length;
  const embedIndex = new Int32Array(B * L).fill(PAD);
  const positions = new Int32Array(B * L);
  const pads = new Int32Array(B), respColumn = new Int32Array(B), imageTokens = new Int32Array(B);
  let img = 0;
  for (let b = 0; b < B; b++) {
    const r = rows[b]!;
    const pad = L - contentLengths[b]!;
    pads[b] = pad;
    let j = b * L + pad;
    if (r.image) {
      framePatches(r.image, c, patches!, img * nv * per);
      imageTokens[b] = nv;
      for (let k = 0; k < nv; k++) embedIndex[j++] = c.vocabSize + img * nv + k;
      img++;
    }
    embedIndex[j++] = BOS;
    for (const id of r.promptIds) embedIndex[j++] = checkId(id, c);
    respColumn[b] = j - b * L;
    embedIndex[j++] = RESP;
    for (const id of r.inputResponseIds ?? []) embedIndex[j++] = checkId(id, c);
    for (let col = pad; col < L; col++) positions[b * L + col] = col - pad;
  }
  return { batch: B, length: L, embedIndex, positions, pads, respColumn, imageTokens, images, patches };
}

/** Positions each row takes ([visual tokens] <bos> prompt <resp> [response]); throws when one exceeds maxSeq. */
export function rowLengths(rows: readonly LayoutRow[], c: ModelConfig): number[] {
  const nv = visualTokens(c);
  const lengths = rows.map((r) => (r.image ? nv : 0) + 2 + r.promptIds.length + (r.inputResponseIds?.length ?? 0));
  for (let b = 0; b < rows.length; b++) {
    if (lengths[b]! > c.maxSeq) {
      throw new ModelError(`row ${b} needs ${lengths[b]} positions (visual + prompt + response), more than the model's maxSeq ${c.maxSeq}; shorten the prompt or the response`);
    }
  }
  return lengths;
}

function checkId(id: number, c: ModelConfig): number {
  if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) throw new ModelError(`token id ${id} is outside the vocabulary (size ${c.vocabSize})`);
  return id;
}

/**
 * Additive attention mask for queries at the last Tq of Tk key columns: 0 where the key is
 * a real token at or before the query, -1e9 elsewhere; shape [B, 1, Tq, Tk]. With ALiBi
 * `slopes` (one per head) it is [B, H, Tq, Tk] and allowed entries hold
 * -slope * (query column - key column): left padding shifts both columns alike, so the
 * column distance is the position distance. With `freeImage` (visual tokens per row), the
 * first freeImage[b] real keys of row b (its image) carry no distance penalty.
 */
export function attentionMask(pads: Int32Array, queries: number, keys: number, slopes: Float32Array | null = null, freeImage: Int32Array | null = null): Float32Array {
  const B = pads.length, H = slopes ? slopes.length : 1;
  const m = new Float32Array(B * H * queries * keys);
  const first = keys - queries;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const slope = slopes ? slopes[h]! : 0;
      for (let q = 0; q < queries; q++) {
        const row = ((b * H + h) * queries + q) * keys, qCol = first + q;
        const imageEnd = pads[b]! + (freeImage ? freeImage[b]! : 0);
        for (let k = 0; k < keys; k++) m[row + k] = k >= pads[b]! && k <= qCol ? (k < imageEnd ? 0 : -slope * (qCol - k)) : -1e9;
      }
    }
  }
  return m;
}
