import * as tf from '@tensorflow/tfjs';

/**
 * Rows of `table` [N, d] at `indices`, with a fast gradient. tf.gather's gradient is
 * UnsortedSegmentSum, which the pure-JS cpu backend runs as one masked pass per segment
 * (O(rows x indices x d): over a second for a 700-token vocabulary). Here the gradient is
 * a plain scatter-add over the upstream gradient's values, O(indices x d).
 */
export function gatherRows(table: tf.Tensor2D, indices: Int32Array): tf.Tensor2D {
  // Other backends run tf.gather's own gradient on their kernels (and a GPU one cannot read dy synchronously).
  if (tf.getBackend() !== 'cpu') return tf.gather(table, tf.tensor1d(indices, 'int32'));
  const [rows, d] = table.shape;
  const op = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.gather(t, tf.tensor1d(indices, 'int32')),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      const g = (Array.isArray(dy) ? dy[0]! : dy).dataSync() as Float32Array;
      const out = new Float32Array(rows * d);
      for (let i = 0; i < indices.length; i++) {
        const src = i * d, dst = indices[i]! * d;
        for (let j = 0; j < d; j++) out[dst + j] += g[src + j]!;
      }
      return tf.tensor2d(out, [rows, d]);
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(table) as tf.Tensor2D;
}
