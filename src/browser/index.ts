/**
 * vidpad's browser build (`vidpad/browser`): the liveness check on a page.
 * `createLivenessSession({ model, video })` with typed events, `openCamera`,
 * `loadWebModel`; no Node imports anywhere below this file.
 */
export { createLivenessSession } from './liveness-session.js';
export type { LivenessSession, LivenessSessionOptions } from './liveness-session.js';
export { createLivenessPipeline, DEFAULT_LIVENESS_SESSION_CONFIG, resolveLivenessConfig } from './pipeline.js';
export type {
  ClipEvent,
  DecisionEvent,
  ErrorEvent,
  FaceEvent,
  LivenessInfo,
  LivenessPipeline,
  LivenessPipelineOptions,
  LivenessSessionConfig,
  LivenessSessionEvents,
  ScoreEvent,
  StatsEvent,
} from './pipeline.js';
export { cameraErrorFrom, openCamera } from './camera.js';
export type { OpenCameraOptions } from './camera.js';
export { loadWebModel, parseWebModelJson, WEB_MODEL_FORMAT_VERSION, WEB_MODEL_INT8_FILE, WEB_MODEL_PRECISIONS } from './web-model.js';
export type { LoadWebModelOptions, WebInt8Record, WebModel, WebModelPrecision } from './web-model.js';
export { createFrameGrabber, decodeSize, rgbaToRgb } from './frame-grab.js';
export { BROWSER_TF_BACKENDS } from '../engine/browser-backend.js';
export type { BrowserTfBackend } from '../engine/browser-backend.js';
export { WEB_ONNX_PROVIDERS, webGpuAvailable } from '../engine/onnx/web-session.js';
export type { WebOnnxProvider } from '../engine/onnx/web-session.js';
export { CameraError, ConfigError, InputError, BackendError, VidpadError } from '../errors.js';
export type { CameraErrorReason } from '../errors.js';
export type { BoxPx } from '../face/box.js';
export type { RgbFrame } from '../face/types.js';
export type { LivenessDecision } from '../predict/result.js';
