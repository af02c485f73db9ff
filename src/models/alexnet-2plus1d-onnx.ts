/**
 * AlexNet-(2+1)D's inference graph as a standard ONNX model (IR 8, opset 17),
 * read from the network's plan (convs, pools, dense layers) so the
 * architecture is stated once: input `clip` float32 `[batch, T, H, W, 3]`
 * (the tfjs layout, batch dynamic) → `embedding [batch, D]` and
 * `liveScore [batch]`, the cosine similarity to the stored live prototype,
 * computed in the graph. Also the session that opens such a graph for
 * scoring clips.
 *
 * ONNX convolutions are channels-first, so the clip is transposed once and
 * the weights are permuted from tfjs's HWIO to OIHW. Two graph forms:
 * - `2d` (default): frames folded into the batch, `[B·T, C, H, W]`, for the
 *   spatial convs and pools; the temporal convs run as 2D convs with
 *   `[kt, 1]` kernels over `[B, C, T, H·W]` views (two transposes per layer).
 *   Measured faster in onnxruntime (DESIGN.md §2).
 * - `3d`: `[B, C, T, H, W]` throughout, 1×k×k and kt×1×1 Conv3D kernels.
 * Pads are explicit and reproduce tfjs: the model's symmetric spatial pads,
 * and `same` temporal padding with the odd frame at the back.
 *
 * With the FlowNetS branch, frames 1 and T are stacked on channels and run
 * through its encoder (convs with LeakyReLU), globally averaged and joined to
 * the pooled conv5 features at fc6's input, as the tfjs model does.
 *
 * With `norm: 'batch'`, each BatchNorm is folded into the convolution before
 * it, using the running statistics (inference mode): per output channel o,
 * w'[…, o] = w[…, o]·γ_o/√(σ²_o + ε) and b'_o = β_o − μ_o·γ_o/√(σ²_o + ε),
 * so the graph has the same Conv → Relu structure as the plain network and
 * costs nothing extra.
 */
import { temporalPadAmounts } from '../engine/conv2plus1d.js';
import { createOnnxSession, encodeOnnxModel, OnnxGraphBuilder, onnxFloat, onnxInt, onnxInts, permute, variableData } from '../engine/onnx/index.js';
import type { OnnxModel, OnnxSessionOptions } from '../engine/onnx/index.js';
import { BATCH_NORM_EPSILON } from '../engine/batch-norm.js';
import type { Variable } from '../engine/tf.js';
import { InputError, ShapeError } from '../errors.js';
import type { AlexNet2Plus1D, PoolPlan } from './alexnet-2plus1d.js';
import { FLOWNETS_LEAKY_SLOPE, planFlowNetS } from './flownets.js';
import type { ClipScorer } from './clip-scorer.js';

export const ONNX_GRAPH_FORMS = ['2d', '3d'] as const;
export type OnnxGraphForm = (typeof ONNX_GRAPH_FORMS)[number];
/** Frames folded into the batch: measured faster in onnxruntime. */
export const DEFAULT_ONNX_GRAPH_FORM: OnnxGraphForm = '2d';

export interface OnnxExportOptions {
  form?: OnnxGraphForm;
  /** Stored in the model's metadata_props (e.g. the weights' SHA-256). */
  metadata?: Record<string, string>;
  producerVersion?: string;
  /** Lower bound on the embedding's norm in the cosine, so a zero embedding scores 0 instead of NaN. */
  normEpsilon?: number;
}

/** The exported graph's input and outputs. */
export const ONNX_INPUT_NAME = 'clip';
export const ONNX_OUTPUT_NAMES = ['embedding', 'liveScore'] as const;

/** Prefix of the flow branch's variables in the network (and of its initializers in the graph). */
const FLOW_PREFIX = 'flow.';

function unitPrototype(prototype: ArrayLike<number>, size: number): Float32Array {
  if (prototype.length !== size) throw new ShapeError(`ONNX export: the live prototype has ${prototype.length} values, expected the embedding size ${size}`);
  let sq = 0;
  for (let i = 0; i < size; i++) {
    const v = prototype[i]!;
    if (!Number.isFinite(v)) throw new ShapeError(`ONNX export: the live prototype's value ${i} is ${v}, expected a finite number`);
    sq += v * v;
  }
  if (sq === 0) throw new ShapeError('ONNX export: the live prototype is all zeros, so the cosine liveScore is undefined');
  const norm = Math.sqrt(sq);
  return Float32Array.from({ length: size }, (_, i) => prototype[i]! / norm);
}

/**
 * A conv half's weights `shape` (tfjs layout, output channels last) and bias,
 * with its BatchNorm (`<prefix>.bn.*`) folded in when the model has one.
 * Worked out in float64, rounded once to float32.
 */
export function convWeightsForInference(state: ReadonlyMap<string, Variable>, prefix: string, shape: readonly number[]): { weight: Float32Array; bias: Float32Array } {
  const out = shape[shape.length - 1]!;
  const weight = variableData(state, `${prefix}.weight`, [...shape]);
  if (!state.has(`${prefix}.bn.weight`)) return { weight, bias: variableData(state, `${prefix}.bias`, [out]) };
  const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((n) => variableData(state, `${prefix}.bn.${n}`, [out]));
  const scale = Float64Array.from({ length: out }, (_, o) => gamma![o]! / Math.sqrt(variance![o]! + BATCH_NORM_EPSILON));
  return {
    weight: Float32Array.from(weight, (w, i) => w * scale[i % out]!),
    bias: Float32Array.from({ length: out }, (_, o) => beta![o]! - mean![o]! * scale[o]!),
  };
}

/**
 * The FlowNetS branch: frames 1 and T of the clip, stacked as [B, 6, H, W]
 * (frame 1's RGB first, as tfjs concatenates them), through the encoder, then
 * the mean over the spatial axes → [B, C6].
 */
function flowBranch(g: OnnxGraphBuilder, model: AlexNet2Plus1D): { output: string; channels: number } {
  const { frames, inputSize: size } = model.plan.config;
  const encoder = planFlowNetS(model.flowBranch!.config, size).encoder;
  const pair = g.op('Gather', [ONNX_INPUT_NAME, g.int64s('flow_frame_indices', [0, frames - 1])], { axis: onnxInt(1) });
  let x = g.reshape(g.transpose(pair, [0, 1, 4, 2, 3]), [-1, 6, size, size]);
  let channels = 6;
  for (const l of encoder) {
    const { kernel: k, inChannels: cin, outChannels: cout, stride: s, pad: p } = l;
    if (cin !== channels) throw new ShapeError(`ONNX export: flow layer ${l.name} takes ${cin} channels but receives ${channels}`);
    const name = `${FLOW_PREFIX}${l.name}.0`;
    const w = g.floats(`${name}.weight`, [cout, cin, k, k], permute(variableData(model.variables, `${name}.weight`, [k, k, cin, cout]), [k, k, cin, cout], [3, 2, 0, 1]));
    const b = g.floats(`${name}.bias`, [cout], variableData(model.variables, `${name}.bias`, [cout]));
    const conv = g.op('Conv', [x, w, b], { kernel_shape: onnxInts([k, k]), strides: onnxInts([s, s]), pads: onnxInts([p, p, p, p]) });
    x = g.op('LeakyRelu', [conv], { alpha: onnxFloat(FLOWNETS_LEAKY_SLOPE) });
    channels = cout;
  }
  return { output: g.op('Flatten', [g.op('GlobalAveragePool', [x])], { axis: onnxInt(1) }), channels };
}

/**
 * Writes a built network's inference graph, with `prototype` (length
 * embeddingSize) baked in for liveScore, as ONNX bytes; the FlowNetS branch
 * is included when the model has one.
 */
export function exportModelOnnx(model: AlexNet2Plus1D, prototype: ArrayLike<number>, options: OnnxExportOptions = {}): Uint8Array {
  return encodeOnnxModel(buildModelOnnx(model, prototype, options));
}

/** The inference graph `exportModelOnnx` writes, as a value (for passes such as int8 quantisation). */
export function buildModelOnnx(model: AlexNet2Plus1D, prototype: ArrayLike<number>, options: OnnxExportOptions = {}): OnnxModel {
  const { plan, variables, state } = model;
  const { frames: t, inputSize: size, temporalKernel: kt, embeddingSize } = plan.config;
  const form = options.form ?? DEFAULT_ONNX_GRAPH_FORM;
  const proto = unitPrototype(prototype, embeddingSize);
  const g = new OnnxGraphBuilder();
  const [front, back] = temporalPadAmounts('same', t, kt, 1);
  const last = plan.convs[plan.convs.length - 1]!;

  let x: string;
  if (form === '2d') {
    x = g.transpose(g.reshape(ONNX_INPUT_NAME, [-1, size, size, 3]), [0, 3, 1, 2]);
  } else {
    x = g.transpose(ONNX_INPUT_NAME, [0, 4, 1, 2, 3]);
  }
  const maxPool = (input: string, { kernel, stride }: Readonly<PoolPlan>): string =>
    form === '2d'
      ? g.op('MaxPool', [input], { kernel_shape: onnxInts([kernel, kernel]), strides: onnxInts([stride, stride]) })
      : g.op('MaxPool', [input], { kernel_shape: onnxInts([1, kernel, kernel]), strides: onnxInts([1, stride, stride]) });

  plan.convs.forEach((l, i) => {
    const before = i > 0 ? plan.convs[i - 1]!.pool : null;
    if (before) x = maxPool(x, before);
    const { kernel: k, inChannels: cin, midChannels: mid, outChannels: cout, convSize: h, pad: p, stride: s } = l;
    const spatialParams = convWeightsForInference(state, `${l.name}.spatial`, [k, k, cin, mid]);
    const temporalParams = convWeightsForInference(state, `${l.name}.temporal`, [kt, 1, mid, cout]);
    const ws = permute(spatialParams.weight, [k, k, cin, mid], [3, 2, 0, 1]);
    const bs = spatialParams.bias;
    const wt = permute(temporalParams.weight, [kt, 1, mid, cout], [3, 2, 0, 1]);
    const bt = temporalParams.bias;
    if (form === '2d') {
      const sw = g.floats(`${l.name}.spatial.weight`, [mid, cin, k, k], ws);
      const sb = g.floats(`${l.name}.spatial.bias`, [mid], bs);
      const spatial = g.op('Relu', [g.op('Conv', [x, sw, sb], { kernel_shape: onnxInts([k, k]), strides: onnxInts([s, s]), pads: onnxInts([p, p, p, p]) })]);
      // [B·T, M, h, w] → [B, M, T, h·w]: the temporal conv slides along T with a [kt, 1] kernel.
      const view = g.transpose(g.reshape(spatial, [-1, t, mid, h * h]), [0, 2, 1, 3]);
      const tw = g.floats(`${l.name}.temporal.weight`, [cout, mid, kt, 1], wt);
      const tb = g.floats(`${l.name}.temporal.bias`, [cout], bt);
      const temporal = g.op('Relu', [g.op('Conv', [view, tw, tb], { kernel_shape: onnxInts([kt, 1]), pads: onnxInts([front, 0, back, 0]) })]);
      x = g.reshape(g.transpose(temporal, [0, 2, 1, 3]), [-1, cout, h, h]);
    } else {
      const sw = g.floats(`${l.name}.spatial.weight`, [mid, cin, 1, k, k], ws);
      const sb = g.floats(`${l.name}.spatial.bias`, [mid], bs);
      const spatial = g.op('Relu', [g.op('Conv', [x, sw, sb], { kernel_shape: onnxInts([1, k, k]), strides: onnxInts([1, s, s]), pads: onnxInts([0, p, p, 0, p, p]) })]);
      const tw = g.floats(`${l.name}.temporal.weight`, [cout, mid, kt, 1, 1], wt);
      const tb = g.floats(`${l.name}.temporal.bias`, [cout], bt);
      x = g.op('Relu', [g.op('Conv', [spatial, tw, tb], { kernel_shape: onnxInts([kt, 1, 1]), pads: onnxInts([front, 0, 0, back, 0, 0]) })]);
    }
  });

  // pool5, then the mean over T; tfjs flattens the pooled map as (y, x, c), so go channels-last first.
  if (last.pool) x = maxPool(x, last.pool);
  const s5 = last.outSize;
  const c5 = last.outChannels;
  if (s5 * s5 * c5 !== plan.fcInputSize) throw new ShapeError(`ONNX export: pool5 gives ${s5}×${s5}×${c5} features but fc6 takes ${plan.fcInputSize}`);
  const mean =
    form === '2d'
      ? g.op('ReduceMean', [g.reshape(x, [-1, t, c5, s5, s5])], { axes: onnxInts([1]), keepdims: onnxInt(0) })
      : g.op('ReduceMean', [x], { axes: onnxInts([2]), keepdims: onnxInt(0) });
  x = g.op('Flatten', [g.transpose(mean, [0, 2, 3, 1])], { axis: onnxInt(1) });

  if (model.flowBranch) {
    const flow = flowBranch(g, model);
    if (flow.channels !== plan.flowFeatures) throw new ShapeError(`ONNX export: the flow encoder gives ${flow.channels} features but the plan appends ${plan.flowFeatures}`);
    x = g.op('Concat', [x, flow.output], { axis: onnxInt(1) });
  }

  plan.dense.forEach((l, i) => {
    const w = g.floats(`${l.name}.weight`, [l.inputs, l.outputs], variableData(variables, `${l.name}.weight`, [l.inputs, l.outputs]));
    const b = g.floats(`${l.name}.bias`, [l.outputs], variableData(variables, `${l.name}.bias`, [l.outputs]));
    const isLast = i === plan.dense.length - 1;
    const y = g.op('Gemm', [x, w, b], {}, isLast && !l.relu ? ONNX_OUTPUT_NAMES[0] : undefined);
    x = l.relu ? g.op('Relu', [y], {}, isLast ? ONNX_OUTPUT_NAMES[0] : undefined) : y;
  });

  // liveScore = (e / max(‖e‖, ε)) · p̂, with p̂ the unit prototype.
  const eps = g.floats('norm_epsilon', [], Float32Array.of(options.normEpsilon ?? 1e-12));
  const norm = g.op('Max', [g.op('ReduceL2', [x], { axes: onnxInts([1]), keepdims: onnxInt(1) }), eps]);
  const unit = g.op('Div', [x, norm]);
  const p = g.floats('live_prototype_unit', [embeddingSize, 1], proto);
  g.op('Reshape', [g.op('MatMul', [unit, p]), g.shape([-1])], {}, ONNX_OUTPUT_NAMES[1]);

  return {
    producerName: 'vidpad',
    producerVersion: options.producerVersion ?? '',
    docString: `AlexNet-(2+1)D inference graph (${form} form): clip [batch, ${t}, ${size}, ${size}, 3], RGB, each frame standardised to mean 0 and variance 1 → embedding [batch, ${embeddingSize}], liveScore [batch] (cosine to the live prototype; higher = more likely live)`,
    graph: {
      name: 'alexnet_2plus1d',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: ONNX_INPUT_NAME, elemType: 'float', dims: ['batch', t, size, size, 3] }],
      outputs: [
        { name: ONNX_OUTPUT_NAMES[0], elemType: 'float', dims: ['batch', embeddingSize] },
        { name: ONNX_OUTPUT_NAMES[1], elemType: 'float', dims: ['batch'] },
      ],
    },
    metadata: {
      'vidpad.architecture': 'alexnet-2plus1d',
      'vidpad.graphForm': form,
      'vidpad.frames': String(t),
      'vidpad.inputSize': String(size),
      'vidpad.embeddingSize': String(embeddingSize),
      'vidpad.norm': plan.config.norm === 'batch' ? 'batch (folded into the convolutions, running statistics)' : 'none',
      ...(options.metadata ?? {}),
    },
  };
}

/** What a clip session gives for a batch. */
export interface OnnxScores {
  /** `[batch, embeddingSize]`, row-major. */
  embedding: Float32Array;
  /** `[batch]`: cosine to the live prototype, higher = more likely live. */
  liveScore: Float32Array;
}

/** An exported model on ONNX Runtime: scores standardised clips. */
export interface ClipOnnxSession extends ClipScorer {
  readonly embeddingSize: number;
  readonly threads: number;
  /** `clips`: `batch` clips `[batch, T, H, W, 3]`, row-major, each frame standardised. */
  run(clips: Float32Array, batch: number): Promise<OnnxScores>;
}

/**
 * Opens a graph written by `exportModelOnnx` (bytes or a file path): one
 * input `clip` `[batch, T, H, W, 3]` with fixed T, H, W, outputs `embedding`
 * `[batch, D]` and `liveScore`.
 */
export async function openClipSession(source: Uint8Array | string, options: OnnxSessionOptions = {}): Promise<ClipOnnxSession> {
  const where = typeof source === 'string' ? source : 'ONNX model bytes';
  const session = await createOnnxSession(source, { input: ONNX_INPUT_NAME, outputs: ONNX_OUTPUT_NAMES }, options);
  try {
    const dims = session.itemShape;
    if (dims.length !== 4 || dims[3] !== 3) {
      throw new InputError(`${where}: input '${ONNX_INPUT_NAME}' has shape [batch, ${dims.join(', ')}], expected [batch, T, H, W, 3] with fixed T, H, W`);
    }
    const embDims = session.outputDims[ONNX_OUTPUT_NAMES[0]];
    const embeddingSize = embDims[1];
    if (embDims.length !== 2 || typeof embeddingSize !== 'number') throw new InputError(`${where}: output 'embedding' has shape [${embDims.join(', ')}], expected [batch, D]`);
    return {
      clipShape: dims as unknown as readonly [number, number, number, number],
      embeddingSize,
      threads: session.threads,
      run: (clips, batch) => session.run(clips, batch),
      dispose: () => session.dispose(),
    };
  } catch (err) {
    await session.dispose();
    throw err;
  }
}
