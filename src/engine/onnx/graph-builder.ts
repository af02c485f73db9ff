/**
 * A small builder for ONNX graphs, for any network: nodes with uniquely
 * named outputs, float32 initializers, int64 shape operands, and the
 * reshape/transpose helpers every exporter needs, plus the layout work of
 * moving tfjs weights (channels-last, HWIO) into ONNX's channels-first world.
 * It knows no model; an exporter next to its model composes the graph, then
 * `encodeOnnxModel` writes it.
 */
import type { Variable } from '../tf.js';
import { ShapeError } from '../../errors.js';
import type { OnnxAttribute, OnnxInitializer, OnnxNode } from './onnx-proto.js';

/** Row-major permutation of a tensor's data: out axis i is input axis perm[i]. */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
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

export const onnxInts = (value: readonly number[]): OnnxAttribute => ({ kind: 'ints', value });
export const onnxInt = (value: number): OnnxAttribute => ({ kind: 'int', value });
export const onnxFloat = (value: number): OnnxAttribute => ({ kind: 'float', value });

/** Collects nodes and initializers, naming intermediate values uniquely. */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private count = 0;

  /** Adds a node; its output is `output` when given (a graph output), else a fresh name. */
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

  int64s(name: string, values: readonly (number | bigint)[]): string {
    this.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    return name;
  }

  /** Shape operands are int64 initializers (opset ≥ 5 takes them as inputs), shared between nodes. */
  shape(values: number[]): string {
    const name = `shape_${values.map((v) => (v < 0 ? 'n' : String(v))).join('x')}`;
    if (!this.initializers.some((i) => i.name === name)) this.int64s(name, values);
    return name;
  }

  reshape(x: string, dims: number[]): string {
    return this.op('Reshape', [x, this.shape(dims)]);
  }

  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm: onnxInts(perm) });
  }
}

/**
 * A variable's values, checked against the shape the exporter expects
 * (`what` names the export in errors).
 */
export function variableData(variables: ReadonlyMap<string, Variable>, name: string, shape: readonly number[], what = 'ONNX export'): Float32Array {
  const v = variables.get(name);
  if (!v) throw new ShapeError(`${what}: the network has no variable '${name}'`);
  if (v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${what}: variable '${name}' has shape [${v.shape.join(', ')}], expected [${shape.join(', ')}] from the plan`);
  }
  return Float32Array.from(v.dataSync() as Float32Array);
}
