import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors.js';
import { throwPendingBackendError } from './backend.js';

/**
 * A computation that needs host copies of some tensors along the way, written once as a
 * generator: it yields each tensor it must read and receives its values (flat), and owns
 * (disposes) what it yields. `readSync` drives it with dataSync (cpu, tensorflow, wasm);
 * `readAsync` with `await data()`, which every backend has, and the only read a GPU
 * backend in Node has (tfjs-backend-webgpu's dataSync needs a browser's OffscreenCanvas).
 */
export type Reads<R> = Generator<tf.Tensor, R, ArrayLike<number>>;

/** Drive `reads` with synchronous reads; on the webgpu backend a ModelError naming the async variant. */
export function readSync<R>(reads: Reads<R>, asyncName: string): R {
  if (tf.getBackend() === 'webgpu') {
    reads.return(undefined as never);
    throw new ModelError(`the webgpu backend cannot read tensors synchronously; use ${asyncName}`);
  }
  return drive(reads, (t) => t.dataSync());
}

/** Drive `reads` with asynchronous reads (any backend). */
export async function readAsync<R>(reads: Reads<R>): Promise<R> {
  let r = reads.next();
  while (!r.done) {
    let values: ArrayLike<number>;
    try {
      values = (await r.value.data()) as ArrayLike<number>;
      throwPendingBackendError();
    } catch (e) {
      reads.return(undefined as never); // runs the generator's cleanup
      throw e;
    }
    r = reads.next(values);
  }
  return r.value;
}

function drive<R>(reads: Reads<R>, read: (t: tf.Tensor) => ArrayLike<number>): R {
  let r = reads.next();
  while (!r.done) {
    let values: ArrayLike<number>;
    try {
      values = read(r.value);
    } catch (e) {
      reads.return(undefined as never);
      throw e;
    }
    r = reads.next(values);
  }
  return r.value;
}
