/**
 * What a preprocessing run does to every video (detector, box policy, crop),
 * validated once, and the short hash of it that names the cache folder: two
 * runs with the same settings share their crops, different settings never mix.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { BOX_POLICIES, CROP_EDGE_MODES, DEFAULT_BOX_POLICY_CONFIG, DEFAULT_FACE_CROP_CONFIG, DEFAULT_FACE_DETECTOR_CONFIG, FACE_DETECTOR_NAMES, resolveFaceTrackConfig } from '../face/index.js';
import type { BoxPolicy, CropEdgeMode, FaceDetectorRequest, FaceTrackConfig } from '../face/index.js';

/** Bump when the stored format or the meaning of a setting changes: old caches are then not reused. */
export const CACHE_FORMAT_VERSION = 1;

export interface PreprocessConfig {
  /** Face detector; `auto` is dlib-hog where built, else blazeface. Ignored with boxPolicy `dataset`. */
  detector: FaceDetectorRequest;
  /** Where boxes come from when the dataset ships its own (SiW `.face`); without them, the detector's. */
  boxPolicy: BoxPolicy;
  /** Side of the stored square crops: the model's input size. */
  cropSizePx: number;
  /** Context around the face box: the crop's side is max(w, h)·(1 + marginFrac). */
  marginFrac: number;
  edge: CropEdgeMode;
  /** Frames are decoded at most this wide (ffmpeg scales): crops of 112-224 px need no more, and Node never holds full 1080p frames. */
  workWidthPx: number;
  /** Store only the first N frames of each video (null: all). */
  maxFrames: number | null;
  /** Tracking: face choice, gap filling, smoothing. */
  track: Readonly<FaceTrackConfig>;
}

export const DEFAULT_PREPROCESS_CONFIG: Readonly<PreprocessConfig> = Object.freeze({
  detector: DEFAULT_FACE_DETECTOR_CONFIG.detector,
  boxPolicy: DEFAULT_BOX_POLICY_CONFIG.policy,
  cropSizePx: DEFAULT_FACE_CROP_CONFIG.sizePx,
  marginFrac: DEFAULT_FACE_CROP_CONFIG.marginFrac,
  edge: DEFAULT_FACE_CROP_CONFIG.edge,
  workWidthPx: 640,
  maxFrames: null,
  track: resolveFaceTrackConfig(),
});

export function resolvePreprocessConfig(partial: Partial<Omit<PreprocessConfig, 'track'>> & { track?: Partial<FaceTrackConfig> } = {}): Readonly<PreprocessConfig> {
  const c = { ...DEFAULT_PREPROCESS_CONFIG, ...partial, track: resolveFaceTrackConfig({ ...DEFAULT_PREPROCESS_CONFIG.track, ...partial.track }) };
  const detectors: string[] = ['auto', ...FACE_DETECTOR_NAMES];
  if (!detectors.includes(c.detector)) throw new ConfigError('preprocess.detector', `unknown detector '${String(c.detector)}'; expected one of ${detectors.join(', ')}`);
  if (!BOX_POLICIES.includes(c.boxPolicy)) throw new ConfigError('preprocess.boxPolicy', `unknown policy '${String(c.boxPolicy)}'; expected one of ${BOX_POLICIES.join(', ')}`);
  if (!Number.isInteger(c.cropSizePx) || c.cropSizePx < 16 || c.cropSizePx > 1024) {
    throw new ConfigError('preprocess.cropSizePx', `expected an integer in 16..1024, got ${String(c.cropSizePx)}`);
  }
  if (typeof c.marginFrac !== 'number' || !(c.marginFrac >= 0 && c.marginFrac <= 2)) {
    throw new ConfigError('preprocess.marginFrac', `expected a number in 0..2, got ${String(c.marginFrac)}`);
  }
  if (!CROP_EDGE_MODES.includes(c.edge)) throw new ConfigError('preprocess.edge', `unknown edge mode '${String(c.edge)}'; expected one of ${CROP_EDGE_MODES.join(', ')}`);
  if (!Number.isInteger(c.workWidthPx) || c.workWidthPx < 64 || c.workWidthPx > 8192) {
    throw new ConfigError('preprocess.workWidthPx', `expected an integer in 64..8192, got ${String(c.workWidthPx)}`);
  }
  if (c.maxFrames !== null && (!Number.isInteger(c.maxFrames) || c.maxFrames < 1)) {
    throw new ConfigError('preprocess.maxFrames', `expected an integer >= 1 or null, got ${String(c.maxFrames)}`);
  }
  return Object.freeze(c);
}

/**
 * The cache key of a config once its detector is known (`auto` resolved, so
 * a cache made with dlib is not reused where only blazeface exists).
 */
export function preprocessKey(config: Readonly<PreprocessConfig>, detectorName: string): string {
  const keyed = { version: CACHE_FORMAT_VERSION, ...config, detector: config.boxPolicy === 'dataset' ? 'none' : detectorName };
  return createHash('sha256').update(JSON.stringify(keyed)).digest('hex').slice(0, 12);
}
