/**
 * Kernels vidpad registers for the tfjs wasm backend, where wasm lacks them
 * (Conv2DBackpropFilter; UnsortedSegmentSum, the gradient of tf.gather that
 * metric-learning losses lean on) or has only a scalar loop
 * (Conv2DBackpropInput), and vidpad's own batch-norm kernels (plain loops
 * over the wasm heap, see `batch-norm-loops.ts`).
 *
 * Both convolution gradients are rewritten as forward convolutions, so they
 * run on the backend's XNNPACK Conv2D instead of loops. Inside a kernel no
 * public tf op may run (the engine is mid-kernel, and ops would be recorded on
 * the tape), so these kernels call the wasm backend's own registered kernels
 * and free every intermediate with `backend.disposeData`.
 */
import { tf } from './tf.js';
import { BackendError } from '../errors.js';
import { filterGradAxis, inputGradAxis } from './wasm-conv-geometry.js';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_INFER_KERNEL, BATCH_NORM_TRAIN_KERNEL, registerBatchNormGradients } from './batch-norm.js';
import { batchNormGradLoops, batchNormInferLoops, batchNormTrainLoops } from './batch-norm-loops.js';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;
type Backend = tf.KernelBackend;
type Attrs = tf.NamedAttrMap;
type Pad4 = [[0, 0], [number, number], [number, number], [0, 0]];

const WASM = 'wasm';
/** Marks vidpad's kernel functions, so a second registration can recognise them in the registry. */
const VIDPAD_KERNEL = Symbol.for('vidpad.wasmKernel');

/** The kernel names vidpad replaces or adds on wasm. */
export const WASM_KERNEL_NAMES = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'UnsortedSegmentSum', BATCH_NORM_TRAIN_KERNEL, BATCH_NORM_GRAD_KERNEL, BATCH_NORM_INFER_KERNEL] as const;

function runKernel(name: string, backend: Backend, inputs: tf.NamedTensorInfoMap, attrs: Record<string, unknown> = {}): TensorInfo {
  const kernel = tf.getKernel(name, WASM);
  if (!kernel) throw new BackendError(`wasm kernel '${name}' is not registered (is @tensorflow/tfjs-backend-wasm loaded?)`);
  const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as Attrs });
  if (Array.isArray(out)) throw new BackendError(`wasm kernel '${name}' returned ${out.length} tensors, expected one`);
  return out;
}

/**
 * Runs `body` with a scratch list; every TensorInfo pushed to it is freed
 * afterwards except the one returned. Reshapes share a dataId with their
 * source, and the backend counts references, so freeing both is right.
 */
function withScratch(backend: Backend, body: (keep: (t: TensorInfo) => TensorInfo) => TensorInfo): TensorInfo {
  const scratch: TensorInfo[] = [];
  let result: TensorInfo | undefined;
  try {
    result = body((t) => {
      scratch.push(t);
      return t;
    });
    return result;
  } finally {
    for (const t of scratch) if (t !== result) backend.disposeData(t.dataId);
  }
}

function reshape(backend: Backend, x: TensorInfo, shape: number[]): TensorInfo {
  return runKernel('Reshape', backend, { x }, { shape });
}

function transpose(backend: Backend, x: TensorInfo, perm: number[]): TensorInfo {
  return runKernel('Transpose', backend, { x }, { perm });
}

function padZeros(backend: Backend, x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
  return runKernel('PadV2', backend, { x }, { paddings, constantValue: 0 });
}

function conv2d(backend: Backend, x: TensorInfo, filter: TensorInfo, pad: Pad4, dilations: [number, number]): TensorInfo {
  return runKernel('Conv2D', backend, { x, filter }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined });
}

interface ConvGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(xShape: number[], filterShape: number[], a: ConvGradAttrs): tf.backend_util.Conv2DInfo {
  if (a.dataFormat === 'NCHW') throw new BackendError("vidpad's wasm conv gradients support dataFormat 'NHWC' only, got 'NCHW'");
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
}

const shape4 = (t: TensorInfo): [number, number, number, number] => {
  if (t.shape.length !== 4) throw new BackendError(`expected a rank-4 tensor, got shape [${t.shape.join(', ')}]`);
  return t.shape as [number, number, number, number];
};

/**
 * dW[a,b,ci,co] = Σ_{n,i,j} xpad[n, i·sh + a, j·sw + b, ci] · dy[n,i,j,co]:
 * a Conv2D whose batch is x's channels, whose channels are x's batch, whose
 * filter is dy with batch and channels swapped, with dilation = stride. When
 * the width axis is trivial (kw = 1, sw = 1, no width pad: the temporal half
 * of the (2+1)D conv) the width joins the batch in the contracted channels,
 * which gives XNNPACK far longer dot products than the batch alone.
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: Backend; attrs?: Attrs }): TensorInfo {
  const x = inputs['x'];
  const dy = inputs['dy'];
  if (!x || !dy) throw new BackendError('Conv2DBackpropFilter: expected inputs x and dy');
  const a = attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
  const [n, h, w, cin] = shape4(x);
  const [, ho, wo, cout] = shape4(dy);
  const [kh, kw] = a.filterShape;
  const info = convInfo([n, h, w, cin], a.filterShape, a);
  const { strideHeight: sh, strideWidth: sw } = info;
  const rows = filterGradAxis(h, ho, kh, sh, info.padInfo.top);
  const foldWidth = kw === 1 && sw === 1 && info.padInfo.left === 0 && w === wo;
  return withScratch(backend, (keep) => {
    if (foldWidth) {
      const dyRows = rows.extraOutputs > 0 ? keep(padZeros(backend, dy, [[0, 0], [0, rows.extraOutputs], [0, 0], [0, 0]])) : dy;
      // x [n,h,w,cin] → [cin, h, 1, n·w]; dy [n,ho',w,cout] → [ho', 1, n·w, cout].
      const xt = keep(reshape(backend, keep(transpose(backend, x, [3, 1, 0, 2])), [cin, h, 1, n * w]));
      const hoExt = ho + rows.extraOutputs;
      const dyt = keep(reshape(backend, keep(transpose(backend, dyRows, [1, 0, 2, 3])), [hoExt, 1, n * w, cout]));
      const out = keep(conv2d(backend, xt, dyt, [[0, 0], [rows.padBefore, rows.padAfter], [0, 0], [0, 0]], [sh, 1]));
      // [cin, kh, 1, cout] → [kh, 1, cin, cout]
      return transpose(backend, out, [1, 2, 0, 3]);
    }
    const cols = filterGradAxis(w, wo, kw, sw, info.padInfo.left);
    const dyExt =
      rows.extraOutputs > 0 || cols.extraOutputs > 0
        ? keep(padZeros(backend, dy, [[0, 0], [0, rows.extraOutputs], [0, cols.extraOutputs], [0, 0]]))
        : dy;
    const xt = keep(transpose(backend, x, [3, 1, 2, 0])); // [cin, h, w, n]
    const dyt = keep(transpose(backend, dyExt, [1, 2, 0, 3])); // [ho', wo', n, cout]
    const out = keep(
      conv2d(backend, xt, dyt, [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]], [sh, sw]),
    );
    return transpose(backend, out, [1, 2, 0, 3]); // [cin, kh, kw, cout] → [kh, kw, cin, cout]
  });
}

/**
 * dx = Conv2D(dy dilated by the stride, filter flipped in space with in/out
 * channels swapped), padded (or, rarely, cropped) to x's size. The dilation
 * spends stride² more multiply-adds than needed, so strides above
 * `maxStride` keep wasm's own kernel.
 */
function makeConv2DBackpropInput(fallback: KernelFunc | undefined, maxStride: number): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as Backend;
    const dy = inputs['dy'];
    const filter = inputs['filter'];
    if (!dy || !filter) throw new BackendError('Conv2DBackpropInput: expected inputs dy and filter');
    const a = attrs as unknown as ConvGradAttrs & { inputShape: [number, number, number, number] };
    const [n, h, w, cin] = a.inputShape;
    const [kh, kw, , cout] = shape4(filter);
    const [, ho, wo] = shape4(dy);
    const info = convInfo(a.inputShape, [kh, kw, cin, cout], a);
    const { strideHeight: sh, strideWidth: sw } = info;
    if (sh > maxStride || sw > maxStride) {
      if (!fallback) throw new BackendError(`Conv2DBackpropInput: no wasm kernel for strides [${sh}, ${sw}] above ${maxStride}`);
      return fallback({ inputs, backend, attrs });
    }
    const rows = inputGradAxis(h, ho, kh, sh, info.padInfo.top);
    const cols = inputGradAxis(w, wo, kw, sw, info.padInfo.left);
    return withScratch(backend, (keep) => {
      const flipped = keep(runKernel('Reverse', backend, { x: filter }, { dims: [0, 1] }));
      const wt = keep(transpose(backend, flipped, [0, 1, 3, 2])); // [kh, kw, cout, cin]
      let src = dy;
      if (sh > 1 || sw > 1) {
        // Interleave stride−1 zeros after every row and column: [n,ho,1,wo,1,c] padded to [n,ho,sh,wo,sw,c].
        const spread = keep(reshape(backend, dy, [n, ho, 1, wo, 1, cout]));
        const padded = keep(padZeros(backend, spread, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]));
        src = keep(reshape(backend, padded, [n, ho * sh, wo * sw, cout]));
      }
      const dx = conv2d(backend, src, wt, [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]], [1, 1]);
      if (rows.cropBefore + rows.cropAfter + cols.cropBefore + cols.cropAfter === 0) return dx;
      keep(dx);
      return runKernel('Slice', backend, { x: dx }, { begin: [0, rows.cropBefore, cols.cropBefore, 0], size: [n, h, w, cin] });
    });
  };
}

/** The parts of the wasm backend beyond KernelBackend that a kernel writing fresh data needs. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * out[s] = Σ_{i: ids[i] = s} x[i], ids outside [0, numSegments) dropped (as
 * on the cpu backend). One ScatterNd (which adds duplicates) into a buffer
 * with a spare last row that catches the dropped ids, sliced off after.
 */
function unsortedSegmentSum({ inputs, backend: anyBackend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: Attrs }): TensorInfo {
  const backend = anyBackend as Backend & WasmHeapBackend;
  const x = inputs['x'];
  const segmentIds = inputs['segmentIds'];
  if (!x || !segmentIds) throw new BackendError('UnsortedSegmentSum: expected inputs x and segmentIds');
  const numSegments = (attrs as { numSegments?: number } | undefined)?.numSegments;
  if (typeof numSegments !== 'number' || !Number.isInteger(numSegments) || numSegments < 0) {
    throw new BackendError(`UnsortedSegmentSum: numSegments must be a whole number >= 0, got ${String(numSegments)}`);
  }
  if (segmentIds.shape.length !== 1 || x.shape.length < 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new BackendError(
      `UnsortedSegmentSum: expected segmentIds of shape [${x.shape[0] ?? '?'}] matching x's first axis, got [${segmentIds.shape.join(', ')}] for x [${x.shape.join(', ')}]`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new BackendError(`UnsortedSegmentSum: x must be float32 or int32, got ${x.dtype}`);
  const n = x.shape[0]!;
  const rest = x.shape.slice(1);
  const d = rest.reduce((a, b) => a * b, 1);
  const ids = backend.readSync(segmentIds.dataId) as ArrayLike<number>;
  return withScratch(backend, (keep) => {
    const indices = keep(backend.makeOutput([n, 1], 'int32'));
    const idx = backend.typedArrayFromHeap(indices);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      const ok = Number.isInteger(id) && id >= 0 && id < numSegments;
      idx[i] = ok ? id : numSegments;
      if (!ok) dropped++;
    }
    const rows = numSegments + (dropped > 0 ? 1 : 0);
    const updates = keep(reshape(backend, x, [n, d]));
    let out = keep(runKernel('ScatterNd', backend, { indices, updates }, { shape: [rows, d] }));
    if (dropped > 0) out = keep(runKernel('Slice', backend, { x: out }, { begin: [0, 0], size: [numSegments, d] }));
    return reshape(backend, out, [numSegments, ...rest]);
  });
}

interface BatchNormAttrs {
  epsilon: number;
  relu: boolean;
}

/**
 * A batch-norm kernel over the wasm heap: allocates `outputs` (shapes), then
 * hands `run` float32 views of the inputs and outputs. Views are taken only
 * after the last allocation, since growing the heap detaches earlier ones.
 */
function heapBatchNormKernel(
  inputNames: readonly string[],
  outputShapes: (x: TensorInfo, channels: number) => number[][],
  run: (views: Float32Array[], rows: number, channels: number, attrs: BatchNormAttrs) => void,
): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as Backend & WasmHeapBackend;
    const given = inputNames.map((name) => inputs[name]);
    const x = given[0];
    if (!x || given.some((t) => !t || t.dtype !== 'float32')) throw new BackendError(`batch norm on wasm: expected float32 inputs ${inputNames.join(', ')}`);
    const channels = x.shape[x.shape.length - 1]!;
    const outputs = outputShapes(x, channels).map((shape) => backend.makeOutput(shape, 'float32'));
    const views = [...(given as TensorInfo[]), ...outputs].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
    run(views, tf.util.sizeFromShape(x.shape) / channels, channels, attrs as unknown as BatchNormAttrs);
    return outputs.length === 1 ? outputs[0]! : outputs;
  };
}

const batchNormKernels: Record<string, KernelFunc> = {
  [BATCH_NORM_TRAIN_KERNEL]: heapBatchNormKernel(['x', 'gamma', 'beta'], (x, c) => [x.shape, [c], [c]], ([x, gamma, beta, y, mean, variance], rows, c, a) =>
    batchNormTrainLoops(x!, gamma!, beta!, y!, mean!, variance!, rows, c, a.epsilon, a.relu),
  ),
  [BATCH_NORM_GRAD_KERNEL]: heapBatchNormKernel(['x', 'dy', 'gamma', 'beta', 'mean', 'variance'], (x, c) => [x.shape, [c], [c]], ([x, dy, gamma, beta, mean, variance, dx, dgamma, dbeta], rows, c, a) =>
    batchNormGradLoops(x!, dy!, gamma!, beta!, mean!, variance!, dx!, dgamma!, dbeta!, rows, c, a.epsilon, a.relu),
  ),
  [BATCH_NORM_INFER_KERNEL]: heapBatchNormKernel(['x', 'gamma', 'beta', 'mean', 'variance'], (x) => [x.shape], ([x, gamma, beta, mean, variance, y], rows, c, a) =>
    batchNormInferLoops(x!, gamma!, beta!, mean!, variance!, y!, rows, c, a.epsilon, a.relu),
  ),
};

function isVidpadKernel(name: string): boolean {
  const existing = tf.getKernel(name, WASM) as tf.KernelConfig | undefined;
  return existing !== undefined && (existing.kernelFunc as unknown as Record<symbol, unknown>)[VIDPAD_KERNEL] === true;
}

/** A fresh wrapper per registration, tagged so the registry lookup can tell it is vidpad's. */
function mark(fn: KernelFunc): KernelFunc {
  const wrapped: KernelFunc = (args) => fn(args);
  Object.defineProperty(wrapped, VIDPAD_KERNEL, { value: true });
  return wrapped;
}

export interface WasmKernelOptions {
  /**
   * Largest stride for which Conv2DBackpropInput runs as a Conv2D of dilated
   * dy; larger strides use wasm's own kernel. Default 2: measured here, the
   * dilated conv was ~2.8× faster than wasm's loop at stride 2 (k 3 and 5)
   * but 0.3-0.85× at stride 4, where 15 of 16 multiply-adds hit zeros.
   * vidpad's network needs only stride 1 (its first conv's input gradient
   * is never asked for: the clip is not a variable).
   */
  maxInputGradStride?: number;
}

/**
 * Registers vidpad's kernels for the wasm backend. Idempotent: kernels that
 * are already vidpad's (looked up in tfjs's registry) are left alone. Needs
 * `@tensorflow/tfjs-backend-wasm` imported first, because the replaced
 * kernels keep wasm's own implementation (and its setup) as a fallback.
 */
export function registerWasmKernels(options: WasmKernelOptions = {}): void {
  const maxStride = options.maxInputGradStride ?? 2;
  if (!tf.getKernel('Conv2D', WASM)) {
    throw new BackendError("registerWasmKernels: the wasm backend's kernels are not loaded; import '@tensorflow/tfjs-backend-wasm' first");
  }
  if (!isVidpadKernel('Conv2DBackpropFilter')) {
    if (tf.getKernel('Conv2DBackpropFilter', WASM)) tf.unregisterKernel('Conv2DBackpropFilter', WASM);
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: mark(conv2DBackpropFilter as KernelFunc) });
  }
  if (!isVidpadKernel('UnsortedSegmentSum')) {
    if (tf.getKernel('UnsortedSegmentSum', WASM)) tf.unregisterKernel('UnsortedSegmentSum', WASM);
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: WASM, kernelFunc: mark(unsortedSegmentSum as KernelFunc) });
  }
  if (!isVidpadKernel('Conv2DBackpropInput')) {
    const original = tf.getKernel('Conv2DBackpropInput', WASM) as tf.KernelConfig | undefined;
    if (original) tf.unregisterKernel('Conv2DBackpropInput', WASM);
    tf.registerKernel({
      kernelName: 'Conv2DBackpropInput',
      backendName: WASM,
      kernelFunc: mark(makeConv2DBackpropInput(original?.kernelFunc, maxStride)),
      // wasm's kernel binds its C function in setup; keeping it keeps the fallback usable.
      ...(original?.setupFunc ? { setupFunc: original.setupFunc } : {}),
      ...(original?.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    });
  }
  for (const [name, kernelFunc] of Object.entries(batchNormKernels)) {
    if (!isVidpadKernel(name)) tf.registerKernel({ kernelName: name, backendName: WASM, kernelFunc: mark(kernelFunc) });
  }
  registerBatchNormGradients();
}
