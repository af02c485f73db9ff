/**
 * Choosing a face detector by name: the registry of detectors, which ones can
 * run on this machine, and the factory that validates the config once.
 */
import {
  DEFAULT_FACE_DETECTOR_CONFIG,
  FACE_DETECTOR_NAMES,
  type FaceDetector,
  type FaceDetectorConfig,
  type FaceDetectorName,
  type FaceDetectorProbe,
  type FaceDetectorRequest,
} from './types.js';
import { createDlibDetector, probeDlib } from './dlib.js';
import { createBlazefaceDetector, probeBlazeface } from './blazeface-model.node.js';
import { BackendError, ConfigError } from '../errors.js';
import { availableNames, describeProbes } from '../probes.js';

/** Every detector with whether it can run here, in the order `auto` prefers them. */
export function listFaceDetectors(modelPath: string | null = null): FaceDetectorProbe[] {
  return [probeDlib(), probeBlazeface(modelPath)];
}

/** Merges `config` over the defaults and validates every field; errors name it (`faces.upsample`, ...). */
export function resolveFaceDetectorConfig(config: Partial<FaceDetectorConfig> = {}): Readonly<FaceDetectorConfig> {
  const c: FaceDetectorConfig = { ...DEFAULT_FACE_DETECTOR_CONFIG, ...config };
  const valid = ['auto', ...FACE_DETECTOR_NAMES];
  if (typeof c.detector !== 'string' || !valid.includes(c.detector)) {
    throw new ConfigError(
      'faces.detector',
      `unknown face detector '${String(c.detector)}': valid names are ${valid.join(', ')}; available on this machine: ${availableNames(listFaceDetectors(c.modelPath ?? null))}`,
    );
  }
  const int = (name: keyof FaceDetectorConfig, v: unknown, lo: number, hi: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(`faces.${name}`, `expected an integer in ${lo}..${hi}, got ${String(v)}`);
  };
  int('maxWidthPx', c.maxWidthPx, 64, 8192);
  int('upsample', c.upsample, 0, 4);
  int('maxFaces', c.maxFaces, 1, 1000);
  if (c.minScore !== null && (typeof c.minScore !== 'number' || !Number.isFinite(c.minScore))) {
    throw new ConfigError('faces.minScore', `expected a number or null (the detector's default), got ${String(c.minScore)}`);
  }
  if (typeof c.iouThreshold !== 'number' || !(c.iouThreshold >= 0 && c.iouThreshold <= 1)) {
    throw new ConfigError('faces.iouThreshold', `expected a number in 0..1, got ${String(c.iouThreshold)}`);
  }
  if (typeof c.calibrate !== 'boolean') throw new ConfigError('faces.calibrate', `expected true or false, got ${String(c.calibrate)}`);
  if (c.modelPath !== null && typeof c.modelPath !== 'string') throw new ConfigError('faces.modelPath', `expected a file path or null, got ${String(c.modelPath)}`);
  if (c.backend !== null && typeof c.backend !== 'string') throw new ConfigError('faces.backend', `expected a backend name (auto, tensorflow, native, wasm, cpu) or null, got ${String(c.backend)}`);
  return Object.freeze(c);
}

/**
 * Builds the detector named by `config.detector` (`auto`: dlib-hog where its
 * addon is built, else blazeface). Throws ConfigError for an unknown name and
 * BackendError for one that cannot run here, both listing what is available.
 * blazeface runs on `config.backend`, else on the fastest backend for it
 * (BLAZEFACE_BACKENDS; the current one when it is already one of them),
 * never on tfjs's slow default by accident.
 */
export async function createFaceDetector(config: Partial<FaceDetectorConfig> = {}): Promise<FaceDetector> {
  const c = resolveFaceDetectorConfig(config);
  return resolveFaceDetectorName(c.detector, c.modelPath) === 'dlib-hog' ? createDlibDetector(c) : createBlazefaceDetector(c);
}

/**
 * The detector a request stands for on this machine: `auto` is the first
 * available in `listFaceDetectors` order (dlib-hog, the paper's, where its
 * addon is built; else blazeface); a name must be available. The one
 * resolution of `auto`, for the factory, preprocessing (whose cache key
 * records it) and the CLI (which readies a tfjs backend for blazeface).
 * Throws BackendError listing what is available and what to install.
 */
export function resolveFaceDetectorName(request: FaceDetectorRequest, modelPath: string | null = null): FaceDetectorName {
  const probes = listFaceDetectors(modelPath);
  if (request === 'auto') {
    const first = probes.find((p) => p.available);
    if (!first) throw new BackendError(`no face detector can run on this machine:\n${describeProbes(probes)}`);
    return first.name;
  }
  const probe = probes.find((p) => p.name === request);
  if (!probe?.available) {
    throw new BackendError(
      `face detector '${request}' is not available on this machine (${probe?.reason ?? 'unknown'}); available: ${availableNames(probes)}\n${describeProbes(probes)}`,
    );
  }
  return request;
}
