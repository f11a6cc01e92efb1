// A free-list of output buffers for the native kernels. On the cpu backend every kernel
// output is a fresh Float32Array, and allocating (page faults, zeroing, the GC that
// external memory triggers) costs more than the element-wise work itself: ~0.25 ms per
// MB here. The pool hands a disposed tensor's buffer to the next output of that length.
//
// Safety: a buffer is recycled only if (1) a native kernel allocated it in the current
// registration epoch, (2) its tensor data was disposed (refCount 0), and (3) it never
// escaped: readSync/read (dataSync, data, array, print ...) marks it escaped, because
// callers keep those arrays after disposing the tensor; so does any other kernel whose
// output is a view onto it (contiguous Slice, StridedSlice, Unpack ... return subarrays).
import * as tf from '@tensorflow/tfjs';
import type { CpuBackendLike } from './backend.js';

/** Buffers smaller than this (floats) are not pooled: allocation is cheap there. */
const MIN_POOLED = 1 << 14;

interface BackendHooks {
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
}

export class BufferPool {
  /** Upper bound on the bytes parked in free lists. */
  maxBytes = 512 * 2 ** 20;
  private readonly free = new Map<number, Float32Array[]>();
  private parked = 0;
  private owned = new WeakMap<Float32Array, number>();
  private escaped = new WeakSet<ArrayBufferLike>();
  private epoch = 0;
  private attached: { backend: CpuBackendLike & BackendHooks; disposeData: BackendHooks['disposeData']; readSync: BackendHooks['readSync'] } | null = null;
  /** Counters for tests and benchmarks. */
  readonly stats = { allocated: 0, reused: 0, recycled: 0 };

  get active(): boolean {
    return this.attached !== null;
  }

  /** A Float32Array of length n whose contents are garbage: the kernel must write all of it. */
  alloc(n: number): Float32Array {
    if (!this.attached || n < MIN_POOLED) return new Float32Array(n);
    const list = this.free.get(n);
    let a = list?.pop();
    if (a) {
      this.parked -= a.byteLength;
      this.stats.reused++;
    } else {
      a = new Float32Array(n);
      this.stats.allocated++;
    }
    this.owned.set(a, this.epoch);
    return a;
  }

  /** Never recycle this buffer (it is visible outside the kernels). */
  escape(values: unknown): void {
    if (values instanceof Float32Array) this.escaped.add(values.buffer);
  }

  private release(values: unknown): void {
    if (!(values instanceof Float32Array) || this.owned.get(values) !== this.epoch || this.escaped.has(values.buffer)) return;
    this.owned.delete(values);
    if (this.parked + values.byteLength > this.maxBytes) return;
    let list = this.free.get(values.length);
    if (!list) this.free.set(values.length, (list = []));
    list.push(values);
    this.parked += values.byteLength;
    this.stats.recycled++;
  }

  /** Hook the backend's disposeData (recycle) and readSync (escape). Idempotent. */
  attach(backend: CpuBackendLike): void {
    const b = backend as CpuBackendLike & BackendHooks;
    if (this.attached?.backend === b) return;
    this.detach();
    const disposeData = b.disposeData, readSync = b.readSync;
    const dataOf = (id: object) => b.data.get(id);
    b.disposeData = (dataId: object, force?: boolean) => {
      const values = dataOf(dataId)?.values;
      const removed = disposeData.call(b, dataId, force);
      if (values && !(b.data as unknown as { has(id: object): boolean }).has(dataId)) this.release(values);
      return removed;
    };
    b.readSync = (dataId: object) => {
      this.escape(dataOf(dataId)?.values);
      return readSync.call(b, dataId);
    };
    this.attached = { backend: b, disposeData, readSync };
  }

  /** Restore the backend and forget every buffer handed out so far. */
  detach(): void {
    if (!this.attached) return;
    const { backend, disposeData, readSync } = this.attached;
    // Restore the prototype methods (drop the own-property hooks).
    if (Object.prototype.hasOwnProperty.call(backend, 'disposeData')) delete (backend as Partial<BackendHooks>).disposeData;
    if (Object.prototype.hasOwnProperty.call(backend, 'readSync')) delete (backend as Partial<BackendHooks>).readSync;
    if (backend.disposeData !== disposeData) backend.disposeData = disposeData;
    if (backend.readSync !== readSync) backend.readSync = readSync;
    this.attached = null;
    this.epoch++;
    this.free.clear();
    this.parked = 0;
  }

  /**
   * Wrap a non-native kernel so that when one of its outputs is a view onto a pooled
   * input buffer (a different tensor sharing memory), that buffer is never recycled.
   */
  guard(kernel: tf.KernelFunc, backendOf: (args: Parameters<tf.KernelFunc>[0]) => CpuBackendLike): tf.KernelFunc {
    return (args) => {
      const out = kernel(args);
      if (!this.attached) return out;
      const backend = backendOf(args);
      const outs = Array.isArray(out) ? out : [out];
      const inputs = Object.values(args.inputs);
      for (const o of outs) {
        const ov = backend.data.get(o.dataId)?.values;
        if (!(ov instanceof Float32Array)) continue;
        for (const t of inputs) {
          if (!t || t.dataId === o.dataId) continue;
          const iv = backend.data.get(t.dataId)?.values;
          if (iv instanceof Float32Array && iv.buffer === ov.buffer) this.escape(iv);
        }
      }
      return out;
    };
  }
}

export const pool = new BufferPool();
