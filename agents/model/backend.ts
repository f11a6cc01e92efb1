import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors.js';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';

export interface BackendInfo {
  /** The tfjs backend in use. */
  backend: BackendName;
  /** Native CPU kernels (issue 9) registered on the cpu backend. */
  nativeKernels: boolean;
  /** Why this backend (and why not the faster ones). */
  reason: string;
  /** On 'webgpu': the adapter Dawn found (vendor, architecture, description). */
  adapter?: string;
}

export interface InitBackendOptions {
  /** 'auto' (default, or env LMM_GYM_BACKEND): tensorflow, then wasm, then cpu. */
  backend?: BackendRequest;
  /** Where the one line saying the choice goes (default stderr). */
  log?: (line: string) => void;
}

/** Kernels the model runs (forward, backward, Adam, generation; from tf.profile); wasm is used only if it has all. */
export const REQUIRED_KERNELS = [
  'Add', 'AddN', 'BatchMatMul', 'Cast', 'Concat', 'Exp', 'GatherV2', 'Identity', 'Log', 'Max', 'Maximum', 'Mean',
  'Multiply', 'Neg', 'Pack', 'Pow', 'RealDiv', 'Reshape', 'Rsqrt', 'Sigmoid', 'Slice', 'Softmax', 'SplitV', 'Sqrt',
  'Square', 'Sub', 'Sum', 'Transpose', 'Unpack', 'ZerosLike',
];

let chosen: Promise<BackendInfo> | null = null;

const BACKENDS: readonly string[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/**
 * Pick and set the tfjs backend once per process (later calls return the first choice):
 * `tensorflow` when @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node is installed,
 * else `wasm` when @tensorflow/tfjs-backend-wasm is installed and has every kernel the
 * model needs, else `cpu` (pure JS) with the native kernels of agents/model/kernels when
 * they load. `webgpu` (a GPU through Dawn, the `webgpu` package, and
 * @tensorflow/tfjs-backend-webgpu) is used only when asked for: on this small model a GPU
 * beats the native cpu kernels only in batches of hundreds of rows (docs/model.md,
 * Backend). An explicit request that cannot be met throws a ModelError.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  if (!chosen) {
    chosen = choose(options).catch((e: unknown) => { chosen = null; throw e; });
    return chosen;
  }
  const wanted = options.backend;
  return chosen.then((info) => {
    if (wanted && wanted !== 'auto' && wanted !== info.backend) {
      throw new ModelError(`backend '${wanted}' requested, but this process already runs on '${info.backend}' (initBackend chooses once per process)`);
    }
    return info;
  });
}

let pendingGpuError: string | null = null;

/**
 * Throw a ModelError if the GPU reported an error since the last check (its results are
 * then wrong: WebGPU runs a failed pipeline as a no-op). Reads of model results call it.
 */
export function throwPendingBackendError(): void {
  if (pendingGpuError === null) return;
  const message = pendingGpuError;
  pendingGpuError = null;
  throw new ModelError(`the webgpu backend reported an error, so the last results are wrong: ${message.trim()}`);
}

/** The backend chosen by `initBackend`, or null before it ran. */
export async function currentBackend(): Promise<BackendInfo | null> {
  return chosen ? chosen.catch(() => null) : null;
}

async function choose(options: InitBackendOptions): Promise<BackendInfo> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const fromEnv = process.env.LMM_GYM_BACKEND?.trim();
  const request = (options.backend ?? (fromEnv || 'auto')) as BackendRequest;
  if (!BACKENDS.includes(request)) {
    throw new ModelError(`unknown backend ${JSON.stringify(request)}${options.backend ? '' : ' (from LMM_GYM_BACKEND)'}; expected one of ${BACKENDS.join(', ')}`);
  }
  const skipped: string[] = [];
  let info: BackendInfo | null = null;
  if (request === 'auto' || request === 'tensorflow') {
    info = await tryTensorflow(skipped);
    if (!info && request === 'tensorflow') throw new ModelError(`backend 'tensorflow' requested but unavailable: ${skipped.join('; ')}`);
  }
  if (request === 'webgpu') {
    info = await tryWebgpu(skipped);
    if (!info) throw new ModelError(`backend 'webgpu' requested but unavailable: ${skipped.join('; ')}`);
  }
  if (!info && (request === 'auto' || request === 'wasm')) {
    info = await tryWasm(skipped);
    if (!info && request === 'wasm') throw new ModelError(`backend 'wasm' requested but unavailable: ${skipped.join('; ')}`);
  }
  info ??= await useCpu(skipped);
  const detail = info.backend === 'cpu' ? ` (native kernels ${info.nativeKernels ? 'on' : 'off'})` : info.adapter ? ` (${info.adapter})` : '';
  log(`lmm-gym model: tfjs backend '${info.backend}'${detail}: ${info.reason}`);
  return info;
}

async function importOptional(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

async function tryTensorflow(skipped: string[]): Promise<BackendInfo | null> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if (await importOptional(pkg) && tf.findBackend('tensorflow') && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return { backend: 'tensorflow', nativeKernels: false, reason: `from ${pkg}` };
    }
    skipped.push(`${pkg} not installed`);
  }
  return null;
}

/** What the Dawn module (`webgpu` package) exports: `create(flags)` returns a navigator.gpu. */
interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}
interface DawnAdapter { info?: { vendor?: string; architecture?: string; description?: string } }

/**
 * The `webgpu` backend: Dawn (the `webgpu` package) gives Node a `navigator.gpu`, which
 * @tensorflow/tfjs-backend-webgpu needs before it is imported. LMM_GYM_DAWN passes Dawn
 * flags, comma-separated (e.g. `backend=vulkan`, or `backend=opengles` for Mesa's
 * software GL with EGL_PLATFORM=surfaceless). A core-feature adapter is preferred; else a
 * compatibility-mode one (OpenGL ES), which tfjs runs too.
 */
async function tryWebgpu(skipped: string[]): Promise<BackendInfo | null> {
  let dawn: DawnModule;
  try {
    dawn = (await import('webgpu' as string)) as DawnModule;
  } catch (e) {
    skipped.push(`webgpu (Dawn for Node) not installed or failed to load: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
  const flags = (process.env.LMM_GYM_DAWN ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  const gpu = dawn.create(flags);
  let featureLevel = 'core';
  let adapter = await gpu.requestAdapter({ featureLevel, powerPreference: 'high-performance' });
  if (!adapter) {
    featureLevel = 'compatibility';
    adapter = await gpu.requestAdapter({ featureLevel, powerPreference: 'high-performance' });
  }
  if (!adapter) {
    skipped.push(`Dawn found no GPU adapter${flags.length ? ` (LMM_GYM_DAWN=${flags.join(',')})` : ''}`);
    return null;
  }
  // tfjs asks navigator.gpu for its own adapter; this one answers with the level that worked.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  const navigatorGpu = { requestAdapter: (o: Record<string, unknown> = {}) => gpu.requestAdapter({ ...o, featureLevel }) };
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: navigatorGpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: navigatorGpu }, configurable: true, writable: true });
  try {
    await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' only when navigator.gpu exists
  } catch {
    skipped.push('@tensorflow/tfjs-backend-webgpu not installed');
    return null;
  }
  if (!(await activate('webgpu', skipped))) return null;
  // A failed pipeline (e.g. a kernel binding more buffers than the device allows) makes its
  // output zeros, with only a console line; record it so that reads can throw instead.
  const device = (tf.backend() as unknown as { device?: { onuncapturederror: ((e: { error?: { message?: string } }) => void) | null } }).device;
  if (device) device.onuncapturederror = (e) => { pendingGpuError ??= e.error?.message ?? 'unknown WebGPU error'; };
  const i = adapter.info ?? {};
  const name = [i.vendor, i.architecture, i.description].filter(Boolean).join(' / ') || 'adapter without info';
  return { backend: 'webgpu', nativeKernels: false, reason: `asked for; Dawn ${featureLevel} adapter`, adapter: name };
}

/** Set a registered backend that has every kernel the model needs; else say why not. */
async function activate(name: 'webgpu' | 'wasm', skipped: string[]): Promise<boolean> {
  const missing = REQUIRED_KERNELS.filter((k) => !tf.getKernel(k, name));
  if (missing.length) {
    skipped.push(`${name} lacks kernels ${missing.join(', ')}`);
    return false;
  }
  if (!(await tf.setBackend(name))) { skipped.push(`${name} failed to initialise`); return false; }
  await tf.ready();
  return true;
}

async function tryWasm(skipped: string[]): Promise<BackendInfo | null> {
  if (!(await importOptional('@tensorflow/tfjs-backend-wasm'))) {
    skipped.push('@tensorflow/tfjs-backend-wasm not installed');
    return null;
  }
  if (!(await activate('wasm', skipped))) return null;
  return { backend: 'wasm', nativeKernels: false, reason: 'every model kernel exists in wasm' };
}

async function useCpu(skipped: string[]): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  // tfjs prints a banner on the first cpu tensor in Node; our one line replaces it.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const native = await tryNativeKernels();
  return { backend: 'cpu', nativeKernels: native.ok, reason: [...skipped, native.reason].filter(Boolean).join('; ') };
}

/**
 * Register the native CPU kernels (agents/model/kernels, issue 9) when that module exists.
 * Imported by computed URL so this file builds before the module lands.
 */
async function tryNativeKernels(): Promise<{ ok: boolean; reason: string }> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(new URL(`./kernels/index${ext}`, import.meta.url).href)) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, reason: `native kernels unavailable (${(e as Error).message.split('\n')[0]})` };
  }
  try {
    if (typeof mod.tryRegisterNativeKernels === 'function') {
      const r = (await mod.tryRegisterNativeKernels()) as { ok: boolean; reason?: string };
      return { ok: !!r?.ok, reason: r?.reason ?? '' };
    }
    if (typeof mod.registerNativeKernels === 'function') {
      await mod.registerNativeKernels();
      return { ok: true, reason: 'native kernels registered' };
    }
    return { ok: false, reason: 'agents/model/kernels exports no registerNativeKernels' };
  } catch (e) {
    return { ok: false, reason: `native kernels failed to register: ${(e as Error).message}` };
  }
}

/**
 * Adam for the model's weights: the native kernels' Adam (one fused C update per weight)
 * when the cpu backend runs them, else tf.train.adam. Same update and same state layout
 * either way (checkpoints and `loadOptimizerState` work with both).
 */
export async function createAdam(learningRate: number, beta1 = 0.9, beta2 = 0.999): Promise<tf.Optimizer> {
  const info = await currentBackend();
  if (info?.backend === 'cpu' && info.nativeKernels) {
    try {
      const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
      const mod = (await import(new URL(`./kernels/index${ext}`, import.meta.url).href)) as { nativeAdam?: (lr: number, b1: number, b2: number) => tf.Optimizer };
      if (typeof mod.nativeAdam === 'function') return mod.nativeAdam(learningRate, beta1, beta2);
    } catch { /* fall through to the JS optimizer */ }
  }
  return tf.train.adam(learningRate, beta1, beta2);
}
