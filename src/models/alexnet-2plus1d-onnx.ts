/**
 * AlexNet-(2+1)D's inference graph as a standard ONNX model (IR 8, opset 17):
 * input `clip` float32 `[batch, T, H, W, 3]` (the tfjs layout, batch dynamic)
 * → `embedding [batch, D]` and `liveScore [batch]`, the cosine similarity to
 * the stored live prototype, computed in the graph.
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
 * The engine does not import `models/`: the exporter takes any network with
 * this plan and variable naming (AlexNet2Plus1D satisfies it structurally;
 * `exportModelOnnx` in models adds the flow encoder's plan).
 */
import type { Variable } from '../tf.js';
import { temporalPadAmounts } from '../conv2plus1d.js';
import { InputError, ShapeError } from '../../errors.js';
import { encodeOnnxModel } from './onnx-proto.js';
import type { OnnxAttribute, OnnxInitializer, OnnxNode } from './onnx-proto.js';

/** The parts of a conv layer's plan that the graph needs. */
export interface ExportableConvLayer {
  name: string;
  kernel: number;
  stride: number;
  pad: number;
  inChannels: number;
  midChannels: number;
  outChannels: number;
  convSize: number;
  outSize: number;
  poolAfter: boolean;
}

/** One conv of the FlowNetS encoder: symmetric `pad`, then LeakyReLU. */
export interface ExportableFlowLayer {
  name: string;
  kernel: number;
  stride: number;
  pad: number;
  inChannels: number;
  outChannels: number;
}

export interface ExportableNetwork {
  plan: {
    config: { frames: number; inputSize: number; temporalKernel: number; embeddingSize: number; flowBranch?: boolean };
    convs: readonly ExportableConvLayer[];
    fcInputSize: number;
    /** Flow-branch features appended to fc6's input (0 or absent without the branch). */
    flowFeatures?: number;
    fcWidth: number;
  };
  /** `<conv>.spatial.weight|bias`, `<conv>.temporal.weight|bias`, `fc6|fc7|embed.weight|bias`, `<prefix><layer>.0.weight|bias`. */
  variables: ReadonlyMap<string, Variable>;
  /** The FlowNetS encoder, required when `plan.config.flowBranch`. */
  flow?: { encoder: readonly ExportableFlowLayer[]; leakySlope: number; variablePrefix: string };
}

export type OnnxGraphForm = '2d' | '3d';

export interface OnnxExportOptions {
  form?: OnnxGraphForm;
  /** Stored in the model's metadata_props (e.g. the weights' SHA-256). */
  metadata?: Record<string, string>;
  producerVersion?: string;
  /** Lower bound on the embedding's norm in the cosine, so a zero embedding scores 0 instead of NaN. */
  normEpsilon?: number;
}

/** The pooling of the architecture: max 3×3, stride 2, valid, after conv1, conv2 and conv5. */
const POOL_KERNEL = 3;
const POOL_STRIDE = 2;

export const ONNX_INPUT_NAME = 'clip';
export const ONNX_OUTPUT_NAMES = ['embedding', 'liveScore'] as const;

/** Row-major permutation of a tensor's data: out axis i is input axis perm[i]. */
function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const stridesByOut = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += index[i]! * stridesByOut[i]!;
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

const ints = (value: readonly number[]): OnnxAttribute => ({ kind: 'ints', value });
const int = (value: number): OnnxAttribute => ({ kind: 'int', value });

/** Collects nodes and initializers, naming intermediate values uniquely. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private count = 0;

  op(opType: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}, output?: string): string {
    const name = `${opType.toLowerCase()}_${this.count++}`;
    const out = output ?? name;
    this.nodes.push({ opType, name, inputs, outputs: [out], attributes });
    return out;
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** Shape operands are int64 initializers (opset ≥ 5 takes them as inputs). */
  shape(values: number[]): string {
    const name = `shape_${values.map((v) => (v < 0 ? 'n' : String(v))).join('x')}`;
    if (!this.initializers.some((i) => i.name === name)) this.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  reshape(x: string, dims: number[]): string {
    return this.op('Reshape', [x, this.shape(dims)]);
  }

  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm: ints(perm) });
  }
}

function variableData(network: ExportableNetwork, name: string, shape: readonly number[]): Float32Array {
  const v = network.variables.get(name);
  if (!v) throw new ShapeError(`ONNX export: the network has no variable '${name}'`);
  if (v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`ONNX export: variable '${name}' has shape [${v.shape.join(', ')}], expected [${shape.join(', ')}] from the plan`);
  }
  return Float32Array.from(v.dataSync() as Float32Array);
}

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
 * The FlowNetS branch: frames 1 and T of the clip, stacked as [B, 6, H, W]
 * (frame 1's RGB first, as tfjs concatenates them), through the encoder, then
 * the mean over the spatial axes → [B, C6].
 */
function flowBranch(g: GraphBuilder, network: ExportableNetwork, frames: number, size: number): { output: string; channels: number } {
  const { encoder, leakySlope, variablePrefix } = network.flow!;
  const indices = `flow_frame_indices`;
  g.initializers.push({ name: indices, dims: [2], data: BigInt64Array.of(0n, BigInt(frames - 1)) });
  const pair = g.op('Gather', [ONNX_INPUT_NAME, indices], { axis: int(1) });
  let x = g.reshape(g.transpose(pair, [0, 1, 4, 2, 3]), [-1, 6, size, size]);
  let channels = 6;
  for (const l of encoder) {
    const { kernel: k, inChannels: cin, outChannels: cout, stride: s, pad: p } = l;
    if (cin !== channels) throw new ShapeError(`ONNX export: flow layer ${l.name} takes ${cin} channels but receives ${channels}`);
    const name = `${variablePrefix}${l.name}.0`;
    const w = g.floats(`${name}.weight`, [cout, cin, k, k], permute(variableData(network, `${name}.weight`, [k, k, cin, cout]), [k, k, cin, cout], [3, 2, 0, 1]));
    const b = g.floats(`${name}.bias`, [cout], variableData(network, `${name}.bias`, [cout]));
    const conv = g.op('Conv', [x, w, b], { kernel_shape: ints([k, k]), strides: ints([s, s]), pads: ints([p, p, p, p]) });
    x = g.op('LeakyRelu', [conv], { alpha: { kind: 'float', value: leakySlope } });
    channels = cout;
  }
  return { output: g.op('Flatten', [g.op('GlobalAveragePool', [x])], { axis: int(1) }), channels };
}

/**
 * Writes the network's inference graph, with `prototype` (length
 * embeddingSize) baked in for liveScore, as ONNX bytes.
 */
export function exportOnnx(network: ExportableNetwork, prototype: ArrayLike<number>, options: OnnxExportOptions = {}): Uint8Array {
  const { plan } = network;
  if (plan.config.flowBranch && !network.flow) {
    throw new InputError('ONNX export: the model has the FlowNetS branch but no encoder plan was given; export it with exportModelOnnx (models) or pass network.flow');
  }
  const { frames: t, inputSize: size, temporalKernel: kt, embeddingSize } = plan.config;
  const form = options.form ?? '2d';
  const proto = unitPrototype(prototype, embeddingSize);
  const g = new GraphBuilder();
  const [front, back] = temporalPadAmounts('same', t, kt, 1);
  const last = plan.convs[plan.convs.length - 1]!;

  let x: string;
  if (form === '2d') {
    x = g.transpose(g.reshape(ONNX_INPUT_NAME, [-1, size, size, 3]), [0, 3, 1, 2]);
  } else {
    x = g.transpose(ONNX_INPUT_NAME, [0, 4, 1, 2, 3]);
  }
  const pool = (input: string): string =>
    form === '2d'
      ? g.op('MaxPool', [input], { kernel_shape: ints([POOL_KERNEL, POOL_KERNEL]), strides: ints([POOL_STRIDE, POOL_STRIDE]) })
      : g.op('MaxPool', [input], { kernel_shape: ints([1, POOL_KERNEL, POOL_KERNEL]), strides: ints([1, POOL_STRIDE, POOL_STRIDE]) });

  plan.convs.forEach((l, i) => {
    if (i > 0 && plan.convs[i - 1]!.poolAfter) x = pool(x);
    const { kernel: k, inChannels: cin, midChannels: mid, outChannels: cout, convSize: h, pad: p, stride: s } = l;
    const ws = permute(variableData(network, `${l.name}.spatial.weight`, [k, k, cin, mid]), [k, k, cin, mid], [3, 2, 0, 1]);
    const bs = variableData(network, `${l.name}.spatial.bias`, [mid]);
    const wt = permute(variableData(network, `${l.name}.temporal.weight`, [kt, 1, mid, cout]), [kt, 1, mid, cout], [3, 2, 0, 1]);
    const bt = variableData(network, `${l.name}.temporal.bias`, [cout]);
    if (form === '2d') {
      const sw = g.floats(`${l.name}.spatial.weight`, [mid, cin, k, k], ws);
      const sb = g.floats(`${l.name}.spatial.bias`, [mid], bs);
      const spatial = g.op('Relu', [g.op('Conv', [x, sw, sb], { kernel_shape: ints([k, k]), strides: ints([s, s]), pads: ints([p, p, p, p]) })]);
      // [B·T, M, h, w] → [B, M, T, h·w]: the temporal conv slides along T with a [kt, 1] kernel.
      const view = g.transpose(g.reshape(spatial, [-1, t, mid, h * h]), [0, 2, 1, 3]);
      const tw = g.floats(`${l.name}.temporal.weight`, [cout, mid, kt, 1], wt);
      const tb = g.floats(`${l.name}.temporal.bias`, [cout], bt);
      const temporal = g.op('Relu', [g.op('Conv', [view, tw, tb], { kernel_shape: ints([kt, 1]), pads: ints([front, 0, back, 0]) })]);
      x = g.reshape(g.transpose(temporal, [0, 2, 1, 3]), [-1, cout, h, h]);
    } else {
      const sw = g.floats(`${l.name}.spatial.weight`, [mid, cin, 1, k, k], ws);
      const sb = g.floats(`${l.name}.spatial.bias`, [mid], bs);
      const spatial = g.op('Relu', [g.op('Conv', [x, sw, sb], { kernel_shape: ints([1, k, k]), strides: ints([1, s, s]), pads: ints([0, p, p, 0, p, p]) })]);
      const tw = g.floats(`${l.name}.temporal.weight`, [cout, mid, kt, 1, 1], wt);
      const tb = g.floats(`${l.name}.temporal.bias`, [cout], bt);
      x = g.op('Relu', [g.op('Conv', [spatial, tw, tb], { kernel_shape: ints([kt, 1, 1]), pads: ints([front, 0, 0, back, 0, 0]) })]);
    }
  });

  // pool5, then the mean over T; tfjs flattens the pooled map as (y, x, c), so go channels-last first.
  x = pool(x);
  const s5 = last.outSize;
  const c5 = last.outChannels;
  if (s5 * s5 * c5 !== plan.fcInputSize) throw new ShapeError(`ONNX export: pool5 gives ${s5}×${s5}×${c5} features but fc6 takes ${plan.fcInputSize}`);
  const mean =
    form === '2d'
      ? g.op('ReduceMean', [g.reshape(x, [-1, t, c5, s5, s5])], { axes: ints([1]), keepdims: int(0) })
      : g.op('ReduceMean', [x], { axes: ints([2]), keepdims: int(0) });
  x = g.op('Flatten', [g.transpose(mean, [0, 2, 3, 1])], { axis: int(1) });

  const flowFeatures = plan.config.flowBranch && network.flow ? flowBranch(g, network, t, size) : null;
  if (flowFeatures) {
    if (flowFeatures.channels !== (plan.flowFeatures ?? 0)) throw new ShapeError(`ONNX export: the flow encoder gives ${flowFeatures.channels} features but the plan appends ${plan.flowFeatures ?? 0}`);
    x = g.op('Concat', [x, flowFeatures.output], { axis: int(1) });
  }

  const dense: Array<[string, number, number, boolean]> = [
    ['fc6', plan.fcInputSize + (flowFeatures ? flowFeatures.channels : 0), plan.fcWidth, true],
    ['fc7', plan.fcWidth, plan.fcWidth, true],
    ['embed', plan.fcWidth, embeddingSize, false],
  ];
  for (const [name, input, output, relu] of dense) {
    const w = g.floats(`${name}.weight`, [input, output], variableData(network, `${name}.weight`, [input, output]));
    const b = g.floats(`${name}.bias`, [output], variableData(network, `${name}.bias`, [output]));
    const y = g.op('Gemm', [x, w, b], {}, relu ? undefined : ONNX_OUTPUT_NAMES[0]);
    x = relu ? g.op('Relu', [y]) : y;
  }

  // liveScore = (e / max(‖e‖, ε)) · p̂, with p̂ the unit prototype.
  const eps = g.floats('norm_epsilon', [], Float32Array.of(options.normEpsilon ?? 1e-12));
  const norm = g.op('Max', [g.op('ReduceL2', [x], { axes: ints([1]), keepdims: int(1) }), eps]);
  const unit = g.op('Div', [x, norm]);
  const p = g.floats('live_prototype_unit', [embeddingSize, 1], proto);
  g.op('Reshape', [g.op('MatMul', [unit, p]), g.shape([-1])], {}, ONNX_OUTPUT_NAMES[1]);

  return encodeOnnxModel({
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
      ...(options.metadata ?? {}),
    },
  });
}
