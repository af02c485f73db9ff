/** Network builders. */
export {
  ALEXNET_CONV_LAYERS,
  ALEXNET_POOL,
  DEFAULT_ALEXNET_2PLUS1D_CONFIG,
  MODEL_NORMS,
  WEIGHT_INITS,
  createAlexNet2Plus1D,
  estimateCost,
  maxPoolFrames,
  planAlexNet2Plus1D,
  planVariableNames,
  resolveAlexNetConfig,
} from './alexnet-2plus1d.js';
export type { AlexNet2Plus1D, AlexNet2Plus1DConfig, AlexNet2Plus1DPlan, ConvLayerPlan, CostEstimate, DenseLayerPlan, ForwardOptions, ModelNorm, PoolPlan, WeightInit } from './alexnet-2plus1d.js';
export { DEFAULT_ONNX_GRAPH_FORM, ONNX_GRAPH_FORMS, ONNX_INPUT_NAME, ONNX_OUTPUT_NAMES, buildModelOnnx, convWeightsForInference, exportModelOnnx, openClipSession } from './alexnet-2plus1d-onnx.js';
export type { ClipOnnxSession, OnnxExportOptions, OnnxGraphForm, OnnxScores } from './alexnet-2plus1d-onnx.js';
export type { ClipScorer } from './clip-scorer.js';
export { variableFromWeights } from './initial-weights.js';
export type { CreateNetworkOptions, InitialWeights } from './initial-weights.js';
export { FRAME_STANDARDIZATION, validateBoxCalibration, validateInputContract } from './input-contract.js';
export type { BoxCalibration, ModelInputContract } from './input-contract.js';
export {
  DEFAULT_FLOWNETS_CONFIG,
  FLOWNETS_ENCODER_LAYERS,
  clipFramePair,
  createFlowNetS,
  estimateFlowNetSCost,
  flowNetSParameters,
  globalAveragePool,
  planFlowNetS,
  resolveFlowNetSConfig,
} from './flownets.js';
export type { FlowNetS, FlowNetSConfig, FlowNetSCost, FlowNetSPlan, FlowNetSParameterSpec } from './flownets.js';
export {
  FLOWNETS_METADATA,
  SCRATCH_FLOW_BRANCH,
  applyFlowNetSTensors,
  detectFlowNetSVariant,
  flowNetSToTorchTensors,
  loadFlowNetSWeights,
  saveFlowNetSWeights,
} from './flownets-weights.js';
export type { FlowBranchInfo, FlowBranchInit, FlowNetSLoadOptions, FlowNetSLoadReport, FlowNetSVariant } from './flownets-weights.js';
export { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';
export type { NamedTensorData, SafetensorsContents } from './safetensors.js';
export {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  MODEL_JSON_FILE,
  MODEL_ONNX_FILE,
  MODEL_INT8_ONNX_FILE,
  INFERENCE_PRECISIONS,
  MODEL_WEIGHTS_FILE,
  PROTOTYPE_SOURCES,
  checkWeightsFile,
  loadModelFolder,
  modelFolderFiles,
  modelWeights,
  readModelMeta,
  saveModelFolder,
  validateModelMeta,
} from './model-files.js';
export type { InferencePrecision, QuantizedExportRecord, WeightsFileCheck, WeightsFileState, LinearHeadSpec, LiveScoreSpec, LoadedModel, ModelInputSpec, ModelMeta, ModelMetaInput, PrototypeSource, SoftwareVersions, ThresholdSpec, TrainingProvenance } from './model-files.js';
export { checkModelFolder, exportModelFolderOnnx, isVidpadOnnxFile, modelOnnxStatus, openModelSession, quantizeModelFolderInt8, readInt8Export, INT8_SCHEME } from './model-onnx.js';
export type { ModelFolderCheck, ModelOnnxExport, OnnxFileStatus, OpenedModelSession, OpenModelSessionOptions, QuantizeModelFolderOptions, QuantizedModelExport } from './model-onnx.js';
