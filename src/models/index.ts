/** Network builders. */
export {
  ALEXNET_CONV_LAYERS,
  DEFAULT_ALEXNET_2PLUS1D_CONFIG,
  createAlexNet2Plus1D,
  estimateCost,
  maxPoolFrames,
  planAlexNet2Plus1D,
  resolveAlexNetConfig,
} from './alexnet-2plus1d.js';
export type { AlexNet2Plus1D, AlexNet2Plus1DConfig, AlexNet2Plus1DPlan, ConvLayerPlan, CostEstimate, ForwardOptions } from './alexnet-2plus1d.js';
export { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';
export type { NamedTensorData, SafetensorsContents } from './safetensors.js';
export { writeFileAtomic } from './atomic-write.js';
export {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  MODEL_JSON_FILE,
  MODEL_ONNX_FILE,
  MODEL_WEIGHTS_FILE,
  PROTOTYPE_SOURCES,
  loadModelFolder,
  modelFolderFiles,
  modelWeights,
  readModelMeta,
  saveModelFolder,
  validateModelMeta,
} from './model-files.js';
export type { LiveScoreSpec, LoadedModel, ModelInputSpec, ModelMeta, ModelMetaInput, PrototypeSource, SoftwareVersions, ThresholdSpec, TrainingProvenance } from './model-files.js';
export { exportModelFolderOnnx, modelOnnxStatus, openModelSession } from './model-onnx.js';
export type { ModelOnnxExport, OnnxFileStatus } from './model-onnx.js';
