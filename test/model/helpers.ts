import { initBackend, LmmModel, Tokenizer } from '../../agents/model/index.js';
import type { Frame } from '../../envs/render/frame.js';

export async function tinyModel(seed = 1, positions: 'alibi' | 'learned' = 'alibi'): Promise<LmmModel> {
  await initBackend({ backend: 'cpu', log: () => {} });
  const tok = Tokenizer.build(['You are playing Sokoban. <think>push the box up</think><answer>Up, Left</answer> 3+4=7']);
  return LmmModel.create({ preset: 'tiny', tokenizer: tok, seed, config: { positions } });
}

/** A deterministic test frame: a gradient with a coloured square. */
export function testFrame(w = 24, h = 20, shift = 0): Frame {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const inSquare = x >= 4 + shift && x < 10 + shift && y >= 5 && y < 11;
      data[i] = inSquare ? 250 : (x * 10) % 256; data[i + 1] = (y * 12) % 256; data[i + 2] = inSquare ? 10 : 128; data[i + 3] = 255;
    }
  }
  return { width: w, height: h, data };
}
