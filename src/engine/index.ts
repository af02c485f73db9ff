/** The compute engine: backends, the (2+1)D op, vidpad's own kernels. */
export { tf } from './tf.js';
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Tensor5D, Variable } from './tf.js';
export { BACKEND_NAMES, DEFAULT_BACKEND_REQUEST, ensureBackend, initBackend, probeBackends, wasmBinaryDir } from './backends.js';
export type { ActiveBackend, BackendName, BackendOptions, BackendProbe, BackendRequest } from './backends.js';
export { conv2plus1d, spatialConv, temporalConv, midChannels, temporalPadAmounts } from './conv2plus1d.js';
export type { Conv2Plus1DSpec, SpatialConvSpec, SpatialPadding, TemporalConvSpec, TemporalPadding } from './conv2plus1d.js';
export { batchNormInference, batchNormTrain, updateRunningStats, BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from './batch-norm.js';
export type { BatchNormOptions, BatchNormTrainResult, NormActivation, RunningStats } from './batch-norm.js';
export { checkBackend, maxRelativeError } from './check.js';
export { PRECISIONS, PRECISION_REQUESTS, DEFAULT_PRECISION_REQUEST, detectCpuFeatures, describeCpu, checkPrecisionRequest, resolvePrecision, bf16Refusal, roundToBf16 } from './precision.js';
export type { Precision, PrecisionRequest, CpuFeatures, CpuReport } from './precision.js';
export type { BackendCheck } from './check.js';
export * from './onnx/index.js';
