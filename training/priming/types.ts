import type { Frame } from '../../envs/render/frame.js';

/**
 * One supervised example: what the model reads (prompt text, optional frame) and the
 * response it should write (`<think>...</think><answer>...</answer>`). Independent of
 * where it came from: oracle traces, a file, hand-written.
 */
export interface SftExample {
  prompt: string;
  image?: Frame | null;
  response: string;
  /** Where it came from (env id, file), for per-source statistics. */
  source?: string;
}
