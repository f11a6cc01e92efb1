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
//
// Buffers come in size classes (a length rounded up by at most 1/8): an output of n floats
// is the first n of a class-sized buffer. Training batches change their token count from
// one minibatch to the next (packed rows, issue 13 round 2), and with exact lengths almost
// nothing was reused: every step paid fresh zeroed pages and the GC that frees them.
import * as tf from '@tensorflow/tfjs';
import type { CpuBackendLike } from './backend.js';

/** Buffers smaller than this (floats) are not pooled: allocation is cheap there. */
const MIN_POOLED = 1 << 14;

/** The pooled length of an n-float output: n rounded up to a multiple of 2^(floor(log2 n) - 3), at most 12.5% more. */
export function sizeClass(n: number): number {
  if (n < MIN_POOLED) return n;
  const step = 2 ** Math.max(0, Math.floor(Math.log2(n)) - 3);
  return Math.ceil(n / step) * step;
}

interface BackendHooks {
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
}

export class BufferPool {
  /**
   * Upper bound on the pool's bytes, parked in free lists plus handed out and not yet
   * back. A miss that would pass it first drops the parked buffers of the size classes
   * asked for least recently (another phase's shapes); when that is not enough, the output
   * is a plain unpooled array. Parked buffers are a working set that was live a moment
   * ago, so the bound adds nothing to the peak RSS as long as the working set fits.
   */
  maxBytes = 1536 * 2 ** 20;
  private readonly free = new Map<number, Float32Array[]>();
  /** Last request of each size class (a counter), for dropping stale ones first. */
  private readonly lastAsked = new Map<number, number>();
  private asked = 0;
  private parked = 0;
  private inUse = 0;
  /** Outputs handed out: the epoch, and the class-sized buffer they are the start of. */
  private owned = new WeakMap<Float32Array, { epoch: number; full: Float32Array }>();
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
    const size = sizeClass(n), bytes = size * 4;
    this.lastAsked.set(size, ++this.asked);
    let full = this.free.get(size)?.pop();
    if (full) {
      this.parked -= bytes;
      this.stats.reused++;
    } else {
      if (this.parked + this.inUse + bytes > this.maxBytes) this.dropStale(this.parked + this.inUse + bytes - this.maxBytes);
      if (this.parked + this.inUse + bytes > this.maxBytes) return new Float32Array(n);
      full = new Float32Array(size);
      this.stats.allocated++;
    }
    this.inUse += bytes;
    const a = size === n ? full : full.subarray(0, n);
    this.owned.set(a, { epoch: this.epoch, full });
    return a;
  }

  /** Drop parked buffers, least recently asked-for size classes first, until `bytes` are freed or none is left. */
  private dropStale(bytes: number): void {
    const classes = [...this.free.keys()].filter((k) => this.free.get(k)!.length).sort((a, b) => (this.lastAsked.get(a) ?? 0) - (this.lastAsked.get(b) ?? 0));
    for (const k of classes) {
      const list = this.free.get(k)!;
      while (list.length && bytes > 0) {
        list.pop();
        this.parked -= k * 4;
        bytes -= k * 4;
      }
      if (bytes <= 0) return;
    }
  }

  /** Bytes parked in free lists / handed out (for tests and benchmarks). */
  get bytes(): { parked: number; inUse: number } {
    return { parked: this.parked, inUse: this.inUse };
  }

  /** Never recycle this buffer (it is visible outside the kernels). */
  escape(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    this.escaped.add(values.buffer);
    const o = this.owned.get(values);
    if (o && o.epoch === this.epoch) {
      this.owned.delete(values);
      this.inUse -= o.full.byteLength;
    }
  }

  private release(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const o = this.owned.get(values);
    if (!o || o.epoch !== this.epoch) return;
    this.owned.delete(values);
    const full = o.full;
    this.inUse -= full.byteLength;
    if (this.escaped.has(values.buffer)) return;
    let list = this.free.get(full.length);
    if (!list) this.free.set(full.length, (list = []));
    list.push(full);
    this.parked += full.byteLength;
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
    this.lastAsked.clear();
    this.parked = 0;
    this.inUse = 0;
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
