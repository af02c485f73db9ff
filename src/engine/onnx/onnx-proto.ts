/**
 * ONNX's protobuf messages (onnx.proto, IR version 8) as plain TypeScript
 * values, with an encoder to the wire format and a decoder of the parts vidpad
 * reads back (graph structure, initializer shapes, metadata). Pure: no
 * tensor library, no onnxruntime.
 *
 * Field numbers used (from onnx.proto):
 * ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6,
 *   graph 7, opset_import 8, metadata_props 14.
 * OperatorSetIdProto: domain 1, version 2. StringStringEntryProto: key 1, value 2.
 * GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12.
 * NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
 * AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7).
 * TensorProto: dims 1, data_type 2 (FLOAT 1, UINT8 2, INT8 3, INT32 6, INT64 7), name 8, raw_data 9.
 * ValueInfoProto: name 1, type 2. TypeProto: tensor_type 1.
 * TypeProto.Tensor: elem_type 1, shape 2. TensorShapeProto: dim 1.
 * Dimension: dim_value 1, dim_param 2.
 */
import os from 'node:os';
import { InputError } from '../../errors.js';
import { ProtoWriter, readPackedVarints, readProtoFields } from './protobuf.js';
import type { ProtoField } from './protobuf.js';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

const DTYPE_FLOAT = 1;
const DTYPE_UINT8 = 2;
const DTYPE_INT8 = 3;
const DTYPE_INT32 = 6;
const DTYPE_INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

export type OnnxElemType = 'float' | 'int64';

/** Initializer values, row-major: float32, int64 (shapes), and the int8/uint8/int32 of quantised graphs. */
export type OnnxTensorData = Float32Array | BigInt64Array | Int8Array | Uint8Array | Int32Array;

export interface OnnxInitializer {
  name: string;
  dims: readonly number[];
  data: OnnxTensorData;
}

function dataTypeOf(data: OnnxTensorData): number {
  if (data instanceof Float32Array) return DTYPE_FLOAT;
  if (data instanceof BigInt64Array) return DTYPE_INT64;
  if (data instanceof Int8Array) return DTYPE_INT8;
  if (data instanceof Uint8Array) return DTYPE_UINT8;
  return DTYPE_INT32;
}

export type OnnxAttribute =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxElemType;
  /** A number for a fixed size, a string for a named dynamic one (e.g. 'batch'); null leaves the shape unstated (an intermediate value exposed as an output). */
  dims: ReadonlyArray<number | string> | null;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxInitializer[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: OnnxGraph;
  metadata?: Readonly<Record<string, string>>;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

function littleEndianBytes(data: OnnxTensorData): Uint8Array {
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
  else (data as BigInt64Array).forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}

function encodeTensor(t: OnnxInitializer): ProtoWriter {
  const count = t.dims.reduce((n, d) => n * d, 1);
  if (count !== t.data.length) throw new InputError(`ONNX initializer '${t.name}': dims [${t.dims.join(', ')}] hold ${count} values but ${t.data.length} were given`);
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedInts(1, t.dims);
  w.int(2, dataTypeOf(t.data));
  w.string(8, t.name);
  w.bytes(9, littleEndianBytes(t.data));
  return w;
}

function encodeAttribute(name: string, a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'int':
      return w.int(3, a.value).int(20, ATTR_INT);
    case 'ints':
      return w.packedInts(8, a.value).int(20, ATTR_INTS);
    case 'float':
      return w.float(2, a.value).int(20, ATTR_FLOAT);
    case 'string':
      return w.string(4, a.value).int(20, ATTR_STRING);
  }
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes ?? {})) w.message(5, encodeAttribute(name, a));
  return w;
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const tensorType = new ProtoWriter().int(1, v.elemType === 'float' ? DTYPE_FLOAT : DTYPE_INT64);
  if (v.dims !== null) {
    const shape = new ProtoWriter();
    for (const d of v.dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
    tensorType.message(2, shape);
  }
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Serialises a model to ONNX protobuf bytes (IR version 8, default-domain opset 17). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const g = model.graph;
  const graph = new ProtoWriter();
  for (const n of g.nodes) graph.message(1, encodeNode(n));
  graph.string(2, g.name);
  for (const t of g.initializers) graph.message(5, encodeTensor(t));
  if (g.docString) graph.string(10, g.docString);
  for (const v of g.inputs) graph.message(11, encodeValueInfo(v));
  for (const v of g.outputs) graph.message(12, encodeValueInfo(v));

  const w = new ProtoWriter().int(1, ONNX_IR_VERSION).string(2, model.producerName).string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, graph);
  w.message(8, new ProtoWriter().string(1, '').int(2, ONNX_OPSET));
  for (const [key, value] of Object.entries(model.metadata ?? {})) w.message(14, new ProtoWriter().string(1, key).string(2, value));
  return w.finish();
}

// ---------------------------------------------------------------- decoding

/** What `decodeOnnxModel` recovers: enough to inspect a file, not to run it. */
export interface DecodedOnnxModel {
  irVersion: number;
  opsets: Array<{ domain: string; version: number }>;
  producerName: string;
  producerVersion: string;
  metadata: Record<string, string>;
  graph: {
    name: string;
    nodes: Array<{ opType: string; name: string; inputs: string[]; outputs: string[]; attributes: Record<string, number | number[] | string> }>;
    initializers: Array<{ name: string; dims: number[]; elemType: number; byteLength: number }>;
    inputs: Array<{ name: string; elemType: number; dims: Array<number | string> }>;
    outputs: Array<{ name: string; elemType: number; dims: Array<number | string> }>;
  };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function lenFields(fields: ProtoField[], n: number): Uint8Array[] {
  return fields.filter((f) => f.field === n && f.wire === 2).map((f) => f.value as Uint8Array);
}

function firstInt(fields: ProtoField[], n: number): number | undefined {
  const f = fields.find((x) => x.field === n && x.wire === 0);
  return f ? Number(f.value as bigint) : undefined;
}

function firstString(fields: ProtoField[], n: number): string {
  const b = lenFields(fields, n)[0];
  return b ? text(b) : '';
}

/** Repeated int64 fields may come packed (one length-delimited field) or one varint each. */
function repeatedInts(fields: ProtoField[], n: number, what: string): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== n) continue;
    if (f.wire === 0) out.push(Number(BigInt.asIntN(64, f.value)));
    else if (f.wire === 2) out.push(...readPackedVarints(f.value, what).map(Number));
  }
  return out;
}

function decodeValueInfo(bytes: Uint8Array) {
  const f = readProtoFields(bytes, 'ONNX ValueInfoProto');
  const type = lenFields(f, 2)[0];
  const tensor = type ? lenFields(readProtoFields(type, 'ONNX TypeProto'), 1)[0] : undefined;
  const tf = tensor ? readProtoFields(tensor, 'ONNX TypeProto.Tensor') : [];
  const shape = lenFields(tf, 2)[0];
  const dims = shape
    ? lenFields(readProtoFields(shape, 'ONNX TensorShapeProto'), 1).map((d) => {
        const df = readProtoFields(d, 'ONNX Dimension');
        return firstInt(df, 1) ?? firstString(df, 2);
      })
    : [];
  return { name: firstString(f, 1), elemType: firstInt(tf, 1) ?? 0, dims };
}

function decodeAttribute(bytes: Uint8Array): [string, number | number[] | string] {
  const f = readProtoFields(bytes, 'ONNX AttributeProto');
  const type = firstInt(f, 20);
  const name = firstString(f, 1);
  if (type === ATTR_INT) return [name, Number(BigInt.asIntN(64, BigInt(firstInt(f, 3) ?? 0)))];
  if (type === ATTR_INTS) return [name, repeatedInts(f, 8, `ONNX attribute ${name}`)];
  if (type === ATTR_FLOAT) {
    const b = f.find((x) => x.field === 2 && x.wire === 5)?.value as Uint8Array | undefined;
    return [name, b ? new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true) : 0];
  }
  if (type === ATTR_STRING) return [name, firstString(f, 4)];
  return [name, `<attribute type ${String(type)}>`];
}

/** Decodes an ONNX file's structure and metadata; `source` names it in errors. */
export function decodeOnnxModel(bytes: Uint8Array, source = 'ONNX model'): DecodedOnnxModel {
  const m = readProtoFields(bytes, source);
  const graphBytes = lenFields(m, 7)[0];
  if (firstInt(m, 1) === undefined || graphBytes === undefined) throw new InputError(`${source}: not an ONNX model (no ir_version or graph)`);
  const g = readProtoFields(graphBytes, `${source} graph`);
  const metadata: Record<string, string> = {};
  for (const e of lenFields(m, 14)) {
    const f = readProtoFields(e, `${source} metadata`);
    metadata[firstString(f, 1)] = firstString(f, 2);
  }
  return {
    irVersion: firstInt(m, 1)!,
    opsets: lenFields(m, 8).map((b) => {
      const f = readProtoFields(b, `${source} opset_import`);
      return { domain: firstString(f, 1), version: firstInt(f, 2) ?? 0 };
    }),
    producerName: firstString(m, 2),
    producerVersion: firstString(m, 3),
    metadata,
    graph: {
      name: firstString(g, 2),
      nodes: lenFields(g, 1).map((b) => {
        const f = readProtoFields(b, `${source} node`);
        return {
          opType: firstString(f, 4),
          name: firstString(f, 3),
          inputs: lenFields(f, 1).map(text),
          outputs: lenFields(f, 2).map(text),
          attributes: Object.fromEntries(lenFields(f, 5).map(decodeAttribute)),
        };
      }),
      initializers: lenFields(g, 5).map((b) => {
        const f = readProtoFields(b, `${source} initializer`);
        return { name: firstString(f, 8), dims: repeatedInts(f, 1, `${source} initializer dims`), elemType: firstInt(f, 2) ?? 0, byteLength: lenFields(f, 9)[0]?.length ?? 0 };
      }),
      inputs: lenFields(g, 11).map(decodeValueInfo),
      outputs: lenFields(g, 12).map(decodeValueInfo),
    },
  };
}
