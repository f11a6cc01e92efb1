// Element-wise, reduction, softmax and transpose kernels over the native addon.
// Each handles float32 tensors and hands anything else to the JS kernel it replaces.
import * as tf from '@tensorflow/tfjs';
import { BIN, RED, UN, type NativeAddon } from './addon.js';
import { cpuBackend, f32, outputBuffer } from './backend.js';
import { pool } from './pool.js';
import { broadcastStrides, collapse, contiguousStrides, sizeOf } from './shapes.js';

export function binaryKernel(addon: NativeAddon, op: number, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const av = f32(backend, a), bv = f32(backend, b);
    if (!av || !bv) return fallback(args);
    let outShape: number[];
    try {
      outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return fallback(args);  // the JS kernel throws the usual broadcasting error
    }
    const out = outputBuffer(backend, sizeOf(outShape));
    if (out.length) {
      const c = collapse(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
      addon.binary(op, c.shape, av, c.strides[0]!, bv, c.strides[1]!, out);
    }
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

export function unaryKernel(addon: NativeAddon, op: number, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const xv = f32(backend, x);
    if (!xv) return fallback(args);
    const out = outputBuffer(backend, xv.length);
    addon.unary(op, xv, out);
    return backend.makeTensorInfo(x.shape.slice(), 'float32', out);
  };
}

export function softmaxKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { logits } = args.inputs as { logits: tf.TensorInfo };
    const { dim } = args.attrs as { dim: number };
    const xv = f32(backend, logits);
    const rank = logits.shape.length;
    if (!xv || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(args);
    const n = logits.shape[rank - 1]!;
    const out = outputBuffer(backend, xv.length);
    if (out.length) addon.softmax(out.length / n, n, xv, out);
    return backend.makeTensorInfo(logits.shape.slice(), 'float32', out);
  };
}

/** Sum / Mean / Max / Min over one contiguous run of axes (any other axis set goes to JS). */
export function reduceKernel(addon: NativeAddon, op: number, axisAttr: 'axis' | 'reductionIndices', fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as Record<string, unknown>;
    const xv = f32(backend, x);
    if (!xv) return fallback(args);
    const shape = x.shape;
    const axes = [...new Set(tf.util.parseAxisParam(attrs[axisAttr] as number | number[], shape))].sort((p, q) => p - q);
    if (!axes.length || axes.some((ax, i) => ax !== axes[0]! + i)) return fallback(args);
    const first = axes[0]!, last = axes[axes.length - 1]!;
    const outer = sizeOf(shape.slice(0, first)), reduce = sizeOf(shape.slice(first, last + 1)), inner = sizeOf(shape.slice(last + 1));
    // JS kernels reject max/min over an empty axis; keep their behaviour.
    if (reduce === 0 && (op === RED.Max || op === RED.Min)) return fallback(args);
    const outShape = attrs.keepDims
      ? shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : shape.filter((_, i) => i < first || i > last);
    const out = outputBuffer(backend, outer * inner);
    addon.reduce(op, outer, reduce, inner, xv, out);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

export function transposeKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    const xv = f32(backend, x);
    if (!xv || perm.length !== x.shape.length) return fallback(args);
    const st = contiguousStrides(x.shape);
    const outShape = perm.map((p) => x.shape[p]!);
    const out = outputBuffer(backend, xv.length);
    if (out.length) {
      const c = collapse(outShape, [perm.map((p) => st[p]!)]);
      addon.transpose(c.shape, c.strides[0]!, xv, out);
    }
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

export { BIN, RED, UN };

/** A strided slice of x as a new tensor; contiguous slices are views, as in the JS kernel. */
function sliceOf(addon: NativeAddon, backend: ReturnType<typeof cpuBackend>, x: tf.TensorInfo, xv: Float32Array, begin: number[], size: number[]): tf.TensorInfo {
  const st = contiguousStrides(x.shape);
  let off = 0;
  for (let d = 0; d < begin.length; d++) off += begin[d]! * st[d]!;
  const n = sizeOf(size);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    pool.escape(xv);  // the view keeps x's buffer alive past x's disposal
    return backend.makeTensorInfo(size, 'float32', xv.subarray(off, off + n));
  }
  const out = outputBuffer(backend, n);
  if (n) {
    const c = collapse(size, [st]);
    addon.transpose(c.shape, c.strides[0]!, xv.subarray(off), out);
  }
  return backend.makeTensorInfo(size, 'float32', out);
}

export function sliceKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { begin, size } = args.attrs as { begin: number | number[]; size?: number | number[] };
    const xv = f32(backend, x);
    if (!xv) return fallback(args);
    const [b, s] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    tf.slice_util.assertParamsValid(x, b, s);
    return sliceOf(addon, backend, x, xv, b, s);
  };
}

export function splitKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const xv = f32(backend, x);
    if (!xv) return fallback(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const dim = x.shape[ax]!;
    let sizes: number[];
    if (typeof numOrSizeSplits === 'number') {
      if (numOrSizeSplits <= 0 || dim % numOrSizeSplits !== 0) return fallback(args);  // JS error
      sizes = new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
    } else {
      const free = numOrSizeSplits.indexOf(-1);
      const known = numOrSizeSplits.reduce((s, v) => (v === -1 ? s : s + v), 0);
      sizes = numOrSizeSplits.map((v, i) => (i === free ? dim - known : v));
      if (sizes.some((v) => v < 0) || sizes.reduce((s, v) => s + v, 0) !== dim) return fallback(args);
    }
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[ax] = s;
      const t = sliceOf(addon, backend, x, xv, begin.slice(), size);
      begin[ax]! += s;
      return t;
    });
  };
}

/** Concat as row-wise TypedArray.set (memcpy) copies; narrow pieces go to the JS kernel. */
export function concatKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const list = Object.values(args.inputs as unknown as Record<string, tf.TensorInfo>);
    const { axis } = args.attrs as { axis: number | number[] };
    if (!list.length) return fallback(args);
    const vals = list.map((t) => f32(backend, t));
    if (vals.some((v) => !v)) return fallback(args);
    const ax = tf.util.parseAxisParam(axis, list[0]!.shape)[0]!;
    let outShape: number[];
    try {
      tf.backend_util.assertParamsConsistent(list.map((t) => t.shape), ax);
      outShape = tf.backend_util.computeOutShape(list.map((t) => t.shape), ax);
    } catch {
      return fallback(args);
    }
    const rows = sizeOf(outShape.slice(0, ax));
    const widths = list.map((t) => sizeOf(t.shape.slice(ax)));
    const W = widths.reduce((s, w) => s + w, 0);
    if (rows > 1 && W / list.length < 64) return fallback(args);
    const out = outputBuffer(backend, rows * W);
    let off = 0;
    list.forEach((_, i) => {
      const v = vals[i]!, w = widths[i]!;
      if (rows === 1) out.set(v.subarray(0, w), off);
      else for (let r = 0; r < rows; r++) out.set(v.subarray(r * w, r * w + w), r * W + off);
      off += w;
    });
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

/** GatherV2 (batchDims 0) as row copies; the JS kernel reads every element through a TensorBuffer. */
export function gatherKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims?: number };
    const xv = f32(backend, x);
    const iv = backend.data.get(indices.dataId)?.values;
    if (!xv || (batchDims ?? 0) !== 0 || !(iv instanceof Int32Array)) return fallback(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const dim = x.shape[ax]!;
    for (let i = 0; i < iv.length; i++) if (!(iv[i]! >= 0 && iv[i]! < dim)) return fallback(args);  // JS error
    const outer = sizeOf(x.shape.slice(0, ax)), inner = sizeOf(x.shape.slice(ax + 1)), n = iv.length;
    const out = outputBuffer(backend, outer * n * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < n; i++) {
        const src = (o * dim + iv[i]!) * inner, dst = (o * n + i) * inner;
        if (inner >= 16) out.set(xv.subarray(src, src + inner), dst);
        else for (let k = 0; k < inner; k++) out[dst + k] = xv[src + k]!;
      }
    }
    return backend.makeTensorInfo([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], 'float32', out);
  };
}
