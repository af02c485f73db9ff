/** ONNX: the pure writer/reader of the format, AlexNet-(2+1)D's export, and onnxruntime sessions. */
export { exportOnnx, ONNX_INPUT_NAME, ONNX_OUTPUT_NAMES } from './export-alexnet.js';
export type { ExportableConvLayer, ExportableNetwork, OnnxExportOptions, OnnxGraphForm } from './export-alexnet.js';
export { createOnnxSession } from './session.js';
export type { OnnxScores, OnnxSession, OnnxSessionOptions } from './session.js';
export { decodeOnnxModel, encodeOnnxModel, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-proto.js';
export type { DecodedOnnxModel, OnnxAttribute, OnnxGraph, OnnxInitializer, OnnxModel, OnnxNode, OnnxValueInfo } from './onnx-proto.js';
