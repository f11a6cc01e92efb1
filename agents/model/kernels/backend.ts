// The slice of tfjs's cpu backend the native kernels use: zero-copy access to a tensor's
// Float32Array and wrapping a new Float32Array as an output tensor.
import * as tf from '@tensorflow/tfjs';
import { pool } from './pool.js';

export interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  disposeIntermediateTensorInfo(t: tf.TensorInfo): void;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];

export function cpuBackend(args: KernelArgs): CpuBackendLike {
  return args.backend as unknown as CpuBackendLike;
}

/** The tensor's backing Float32Array (no copy), or null when it is not plain float32 data. */
export function f32(backend: CpuBackendLike, t: tf.TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

/** Run another cpu kernel by name (native or JS, whichever is registered now). */
export function runCpuKernel(name: string, args: KernelArgs): tf.TensorInfo {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`no cpu kernel ${name}`);
  return k.kernelFunc(args) as tf.TensorInfo;
}

/**
 * An output buffer of n floats for a native kernel that overwrites all of it: from the
 * buffer pool when it is enabled (see pool.ts), else fresh.
 */
export function outputBuffer(backend: CpuBackendLike, n: number): Float32Array {
  if (!poolEnabled) return new Float32Array(n);
  pool.attach(backend);
  return pool.alloc(n);
}

let poolEnabled = false;

/** @internal switched by tryRegisterNativeKernels / unregisterNativeKernels. */
export function setPoolEnabled(on: boolean): void {
  poolEnabled = on;
  if (!on) pool.detach();
}
