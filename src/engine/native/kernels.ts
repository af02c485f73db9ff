/**
 * The `native` tfjs backend: a `MathBackendCPU` that owns a oneDNN context,
 * every kernel of the `cpu` backend registered again under `native`, and the
 * hot ones replaced by kernels that hand the cpu backend's own Float32Arrays
 * to the addon, in place: convolutions and their gradients, matrix products
 * (oneDNN), the fused bias+ReLU forms, max pooling and its gradient, and the
 * elementwise ops a training step is full of (bias add, ReLU and its
 * gradient, the bias gradient's sum), whose tfjs loops — per-element index
 * arithmetic for broadcasts, a transpose before a sum — cost more than the
 * convolutions once those run on oneDNN; strided slices (the flow branch's
 * frame pair) are copied by contiguous runs in JavaScript. It also runs vidpad's own
 * batch-norm kernels (`engine/batch-norm.ts`; other backends compose tfjs
 * ops there instead). Outputs come from a pool of
 * recycled arrays (`buffer-pool.ts`) rather than fresh allocations.
 *
 * Why a backend of its own rather than overriding `cpu`'s kernels: `cpu` stays
 * untouched as the reference that tests compare against, both can live in one
 * process, and `auto` can prefer `native` by name. Why a `MathBackendCPU`
 * underneath: its tensors are plain typed arrays the addon can read and write
 * without copies, and every kernel vidpad does not accelerate keeps working
 * unchanged. A kernel whose inputs fall outside what the addon does (NCHW,
 * dilation, other dtypes, broadcasting it cannot express, other activations)
 * defers to the cpu kernel, so `native` computes whatever `cpu` computes.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { tf } from '../tf.js';
import type { NativeAddon, NativeContext } from './addon.js';
import { BufferPool } from './buffer-pool.js';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_INFER_KERNEL, BATCH_NORM_TRAIN_KERNEL, registerBatchNormGradients } from '../batch-norm.js';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;
type Attrs = tf.NamedAttrMap;
type Inputs = tf.NamedTensorInfoMap;

export const NATIVE_BACKEND_NAME = 'native';

/** What the pool may keep between steps. */
const POOL_CAPACITY_BYTES = 1 << 30;

/**
 * tfjs's cpu backend plus the oneDNN context that its native kernels use, and
 * the pool their outputs are drawn from. The overrides below only tell the
 * pool who holds which array (see `buffer-pool.ts`); data handling is cpu's.
 */
export class NativeBackend extends MathBackendCPU {
  readonly native: NativeContext;
  readonly pool = new BufferPool(POOL_CAPACITY_BYTES);

  constructor(addon: NativeAddon, threads: number) {
    super();
    this.native = new addon.Context();
    this.native.setThreads(threads);
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object {
    this.pool.noteStored(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: object, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.pool.noteStored(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: object): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    this.pool.noteEscaped(values);
    return values;
  }

  override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
    const values = await super.read(dataId);
    this.pool.noteEscaped(values);
    return values;
  }

  override bufferSync<R extends tf.Rank, D extends tf.DataType>(t: TensorInfo): tf.TensorBuffer<R, D> {
    this.pool.noteEscaped(this.data.get(t.dataId)?.values);
    return super.bufferSync<R, D>(t);
  }

  override disposeData(dataId: object, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return released;
  }

  override dispose(): void {
    this.pool.clear();
    this.native.clearCache();
    super.dispose();
  }
}

/** The kernels the addon replaces; everything else is `cpu`'s own. */
export const NATIVE_KERNEL_NAMES = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'FusedConv2D',
  'BatchMatMul',
  '_FusedMatMul',
  'MaxPool',
  'MaxPoolGrad',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Relu',
  'Step',
  'Sum',
  'Slice',
] as const;

/** The Float32Array behind a float32 tensor of the cpu backend, or undefined when it has none of the expected length. */
function valuesOf(backend: NativeBackend, t: TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== 'float32') return undefined;
  const values = backend.data.get(t.dataId)?.values;
  if (!(values instanceof Float32Array)) return undefined;
  return values.length === tf.util.sizeFromShape(t.shape) ? values : undefined;
}

type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** Whether oneDNN's output-size rule gives tfjs's output size for this conv (it may not under 'round'/'ceil' rounding). */
function oneDnnAgrees(info: Conv2DInfo): boolean {
  const p = info.padInfo;
  if ([p.top, p.bottom, p.left, p.right].some((v) => v < 0)) return false;
  const oh = Math.floor((info.inHeight + p.top + p.bottom - info.filterHeight) / info.strideHeight) + 1;
  const ow = Math.floor((info.inWidth + p.left + p.right - info.filterWidth) / info.strideWidth) + 1;
  return oh === info.outHeight && ow === info.outWidth && info.dilationHeight === 1 && info.dilationWidth === 1 && info.dataFormat === 'channelsLast';
}

function convDims(info: Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return Int32Array.of(
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth,
    p.top, p.bottom, p.left, p.right,
  );
}

function convInfo(xShape: number[], filterShape: number[], attrs: Attrs, dilations: number | [number, number]): Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
}

/** A 1-D bias over the last axis (size `n`), the only shape the fused kernels add natively. */
function channelBias(backend: NativeBackend, bias: TensorInfo | undefined, n: number): Float32Array | null | undefined {
  if (!bias) return null;
  if (tf.util.sizeFromShape(bias.shape) !== n || bias.shape[bias.shape.length - 1] !== n) return undefined;
  return valuesOf(backend, bias);
}

/** The activation the fused kernels apply natively: none or ReLU. */
function fusedRelu(attrs: Attrs, inputs: Inputs): boolean | undefined {
  const activation = (attrs as unknown as tf._FusedMatMulAttrs).activation;
  if (inputs.preluActivationWeights) return undefined;
  if (activation === 'linear' || activation === undefined) return false;
  if (activation === 'relu') return true;
  return undefined;
}

function conv2dKernel(fused: boolean, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const inputs = args.inputs as Inputs;
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as Attrs;
    const info = convInfo(x.shape, filter.shape, attrs, (attrs as unknown as tf.Conv2DAttrs).dilations);
    const xv = valuesOf(backend, x);
    const wv = valuesOf(backend, filter);
    const bias = fused ? channelBias(backend, inputs.bias, info.outChannels) : null;
    const relu = fused ? fusedRelu(attrs, inputs) : false;
    if (!xv || !wv || bias === undefined || relu === undefined || !oneDnnAgrees(info)) return fallback(args);
    const y = backend.pool.take(tf.util.sizeFromShape(info.outShape));
    backend.native.conv2d(xv, wv, bias, y, convDims(info), relu);
    return backend.makeTensorInfo(info.outShape, 'float32', y);
  };
}

function conv2dBackpropInputKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as Attrs;
    const { inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const info = convInfo(inputShape, filter.shape, attrs, 1);
    const dyv = valuesOf(backend, dy);
    const wv = valuesOf(backend, filter);
    if (!dyv || !wv || !oneDnnAgrees(info) || !tf.util.arraysEqual(dy.shape, info.outShape)) return fallback(args);
    const dx = backend.pool.take(tf.util.sizeFromShape(info.inShape));
    backend.native.conv2dBackpropInput(dyv, wv, dx, convDims(info));
    return backend.makeTensorInfo(info.inShape, 'float32', dx);
  };
}

function conv2dBackpropFilterKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as Attrs;
    const { filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const info = convInfo(x.shape, filterShape, attrs, 1);
    const xv = valuesOf(backend, x);
    const dyv = valuesOf(backend, dy);
    if (!xv || !dyv || !oneDnnAgrees(info) || !tf.util.arraysEqual(dy.shape, info.outShape)) return fallback(args);
    const dw = backend.pool.take(tf.util.sizeFromShape(info.filterShape));
    backend.native.conv2dBackpropFilter(xv, dyv, dw, null, convDims(info));
    return backend.makeTensorInfo(info.filterShape, 'float32', dw);
  };
}

function matMulKernel(fused: boolean, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const inputs = args.inputs as Inputs;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const attrs = args.attrs as Attrs;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (ra < 2 || rb < 2) return fallback(args);
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    // Batches that are equal, or 1 against anything, are what oneDNN broadcasts;
    // other broadcasts (and tfjs's error for bad shapes) go to the cpu kernel.
    const simpleBatch = (batchA === batchB && tf.util.arraysEqual(outerA, outerB)) || batchA === 1 || batchB === 1;
    const av = valuesOf(backend, a);
    const bv = valuesOf(backend, b);
    const bias = fused ? channelBias(backend, inputs.bias, n) : null;
    const relu = fused ? fusedRelu(attrs, inputs) : false;
    if (k !== kb || !simpleBatch || !av || !bv || bias === undefined || relu === undefined || m * n * k === 0) return fallback(args);
    const outShape = [...tf.backend_util.assertAndGetBroadcastShape(outerA, outerB), m, n];
    const c = backend.pool.take(tf.util.sizeFromShape(outShape));
    backend.native.matMul(av, bv, bias, c, Int32Array.of(batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0), relu);
    return backend.makeTensorInfo(outShape, 'float32', c);
  };
}

type PoolInfo = tf.backend_util.Conv2DInfo;

function poolInfo(xShape: number[], attrs: Attrs): PoolInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolAttrs;
  return tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
}

function poolDims(info: PoolInfo): Int32Array {
  return Int32Array.of(
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth,
  );
}

function poolSupported(info: PoolInfo): boolean {
  return info.dilationHeight === 1 && info.dilationWidth === 1 && info.padInfo.top >= 0 && info.padInfo.left >= 0 && info.outHeight > 0 && info.outWidth > 0;
}

function maxPoolKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const info = poolInfo(x.shape, args.attrs as Attrs);
    const xv = valuesOf(backend, x);
    if (!xv || !poolSupported(info)) return fallback(args);
    const y = backend.pool.take(tf.util.sizeFromShape(info.outShape));
    backend.native.maxPool(xv, y, poolDims(info));
    return backend.makeTensorInfo(info.outShape, 'float32', y);
  };
}

function maxPoolGradKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const info = poolInfo(input.shape, args.attrs as Attrs);
    const xv = valuesOf(backend, input);
    const dyv = valuesOf(backend, dy);
    if (!xv || !dyv || !poolSupported(info) || !tf.util.arraysEqual(dy.shape, info.outShape)) return fallback(args);
    const dx = backend.pool.takeZeroed(xv.length);
    backend.native.maxPoolGrad(xv, dyv, dx, poolDims(info));
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  };
}

/** Drops leading 1s: `[1, 1, C]` broadcasts like `[C]`. */
function stripLeadingOnes(shape: number[]): number[] {
  let i = 0;
  while (i < shape.length - 1 && shape[i] === 1) i++;
  return shape.slice(i);
}

function isSuffix(small: number[], big: number[]): boolean {
  if (small.length > big.length) return false;
  const offset = big.length - small.length;
  return small.every((d, i) => d === big[offset + i]);
}

/**
 * How a binary op's operands line up, when the addon can do it: equal shapes,
 * or one operand repeating over the other's trailing axes (a channel bias, a
 * scalar). Other broadcasts go to the cpu kernel.
 */
function repeatPlan(a: TensorInfo, b: TensorInfo): { period: number; bIsSmall: boolean; outShape: number[] } | undefined {
  const sa = tf.util.sizeFromShape(a.shape);
  const sb = tf.util.sizeFromShape(b.shape);
  if (sa === 0 || sb === 0) return undefined;
  if (tf.util.arraysEqual(a.shape, b.shape)) return { period: sa, bIsSmall: true, outShape: a.shape };
  let outShape: number[];
  try {
    outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  } catch {
    return undefined; // the cpu kernel reports the mismatch in tfjs's words
  }
  if (tf.util.arraysEqual(outShape, a.shape) && isSuffix(stripLeadingOnes(b.shape), a.shape)) return { period: sb, bIsSmall: true, outShape };
  if (tf.util.arraysEqual(outShape, b.shape) && isSuffix(stripLeadingOnes(a.shape), b.shape)) return { period: sa, bIsSmall: false, outShape };
  return undefined;
}

const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;

function binaryKernel(op: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const av = valuesOf(backend, a);
    const bv = valuesOf(backend, b);
    const plan = av && bv ? repeatPlan(a, b) : undefined;
    if (!av || !bv || !plan) return fallback(args);
    const out = backend.pool.take(tf.util.sizeFromShape(plan.outShape));
    backend.native.binary(op, av, bv, out, plan.period, plan.bIsSmall);
    return backend.makeTensorInfo(plan.outShape, 'float32', out);
  };
}

function unaryKernel(op: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = valuesOf(backend, x);
    if (!xv || xv.length === 0) return fallback(args);
    const alpha = op === 1 ? ((args.attrs as unknown as tf.StepAttrs).alpha ?? 0) : 0;
    const out = backend.pool.take(xv.length);
    backend.native.unary(op, xv, out, alpha);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

/**
 * Copies the box `begin`..`begin + size` of a row-major array of `shape`
 * (rank >= 1) into `out`, one contiguous run at a time: the trailing axes a
 * slice takes whole are a single run, so taking frames 1 and T of a clip is
 * one copy per clip (cpu's kernel computes an index per element, over 100×
 * slower on the flow branch's pair in `npm run bench:engine`).
 */
function copySlice(src: Float32Array, shape: readonly number[], begin: readonly number[], size: readonly number[], out: Float32Array): void {
  const rank = shape.length;
  // Innermost axis that the slice does not take whole: the run spans it and every axis after it.
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const strides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1]! * shape[a + 1]!;
  const run = size[k]! * strides[k]!;
  const outer = size.slice(0, k).reduce((p, q) => p * q, 1);
  const index = new Array<number>(k).fill(0);
  let base = 0;
  for (let a = 0; a < rank; a++) base += begin[a]! * strides[a]!;
  for (let i = 0; i < outer; i++) {
    let from = base;
    for (let a = 0; a < k; a++) from += index[a]! * strides[a]!;
    out.set(src.subarray(from, from + run), i * run);
    for (let a = k - 1; a >= 0; a--) {
      if (++index[a]! < size[a]!) break;
      index[a] = 0;
    }
  }
}

/** Strided float32 slices by contiguous runs; contiguous ones (cpu returns a view, no copy) and other dtypes go to the cpu kernel. */
function sliceKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = valuesOf(backend, x);
    if (!xv || xv.length === 0) return fallback(args);
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
    tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
    // Rank 0 and empty slices are contiguous too.
    const n = tf.util.sizeFromShape(s);
    if (n === 0 || tf.slice_util.isSliceContinous(x.shape, b, s)) return fallback(args);
    const out = backend.pool.take(n);
    copySlice(xv, x.shape, b, s, out);
    return backend.makeTensorInfo(s, 'float32', out);
  };
}

/** Sums over leading axes (a bias gradient) or trailing axes natively; other axis sets go to the cpu kernel. */
function sumKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as NativeBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const xv = valuesOf(backend, x);
    if (!xv || xv.length === 0) return fallback(args);
    const rank = x.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
    if (axes.length === 0) return fallback(args);
    const leading = axes.every((ax, i) => ax === i);
    const trailing = axes.every((ax, i) => ax === rank - axes.length + i);
    if (!leading && !trailing) return fallback(args);
    const reducedSize = axes.reduce((acc, ax) => acc * x.shape[ax]!, 1);
    const keptShape = x.shape.filter((_, i) => !axes.includes(i));
    const rows = leading ? reducedSize : xv.length / reducedSize;
    const cols = leading ? xv.length / reducedSize : reducedSize;
    const out = backend.pool.take(leading ? cols : rows);
    backend.native.sum(xv, out, rows, cols, leading);
    const outShape = keepDims ? tf.backend_util.expandShapeToKeepDim(keptShape, axes) : keptShape;
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

/**
 * The float32 values of `t`: the backend's own array when it has one of the
 * right length, else a copy (a tensor written from another backend's read).
 */
function floatsOf(backend: NativeBackend, t: TensorInfo): Float32Array {
  return valuesOf(backend, t) ?? Float32Array.from(backend.readSync(t.dataId) as ArrayLike<number>);
}

interface BatchNormAttrs {
  epsilon: number;
  relu: boolean;
}

/** Rows and channels of a channels-last tensor viewed as `[rows, C]`. */
function rowsAndChannels(x: TensorInfo): [number, number] {
  const channels = x.shape[x.shape.length - 1]!;
  return [tf.util.sizeFromShape(x.shape) / channels, channels];
}

/** vidpad's batch-norm kernels (see `engine/batch-norm.ts` for their contracts); no cpu counterpart to defer to. */
const batchNormKernels: Record<string, KernelFunc> = {
  [BATCH_NORM_TRAIN_KERNEL]: (args) => {
    const backend = args.backend as NativeBackend;
    const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const { epsilon, relu } = args.attrs as unknown as BatchNormAttrs;
    const [rows, channels] = rowsAndChannels(x);
    const y = backend.pool.take(rows * channels);
    const mean = new Float32Array(channels);
    const variance = new Float32Array(channels);
    backend.native.batchNormTrain(floatsOf(backend, x), floatsOf(backend, gamma), floatsOf(backend, beta), y, mean, variance, rows, channels, epsilon, relu);
    return [backend.makeTensorInfo(x.shape, 'float32', y), backend.makeTensorInfo([channels], 'float32', mean), backend.makeTensorInfo([channels], 'float32', variance)];
  },
  [BATCH_NORM_GRAD_KERNEL]: (args) => {
    const backend = args.backend as NativeBackend;
    const { x, dy, gamma, beta, mean, variance } = args.inputs as Record<'x' | 'dy' | 'gamma' | 'beta' | 'mean' | 'variance', TensorInfo>;
    const { epsilon, relu } = args.attrs as unknown as BatchNormAttrs;
    const [rows, channels] = rowsAndChannels(x);
    const dx = backend.pool.take(rows * channels);
    const dgamma = new Float32Array(channels);
    const dbeta = new Float32Array(channels);
    backend.native.batchNormGrad(
      floatsOf(backend, x), floatsOf(backend, dy), floatsOf(backend, gamma), floatsOf(backend, beta), floatsOf(backend, mean), floatsOf(backend, variance),
      dx, dgamma, dbeta, rows, channels, epsilon, relu,
    );
    return [backend.makeTensorInfo(x.shape, 'float32', dx), backend.makeTensorInfo([channels], 'float32', dgamma), backend.makeTensorInfo([channels], 'float32', dbeta)];
  },
  [BATCH_NORM_INFER_KERNEL]: (args) => {
    const backend = args.backend as NativeBackend;
    const { x, gamma, beta, mean, variance } = args.inputs as Record<'x' | 'gamma' | 'beta' | 'mean' | 'variance', TensorInfo>;
    const { epsilon, relu } = args.attrs as unknown as BatchNormAttrs;
    const [rows, channels] = rowsAndChannels(x);
    const y = backend.pool.take(rows * channels);
    backend.native.batchNormInfer(floatsOf(backend, x), floatsOf(backend, gamma), floatsOf(backend, beta), floatsOf(backend, mean), floatsOf(backend, variance), y, rows, channels, epsilon, relu);
    return backend.makeTensorInfo(x.shape, 'float32', y);
  },
};

function nativeKernel(name: (typeof NATIVE_KERNEL_NAMES)[number], fallback: KernelFunc): KernelFunc {
  switch (name) {
    case 'Conv2D':
      return conv2dKernel(false, fallback);
    case 'FusedConv2D':
      return conv2dKernel(true, fallback);
    case 'Conv2DBackpropInput':
      return conv2dBackpropInputKernel(fallback);
    case 'Conv2DBackpropFilter':
      return conv2dBackpropFilterKernel(fallback);
    case 'BatchMatMul':
      return matMulKernel(false, fallback);
    case '_FusedMatMul':
      return matMulKernel(true, fallback);
    case 'MaxPool':
      return maxPoolKernel(fallback);
    case 'MaxPoolGrad':
      return maxPoolGradKernel(fallback);
    case 'Add':
    case 'Sub':
    case 'Multiply':
    case 'RealDiv':
      return binaryKernel(BINARY_OPS[name], fallback);
    case 'Relu':
      return unaryKernel(0, fallback);
    case 'Step':
      return unaryKernel(1, fallback);
    case 'Sum':
      return sumKernel(fallback);
    case 'Slice':
      return sliceKernel(fallback);
  }
}

/**
 * Registers the `native` backend and its kernels with tfjs, once: tfjs's
 * registries are the record, so a second call finds them and does nothing.
 * The factory builds a fresh oneDNN context each time tfjs (re)creates the
 * backend; `threads` is its initial thread count.
 */
export function registerNativeBackend(addon: NativeAddon, threads: number): void {
  if (!tf.findBackendFactory(NATIVE_BACKEND_NAME)) {
    // Priority below cpu's: tfjs never picks native on its own, vidpad's backend selection does.
    tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(addon, threads), 0);
  }
  const overridden = new Set<string>(NATIVE_KERNEL_NAMES);
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (overridden.has(config.kernelName)) continue;
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME)) continue;
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME });
  }
  for (const name of NATIVE_KERNEL_NAMES) {
    if (tf.getKernel(name, NATIVE_BACKEND_NAME)) continue;
    const cpu = tf.getKernel(name, 'cpu');
    if (!cpu) continue;
    tf.registerKernel({ kernelName: name, backendName: NATIVE_BACKEND_NAME, kernelFunc: nativeKernel(name, cpu.kernelFunc) });
  }
  for (const [name, kernelFunc] of Object.entries(batchNormKernels)) {
    if (!tf.getKernel(name, NATIVE_BACKEND_NAME)) tf.registerKernel({ kernelName: name, backendName: NATIVE_BACKEND_NAME, kernelFunc });
  }
  registerBatchNormGradients();
}
