/**
 * Loading vidpad's oneDNN addon (`native/build/Release/vidpad_native.node`,
 * built by `scripts/build-native.mjs`) and proving it works: the typed view of
 * its API, where it lives, and a self-test against plain loops. Nothing here
 * touches tfjs; the kernels that use the addon live in `kernels.ts`.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../io/index.js';

/**
 * Convolution sizes, in this order: input N, H, W, C; filter KH, KW, O; output
 * OH, OW; strides SH, SW; padding top, bottom, left, right (pixels).
 */
export type ConvDims = Int32Array;
/** Pooling sizes: N, H, W, C, KH, KW, SH, SW, pad top, pad left, OH, OW. */
export type PoolDims = Int32Array;
/** Matrix product sizes: batchA, batchB, M, K, N, transposeA (0/1), transposeB (0/1). */
export type MatMulDims = Int32Array;

/** One oneDNN engine, stream and primitive cache (the addon's `Context`). */
export interface NativeContext {
  setThreads(threads: number): void;
  threads(): number;
  cacheSize(): number;
  clearCache(): void;
  /** y = conv(x, w) (+ bias) (then ReLU when `relu`); x NHWC, w HWIO, y NHWC. */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, dims: ConvDims, relu: boolean): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, dims: ConvDims): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, dbias: Float32Array | null, dims: ConvDims): void;
  matMul(a: Float32Array, b: Float32Array, bias: Float32Array | null, c: Float32Array, dims: MatMulDims, relu: boolean): void;
  maxPool(x: Float32Array, y: Float32Array, dims: PoolDims): void;
  /** Accumulates into `dx`, which must arrive zeroed. */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, dims: PoolDims): void;
  /** out = a op b (0 add, 1 subtract, 2 multiply, 3 divide); the smaller operand repeats every `period` elements. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, period: number, bIsSmall: boolean): void;
  /** op 0: ReLU; op 1: step, x > 0 ? 1 : alpha. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  /** x viewed as [rows, cols]: sums the rows away (`overRows`, out has cols) or the columns (out has rows). */
  sum(x: Float32Array, out: Float32Array, rows: number, cols: number, overRows: boolean): void;
  /**
   * Batch normalisation of x viewed as `[rows, channels]` (channels last) with its own statistics,
   * then gamma/beta (and ReLU when `relu`); writes y and the batch's mean and biased variance.
   */
  batchNormTrain(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, rows: number, channels: number, epsilon: number, relu: boolean): void;
  /** The gradient of `batchNormTrain` given the statistics it returned: writes dx, dgamma, dbeta. */
  batchNormGrad(x: Float32Array, dy: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, channels: number, epsilon: number, relu: boolean): void;
  /** Batch normalisation with given statistics (inference). */
  batchNormInfer(x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, y: Float32Array, rows: number, channels: number, epsilon: number, relu: boolean): void;
  /**
   * What convolutions and matrix products compute in from now on: 0 fp32, 1 bf16 (oneDNN's bf16
   * kernels, fp32 accumulation and outputs; throws where the CPU has neither AVX512-BF16 nor
   * AMX-BF16), 2 bf16 emulated (operands rounded to bf16, fp32 kernels). See `engine/precision.ts`.
   */
  setPrecision(code: 0 | 1 | 2): void;
  precision(): 0 | 1 | 2;
  /** The oneDNN implementation chosen for a convolution pass (e.g. `brgconv:avx512_core`), in the current precision. */
  implInfo(kind: 'forward' | 'backwardData' | 'backwardWeights', dims: ConvDims): string;
}

/** What cpuid and xgetbv report (each flag true only when the OS also saves the registers it needs). */
export interface CpuFeatures {
  vendor: string;
  brand: string;
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  /** AVX-512 F, BW, VL and DQ: what oneDNN calls avx512_core. */
  avx512Core: boolean;
  avx512Vnni: boolean;
  avxVnni: boolean;
  avx512Bf16: boolean;
  amxBf16: boolean;
  amxInt8: boolean;
  /** AVX512-BF16 or AMX-BF16 usable: what bf16 training needs. */
  bf16Hardware: boolean;
  /** The instruction set oneDNN dispatches to here (e.g. avx2, avx512_core_bf16, avx512_core_amx). */
  oneDnnIsa: string;
}

export interface NativeAddon {
  Context: new () => NativeContext;
  oneDnnVersion(): string;
  numProcs(): number;
  cpuFeatures(): CpuFeatures;
}

export const INSTALL_HINT = 'install libdnnl-dev (apt-get install libdnnl-dev g++ make python3), then run npm run build:native';

/** Where `npm run build:native` puts the addon (relative to this module when vidpad has no package.json). */
export function defaultAddonPath(): string {
  const root = packageRoot() ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return path.join(root, 'native', 'build', 'Release', 'vidpad_native.node');
}

/**
 * OpenMP threads that finish early spin, by default, waiting for the next
 * parallel region. Measured here on 2 cores shared with other processes, a
 * training step took 1.2 s with spinning threads and 0.23 s with sleeping
 * ones (the spinners took the core the other thread needed); when cores are
 * free, waking a thread costs microseconds per kernel. libgomp reads the
 * variable once, when the addon first loads it; a value the user set wins.
 */
function preferPassiveWaiting(): void {
  if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'passive';
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string; path: string };

/** Loads the addon at `addonPath` and runs its self-test; never throws. */
export function loadNativeAddon(addonPath: string = defaultAddonPath()): AddonLoad {
  if (!existsSync(addonPath)) {
    return { ok: false, path: addonPath, reason: `vidpad's oneDNN addon is not built (${addonPath} is missing): ${INSTALL_HINT}` };
  }
  let addon: NativeAddon;
  try {
    preferPassiveWaiting();
    addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
  } catch (cause) {
    return { ok: false, path: addonPath, reason: `vidpad's oneDNN addon failed to load (${(cause as Error).message}): ${INSTALL_HINT}` };
  }
  const failure = selfTest(addon);
  if (failure) return { ok: false, path: addonPath, reason: `vidpad's oneDNN addon failed its self-test: ${failure}; rebuild it with npm run build:native` };
  return { ok: true, addon, path: addonPath };
}

/** Naive NHWC/HWIO convolution, the self-test's reference. */
function referenceConv(x: Float32Array, w: Float32Array, d: number[]): Float32Array {
  const [n, h, wd, c, kh, kw, o, oh, ow, sh, sw, pt, , pl] = d as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const y = new Float32Array(n * oh * ow * o);
  for (let b = 0; b < n; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let oc = 0; oc < o; oc++) {
          let acc = 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const xr = r * sh - pt + i;
              const xc = q * sw - pl + j;
              if (xr < 0 || xr >= h || xc < 0 || xc >= wd) continue;
              for (let ic = 0; ic < c; ic++) acc += x[((b * h + xr) * wd + xc) * c + ic]! * w[((i * kw + j) * c + ic) * o + oc]!;
            }
          y[((b * oh + r) * ow + q) * o + oc] = acc;
        }
  return y;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** A small convolution and a transposed matrix product against plain loops; returns what failed, or undefined. */
export function selfTest(addon: NativeAddon): string | undefined {
  try {
    const ctx = new addon.Context();
    const fill = (len: number, seed: number) => Float32Array.from({ length: len }, (_, i) => Math.sin(seed + i * 0.7));
    const dims = [2, 7, 6, 3, 3, 3, 4, 4, 3, 2, 2, 1, 1, 1, 0];
    const x = fill(2 * 7 * 6 * 3, 1);
    const w = fill(3 * 3 * 3 * 4, 2);
    const y = new Float32Array(2 * 4 * 3 * 4);
    ctx.conv2d(x, w, null, y, Int32Array.from(dims), false);
    const convErr = maxAbsDiff(y, referenceConv(x, w, dims));
    if (!(convErr < 1e-4)) return `conv2d differs from the reference by ${convErr}`;
    // a^T b with a stored [k, m]: c[i][j] = sum_p a[p][i] b[p][j]
    const [m, k, n] = [3, 5, 4];
    const a = fill(k * m, 3);
    const b = fill(k * n, 4);
    const c = new Float32Array(m * n);
    ctx.matMul(a, b, null, c, Int32Array.from([1, 1, m, k, n, 1, 0]), false);
    const want = new Float32Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[p * m + i]! * b[p * n + j]!;
        want[i * n + j] = acc;
      }
    const mmErr = maxAbsDiff(c, want);
    if (!(mmErr < 1e-4)) return `matMul differs from the reference by ${mmErr}`;
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
