// Adam with the whole per-variable update (moments, bias correction, step) in one C pass
// instead of ~12 tfjs kernels. Same formula, state layout and weights (getWeights /
// setWeights) as tf.AdamOptimizer, which it extends; it falls back to the JS update off
// the cpu backend or without the addon.
import * as tf from '@tensorflow/tfjs';
import { f32, type CpuBackendLike } from './backend.js';
import { loadAddon } from './addon.js';

interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

export class NativeAdamOptimizer extends tf.AdamOptimizer {
  static override get className(): string {
    return 'Adam';
  }

  /** Defaults as tf.train.adam; epsilon null = the backend's epsilon (1e-7 on cpu). */
  constructor(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
    super(learningRate, beta1, beta2, epsilon as number);
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const { addon } = loadAddon();
    if (!addon || tf.getBackend() !== 'cpu') return super.applyGradients(variableGradients);
    const s = this as unknown as AdamState;
    const backend = tf.backend() as unknown as CpuBackendLike;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v: { name: string }) => v.name) : Object.keys(variableGradients);
    const accB1 = s.accBeta1.dataSync()[0]!, accB2 = s.accBeta2.dataSync()[0]!;
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient: tf.Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i]!.variable, v = s.accumulatedSecondMoment[i]!.variable;
        const xs = [value, gradient, m, v].map((t) => f32(backend, t));
        if (xs.some((x) => !x || x.length !== xs[0]!.length)) {
          this.jsUpdate(value, gradient, m, v, accB1, accB2);
          return;
        }
        const n = xs[0]!.length;
        // Fresh output arrays (no in-place writes: a variable's data may be shared).
        const nx = new Float32Array(n), nm = new Float32Array(n), nv = new Float32Array(n);
        addon.adam(xs[0]!, xs[1]!, xs[2]!, xs[3]!, nx, nm, nv, s.learningRate, s.beta1, s.beta2, s.epsilon, 1 - accB1, 1 - accB2);
        m.assign(tf.tensor(nm, m.shape, 'float32'));
        v.assign(tf.tensor(nv, v.shape, 'float32'));
        value.assign(tf.tensor(nx, value.shape, 'float32'));
      });
      s.accBeta1.assign(tf.scalar(accB1 * s.beta1));
      s.accBeta2.assign(tf.scalar(accB2 * s.beta2));
    });
    this.incrementIterations();
  }

  /** tf.AdamOptimizer's update for one variable (non-float32 data). */
  private jsUpdate(value: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, accB1: number, accB2: number): void {
    const s = this as unknown as AdamState;
    const nm = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1));
    const nv = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
    m.assign(nm);
    v.assign(nv);
    const step = tf.div(tf.div(nm, 1 - accB1), tf.add(tf.sqrt(tf.div(nv, 1 - accB2)), s.epsilon));
    value.assign(tf.add(tf.mul(step, -s.learningRate), value));
  }
}

/** Like tf.train.adam, with the native update when the addon is loaded. */
export function nativeAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): tf.AdamOptimizer {
  return new NativeAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
