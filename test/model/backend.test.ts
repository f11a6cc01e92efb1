import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, ModelError } from '../../agents/model/index.js';

describe('initBackend', () => {
  it('rejects unknown requests from the option and from LMM_GYM_BACKEND', async () => {
    await expect(initBackend({ backend: 'gpu' as never, log: () => {} })).rejects.toThrow(ModelError);
    process.env.LMM_GYM_BACKEND = 'fast';
    try {
      await expect(initBackend({ log: () => {} })).rejects.toThrow(/LMM_GYM_BACKEND/);
    } finally {
      delete process.env.LMM_GYM_BACKEND;
    }
  });

  it('an explicit tensorflow request fails clearly when tfjs-node is not installed', async () => {
    let installed = true;
    try { await import('@tensorflow/tfjs-node' as string); } catch { installed = false; }
    if (installed) return; // nothing to check on machines that have it
    await expect(initBackend({ backend: 'tensorflow', log: () => {} })).rejects.toThrow(/tfjs-node/);
  });

  it('chooses once, logs one line, and refuses a different backend later', async () => {
    const lines: string[] = [];
    const info = await initBackend({ backend: 'cpu', log: (l) => lines.push(l) });
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/tfjs backend 'cpu' \(native kernels (on|off)\)/);
    expect(await initBackend({ log: (l) => lines.push(l) })).toBe(info);
    expect(lines).toHaveLength(1);
    await expect(initBackend({ backend: 'wasm' })).rejects.toThrow(/already runs on 'cpu'/);
  });
});
