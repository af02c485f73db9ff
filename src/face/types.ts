/**
 * The face detector interface and its configuration: what every detector
 * (dlib-hog, blazeface) takes and returns, kept apart from how each works.
 */
import type { BoxNorm, BoxPx } from './box.js';
import type { Probe } from '../probes.js';

/**
 * One video frame or still image: `height` rows of `width` pixels, RGB, one
 * byte per channel, rows top to bottom, no padding (`data.length === width * height * 3`).
 */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export const FACE_DETECTOR_NAMES = ['dlib-hog', 'blazeface'] as const;
export type FaceDetectorName = (typeof FACE_DETECTOR_NAMES)[number];
/** A detector name, or `auto`: dlib-hog where its addon is built, else blazeface. */
export type FaceDetectorRequest = FaceDetectorName | 'auto';

export interface FaceDetection {
  /** In pixels of the frame passed to `detect`. */
  box: BoxPx;
  /** The same box as fractions of the frame's width and height. */
  boxNorm: BoxNorm;
  /**
   * The detector's own confidence; its scale depends on the detector: dlib's
   * SVM margin (0 is dlib's default threshold, about 0..3 for clear faces),
   * blazeface's probability (0..1).
   */
  score: number;
}

export interface FaceDetectorConfig {
  detector: FaceDetectorRequest;
  /**
   * dlib-hog: frames wider than this are downscaled to it before detection,
   * boxes scaled back (HOG's cost grows with the pixel count). blazeface always
   * sees the frame letterboxed to its 256×256 input, so ignores it.
   */
  maxWidthPx: number;
  /** dlib-hog: how many times the (downscaled) frame is doubled in size before detection; finds faces down to ~40/2^n px. */
  upsample: number;
  /**
   * Lowest score reported, in the detector's own units (see FaceDetection.score);
   * `null` takes the detector's default: 0 for dlib-hog (its own threshold,
   * passed to dlib as `adjust_threshold`), 0.5 for blazeface.
   */
  minScore: number | null;
  /** blazeface: IoU above which a lower-scored box is suppressed as the same face. */
  iouThreshold: number;
  /** Most faces reported per frame, highest score first. */
  maxFaces: number;
  /**
   * blazeface: map its tight box to the square dlib draws around the same face
   * (see BLAZEFACE_TO_DLIB), so crops match the paper's. `false` gives the raw box.
   */
  calibrate: boolean;
  /** blazeface: the graph model's model.json; default: the one shipped in @vladmandic/human. */
  modelPath: string | null;
  /**
   * blazeface: the tfjs backend it runs on (a name `initBackend` takes, e.g.
   * `wasm`, `native`, `auto`); it becomes tfjs's current backend. null keeps
   * the current backend when it is one fast for BlazeFace (tensorflow, wasm)
   * and otherwise makes the fastest available of them current, so the
   * detector never runs on tfjs's plain-JavaScript default (which tfjs picks
   * by itself at the first tensor op) without being asked to.
   */
  backend: string | null;
}

export const DEFAULT_FACE_DETECTOR_CONFIG: Readonly<FaceDetectorConfig> = Object.freeze({
  detector: 'auto',
  maxWidthPx: 640,
  upsample: 1,
  minScore: null,
  iouThreshold: 0.3,
  maxFaces: 10,
  calibrate: true,
  modelPath: null,
  backend: null,
});

/** Per-call overrides. */
export interface DetectOptions {
  /** As FaceDetectorConfig.maxFaces, for this call. */
  maxFaces?: number;
  /** As FaceDetectorConfig.minScore, for this call (null: the detector's default). */
  minScore?: number | null;
}

export interface FaceDetector {
  /** The concrete detector (never `auto`). */
  readonly name: FaceDetectorName;
  /** The resolved, frozen configuration. */
  readonly config: Readonly<FaceDetectorConfig>;
  /** Faces in the frame, highest score first; an empty array when there is none. */
  detect(frame: RgbFrame, options?: DetectOptions): Promise<FaceDetection[]>;
  /** Frees the model (tensors, native object); `detect` throws afterwards. */
  dispose(): void;
}

/** Whether a detector can run here, and if not why and what to install. */
export type FaceDetectorProbe = Probe<FaceDetectorName>;
