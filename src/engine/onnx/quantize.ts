/**
 * Static int8 quantisation of an ONNX graph, in the QDQ form ONNX Runtime
 * turns into integer kernels: every `Conv` whose weights are initializers
 * gets
 *   x (float) → QuantizeLinear → DequantizeLinear → Conv ← DequantizeLinear(W int8, per output channel)
 *                                                       ← DequantizeLinear(b int32, scale s_x·s_w)
 *   Conv → Relu → QuantizeLinear → DequantizeLinear → …
 * and ORT's graph optimiser fuses each DQ → Conv (→ Relu) → Q group into one
 * `QLinearConv` on uint8 activations and int8 weights, and runs the Reshape,
 * Transpose and MaxPool between two such groups on uint8 directly when the
 * Q after them repeats the DQ's scale and zero point, which this pass makes
 * sure of (a value reached from a quantised one through those ops alone
 * reuses its parameters). Everything else (the fully connected head, the
 * normalisation and cosine at the end) stays float32: the convolutions are
 * where the arithmetic is, and the embedding keeps its precision.
 *
 * Activations: uint8, asymmetric, scale and zero point from the range seen on
 * calibration inputs (`calibrateRanges`), widened to include 0 so that zero
 * (padding, ReLU's floor) is exact. Weights: int8, symmetric per output
 * channel, in 7 bits (±63) by default: on AVX2 without VNNI, ORT's u8×s8
 * kernels add pairs of products in int16 (VPMADDUBSW), which 255·127·2
 * overflows and 255·63·2 does not (ORT's own quantiser calls this
 * reduce_range). Bias: int32 with scale s_x·s_w, zero point 0, as ONNX's
 * QLinearConv defines it.
 *
 * Pure graph work on `OnnxModel` values, plus the calibration run on ORT.
 */
import * as ort from 'onnxruntime-node';
import { ShapeError, InputError } from '../../errors.js';
import type { OnnxInitializer, OnnxModel, OnnxNode, OnnxTensorData } from './onnx-proto.js';

/** Observed range of a value over the calibration inputs. */
export interface TensorRange {
  min: number;
  max: number;
}

export interface Int8QuantizeOptions {
  /** Magnitude of the largest weight code: 63 (7 bits, safe from int16 saturation on AVX2; default) or 127. */
  weightMax?: 63 | 127;
}

/** Affine uint8 parameters: real = scale · (q − zeroPoint). */
export interface Uint8Params {
  scale: number;
  zeroPoint: number;
}

/** Ops that only move or select values: a quantised input stays on the same grid through them. */
const GRID_PRESERVING = new Set(['Reshape', 'Transpose', 'MaxPool', 'Flatten']);

/** uint8 parameters covering `range` (widened to contain 0, so 0 is exactly representable). */
export function uint8Params(range: TensorRange): Uint8Params {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new ShapeError(`int8 quantisation: calibration range [${range.min}, ${range.max}] is not finite`);
  if (hi === lo) return { scale: 1, zeroPoint: 0 };
  // Math.fround: the scale is stored as float32, and the zero point must be worked out from the stored value.
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}

function indexModel(model: OnnxModel) {
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of model.graph.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) {
      if (!consumers.has(i)) consumers.set(i, []);
      consumers.get(i)!.push(n);
    }
  }
  const initializers = new Map(model.graph.initializers.map((i) => [i.name, i]));
  return { producer, consumers, initializers };
}

/** The Conv nodes this pass quantises: float weights (and bias) given as initializers. */
function quantisableConvs(model: OnnxModel): OnnxNode[] {
  const { initializers } = indexModel(model);
  return model.graph.nodes.filter((n) => {
    if (n.opType !== 'Conv') return false;
    const w = initializers.get(n.inputs[1] ?? '');
    const b = n.inputs[2] === undefined ? undefined : initializers.get(n.inputs[2]);
    return w?.data instanceof Float32Array && (n.inputs[2] === undefined || b?.data instanceof Float32Array);
  });
}

/**
 * Where each quantised value's parameters come from: for a Conv's input, the
 * value it is reached from through grid-preserving ops alone (a quantised
 * output upstream, or the graph's input); for its output, the Relu after it
 * when the Conv feeds only that Relu, else the Conv's own output.
 */
function quantisationPlan(model: OnnxModel) {
  const { producer, consumers } = indexModel(model);
  const outputOf = (conv: OnnxNode): string => {
    const y = conv.outputs[0]!;
    const next = consumers.get(y) ?? [];
    return next.length === 1 && next[0]!.opType === 'Relu' ? next[0]!.outputs[0]! : y;
  };
  const convs = quantisableConvs(model);
  const quantisedOutputs = new Set(convs.map(outputOf));
  const rootOf = (value: string): string => {
    let v = value;
    for (;;) {
      if (quantisedOutputs.has(v)) return v;
      const p = producer.get(v);
      if (!p || !GRID_PRESERVING.has(p.opType)) return v;
      v = p.inputs[0]!;
    }
  };
  return { convs, outputOf, rootOf, quantisedOutputs };
}

/** The values whose ranges `quantizeOnnxInt8` needs: each Conv input's root and each quantised Conv output. */
export function int8CalibrationValues(model: OnnxModel): string[] {
  const plan = quantisationPlan(model);
  const names = new Set<string>();
  for (const c of plan.convs) {
    names.add(plan.rootOf(c.inputs[0]!));
    names.add(plan.outputOf(c));
  }
  return [...names];
}

/** One batch of calibration input: `batch` items, row-major, in the graph input's shape. */
export interface CalibrationBatch {
  data: Float32Array;
  batch: number;
}

/**
 * Runs the float model on ORT over `batches` and records each named value's
 * minimum and maximum. The values are exposed as extra graph outputs for this
 * run only.
 */
export async function calibrateRanges(model: OnnxModel, values: readonly string[], batches: AsyncIterable<CalibrationBatch> | Iterable<CalibrationBatch>, options: { threads?: number } = {}): Promise<Map<string, TensorRange>> {
  const { encodeOnnxModel } = await import('./onnx-proto.js');
  const input = model.graph.inputs[0];
  if (!input || model.graph.inputs.length !== 1) throw new InputError('int8 calibration: the graph must have exactly one input');
  const extra = values.filter((v) => v !== input.name && !model.graph.outputs.some((o) => o.name === v));
  const probe: OnnxModel = {
    ...model,
    graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra.map((name) => ({ name, elemType: 'float' as const, dims: null }))] },
  };
  const session = await ort.InferenceSession.create(encodeOnnxModel(probe), {
    executionProviders: ['cpu'],
    intraOpNumThreads: options.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'basic',
  });
  const ranges = new Map<string, TensorRange>(values.map((v) => [v, { min: Infinity, max: -Infinity }]));
  const widen = (name: string, data: ArrayLike<number>) => {
    const r = ranges.get(name)!;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < r.min) r.min = v;
      if (v > r.max) r.max = v;
    }
  };
  let seen = 0;
  try {
    const itemDims = input.dims!.slice(1).map(Number);
    const perItem = itemDims.reduce((a, b) => a * b, 1);
    for await (const b of batches) {
      if (b.data.length !== b.batch * perItem) throw new ShapeError(`int8 calibration: a batch of ${b.batch} needs ${b.batch * perItem} values, got ${b.data.length}`);
      const feed = new ort.Tensor('float32', b.data, [b.batch, ...itemDims]);
      const out = await session.run({ [input.name]: feed }, extra);
      try {
        if (ranges.has(input.name)) widen(input.name, b.data);
        for (const name of extra) widen(name, out[name]!.data as Float32Array);
      } finally {
        for (const t of Object.values(out)) t.dispose();
        feed.dispose();
      }
      seen += b.batch;
    }
  } finally {
    await session.release();
  }
  if (seen === 0) throw new InputError('int8 calibration: no calibration inputs were given');
  return ranges;
}

/** Symmetric per-output-channel codes of a float Conv weight [O, ...] and their scales. */
export function quantizeWeightsPerChannel(w: Float32Array, outChannels: number, weightMax: number): { codes: Int8Array; scales: Float32Array } {
  const per = w.length / outChannels;
  if (!Number.isInteger(per)) throw new ShapeError(`int8 quantisation: ${w.length} weights do not split into ${outChannels} output channels`);
  const codes = new Int8Array(w.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let m = 0;
    for (let i = o * per; i < (o + 1) * per; i++) m = Math.max(m, Math.abs(w[i]!));
    const s = m > 0 ? Math.fround(m / weightMax) : 1;
    scales[o] = s;
    for (let i = o * per; i < (o + 1) * per; i++) codes[i] = Math.max(-weightMax, Math.min(weightMax, Math.round(w[i]! / s)));
  }
  return { codes, scales };
}

/**
 * The QDQ int8 form of `model` (see the header), given the calibrated ranges
 * of `int8CalibrationValues(model)`. The input model is not changed.
 */
export function quantizeOnnxInt8(model: OnnxModel, ranges: ReadonlyMap<string, TensorRange>, options: Int8QuantizeOptions = {}): OnnxModel {
  const weightMax = options.weightMax ?? 63;
  const { initializers } = indexModel(model);
  const plan = quantisationPlan(model);
  const added: OnnxInitializer[] = [];
  const replacedInits = new Map<string, OnnxInitializer>();
  const nodes: OnnxNode[] = [];
  const paramsOf = new Map<string, Uint8Params>();
  const params = (value: string): Uint8Params => {
    const known = paramsOf.get(value);
    if (known) return known;
    const r = ranges.get(value);
    if (!r) throw new InputError(`int8 quantisation: no calibration range for '${value}'`);
    const p = uint8Params(r);
    paramsOf.set(value, p);
    return p;
  };
  const scalar = (name: string, data: OnnxTensorData): string => {
    if (!added.some((i) => i.name === name)) added.push({ name, dims: [], data });
    return name;
  };
  const qParams = (value: string) => {
    const p = params(value);
    const tag = value.replace(/[^A-Za-z0-9_.]/g, '_');
    return [scalar(`${tag}.q_scale`, Float32Array.of(p.scale)), scalar(`${tag}.q_zero_point`, Uint8Array.of(p.zeroPoint))] as const;
  };
  let count = 0;
  // Q → DQ of `value` on `root`'s grid; returns the dequantised name.
  const qdq = (value: string, root: string): string => {
    const [s, z] = qParams(root);
    const q = `${value}.q${count}`;
    const dq = `${value}.dq${count++}`;
    nodes.push({ opType: 'QuantizeLinear', name: `quantize_${q}`, inputs: [value, s, z], outputs: [q] });
    nodes.push({ opType: 'DequantizeLinear', name: `dequantize_${dq}`, inputs: [q, s, z], outputs: [dq] });
    return dq;
  };

  const convByNode = new Set(plan.convs);
  // Consumers of each quantised output read its dequantised twin instead.
  const rename = new Map<string, string>();
  const inputDq = new Map<string, string>();
  for (const n of model.graph.nodes) {
    const inputs = n.inputs.map((i) => rename.get(i) ?? i);
    if (!convByNode.has(n)) {
      nodes.push({ ...n, inputs });
      const out = n.outputs[0]!;
      if (plan.quantisedOutputs.has(out)) rename.set(out, qdq(out, out));
      continue;
    }
    // A Conv: its input on the grid of its root, weights and bias as integer initializers.
    const x = n.inputs[0]!;
    const root = plan.rootOf(x);
    let xdq = inputDq.get(x);
    if (!xdq) {
      // Already dequantised (the root itself is a quantised output read directly): no second Q/DQ pair.
      xdq = x === root && rename.has(x) ? rename.get(x)! : qdq(inputs[0]!, root);
      inputDq.set(x, xdq);
    }
    const w = initializers.get(n.inputs[1]!)!;
    const outChannels = w.dims[0]!;
    const { codes, scales } = quantizeWeightsPerChannel(w.data as Float32Array, outChannels, weightMax);
    const wq = `${w.name}.int8`;
    added.push({ name: wq, dims: w.dims, data: codes });
    added.push({ name: `${wq}.scale`, dims: [outChannels], data: scales });
    added.push({ name: `${wq}.zero_point`, dims: [outChannels], data: new Int8Array(outChannels) });
    const wdq = `${wq}.dq`;
    nodes.push({ opType: 'DequantizeLinear', name: `dequantize_${wdq}`, inputs: [wq, `${wq}.scale`, `${wq}.zero_point`], outputs: [wdq], attributes: { axis: { kind: 'int', value: 0 } } });
    const convInputs = [xdq, wdq];
    if (n.inputs[2] !== undefined) {
      const b = initializers.get(n.inputs[2])!;
      const sx = params(root).scale;
      const bScales = Float32Array.from(scales, (sw) => sx * sw);
      const bq = `${b.name}.int32`;
      added.push({ name: bq, dims: b.dims, data: Int32Array.from(b.data as Float32Array, (v, o) => Math.round(v / bScales[o]!)) });
      added.push({ name: `${bq}.scale`, dims: [outChannels], data: bScales });
      added.push({ name: `${bq}.zero_point`, dims: [outChannels], data: new Int32Array(outChannels) });
      const bdq = `${bq}.dq`;
      nodes.push({ opType: 'DequantizeLinear', name: `dequantize_${bdq}`, inputs: [bq, `${bq}.scale`, `${bq}.zero_point`], outputs: [bdq], attributes: { axis: { kind: 'int', value: 0 } } });
      convInputs.push(bdq);
    }
    nodes.push({ ...n, inputs: convInputs });
    const out = n.outputs[0]!;
    if (plan.quantisedOutputs.has(out)) rename.set(out, qdq(out, out));
    replacedInits.set(w.name, w);
    if (n.inputs[2] !== undefined) replacedInits.set(n.inputs[2], initializers.get(n.inputs[2])!);
  }
  // Graph outputs keep their names: a renamed one is read through its dequantised twin.
  const outputs = model.graph.outputs;
  for (const o of outputs) {
    if (rename.has(o.name)) throw new InputError(`int8 quantisation: graph output '${o.name}' is a quantised Conv output; this pass keeps graph outputs float`);
  }
  const stillUsed = new Set(nodes.flatMap((n) => n.inputs));
  const kept = model.graph.initializers.filter((i) => !replacedInits.has(i.name) || stillUsed.has(i.name));
  return {
    ...model,
    graph: { ...model.graph, nodes, initializers: [...kept, ...added] },
  };
}
