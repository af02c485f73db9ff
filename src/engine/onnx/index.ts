/** ONNX: the pure writer/reader of the format, a graph builder for exporters, and onnxruntime sessions. None of it knows a model. */
export { OnnxGraphBuilder, onnxFloat, onnxInt, onnxInts, permute, variableData } from './graph-builder.js';
export { createOnnxSession } from './session.js';
export type { OnnxIoNames, OnnxSession, OnnxSessionOptions } from './session.js';
export { decodeOnnxModel, encodeOnnxModel, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-proto.js';
export type { DecodedOnnxModel, OnnxAttribute, OnnxGraph, OnnxInitializer, OnnxModel, OnnxNode, OnnxTensorData, OnnxValueInfo } from './onnx-proto.js';
export { calibrateRanges, int8CalibrationValues, quantizeOnnxInt8, quantizeWeightsPerChannel, uint8Params } from './quantize.js';
export type { CalibrationBatch, Int8QuantizeOptions, TensorRange, Uint8Params } from './quantize.js';
