// BatchMatMul and _FusedMatMul on OpenBLAS sgemm: every transpose combination and numpy
// batch broadcasting (batch-1 operands are shared, other differing batch dims go through
// an index map). Anything not float32 falls back to the JS kernel.
import * as tf from '@tensorflow/tfjs';
import { ACT, type NativeAddon } from './addon.js';
import { cpuBackend, f32, outputBuffer, runCpuKernel, type CpuBackendLike } from './backend.js';
import { broadcastIndexMap, sizeOf } from './shapes.js';

type Activation = keyof typeof ACT;

/** The matmul product natively, or null when the JS kernel must handle it (dtype, shape errors). */
function nativeMatMul(
  addon: NativeAddon, backend: CpuBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, transA: boolean, transB: boolean,
  bias: Float32Array | null, act: number, alpha: number,
): tf.TensorInfo | null {
  const av = f32(backend, a), bv = f32(backend, b);
  const ar = a.shape.length, br = b.shape.length;
  if (!av || !bv || ar < 2 || br < 2) return null;
  const K = transA ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const M = transA ? a.shape[ar - 1]! : a.shape[ar - 2]!;
  const N = transB ? b.shape[br - 2]! : b.shape[br - 1]!;
  if (K !== (transB ? b.shape[br - 1] : b.shape[br - 2])) return null;  // JS kernel throws its error
  const aOuter = a.shape.slice(0, -2), bOuter = b.shape.slice(0, -2);
  let outOuter: number[];
  try {
    outOuter = tf.backend_util.assertAndGetBroadcastShape(aOuter, bOuter);
  } catch {
    return null;
  }
  const batch = sizeOf(outOuter), batchA = sizeOf(aOuter), batchB = sizeOf(bOuter);
  const out = outputBuffer(backend, batch * M * N);
  addon.matmul(
    av, bv, out, batch, batchA, batchB, broadcastIndexMap(aOuter, outOuter), broadcastIndexMap(bOuter, outOuter),
    M, N, K, transA ? 1 : 0, transB ? 1 : 0, bias, act, alpha,
  );
  return backend.makeTensorInfo([...outOuter, M, N], 'float32', out);
}

export function batchMatMulKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    return nativeMatMul(addon, cpuBackend(args), a, b, !!transposeA, !!transposeB, null, ACT.linear, 0) ?? fallback(args);
  };
}

/** The bias values when they broadcast along the last axis only (shape [N], [1,N], ... or a scalar). */
function fusableBias(backend: CpuBackendLike, bias: tf.TensorInfo | undefined, N: number, outRank: number): Float32Array | null {
  const v = f32(backend, bias);
  if (!v || !bias) return null;
  const s = bias.shape;
  if (s.length > outRank) return null;
  if (v.length === 1) return v;
  return v.length === N && s[s.length - 1] === N ? v : null;
}

const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu', relu6: 'Relu6', sigmoid: 'Sigmoid', elu: 'Elu', leakyrelu: 'LeakyRelu', prelu: 'Prelu',
};

export function fusedMatMulKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = cpuBackend(args);
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string; leakyreluAlpha?: number };
    const activation = attrs.activation ?? 'linear';
    if (!a || !b || (activation !== 'linear' && !(activation in ACTIVATION_KERNELS))) return fallback(args);
    const transA = !!attrs.transposeA, transB = !!attrs.transposeB;
    const N = transB ? b.shape[b.shape.length - 2]! : b.shape[b.shape.length - 1]!;
    const outRank = Math.max(a.shape.length, b.shape.length);
    const biasVals = bias ? fusableBias(backend, bias, N, outRank) : null;
    const addAfter = !!bias && !biasVals;
    // The epilogue fuses bias + activation in C; otherwise finish with the registered kernels.
    const fused = !addAfter && activation in ACT;
    const act = fused ? ACT[activation as Activation] : ACT.linear;
    const out = nativeMatMul(addon, backend, a, b, transA, transB, biasVals, act, attrs.leakyreluAlpha ?? 0.2);
    if (!out) return fallback(args);
    if (fused) return out;
    let cur = out;
    if (addAfter) {
      const added = runCpuKernel('Add', { inputs: { a: cur, b: bias! }, backend: args.backend, attrs: {} });
      backend.disposeIntermediateTensorInfo(cur);
      cur = added;
    }
    if (activation !== 'linear') {
      const name = ACTIVATION_KERNELS[activation]!;
      const inputs = name === 'Prelu' ? { x: cur, alpha: preluActivationWeights! } : { x: cur };
      const attrsFor: tf.NamedAttrMap = name === 'LeakyRelu' ? { alpha: attrs.leakyreluAlpha ?? 0.2 } : {};
      const activated = runCpuKernel(name, { inputs, backend: args.backend, attrs: attrsFor });
      backend.disposeIntermediateTensorInfo(cur);
      cur = activated;
    }
    return cur;
  };
}
