/**
 * A model's input contract (DESIGN §6): everything needed to feed a trained
 * model what it was trained on, recorded in model.json by training and read
 * by predict, so nobody passes crop sizes or margins by hand: the crop, the
 * width frames were decoded at before detection and cropping, where the face
 * boxes came from, how they were tracked, the clip layout and the frame
 * standardisation. Pure: no Node imports, so a browser can read it too.
 */
import { ConfigError } from '../errors.js';
import { CROP_EDGE_MODES } from '../face/crop.js';
import type { CropEdgeMode } from '../face/crop.js';
import { BOX_POLICIES, FACE_CHOICES } from '../face/tracking.js';
import type { BoxPolicy, FaceTrackConfig } from '../face/tracking.js';
import { FACE_DETECTOR_NAMES } from '../face/types.js';
import type { FaceDetectorName } from '../face/types.js';

export const FRAME_STANDARDIZATION = 'per-frame mean 0 var 1' as const;

/**
 * How a detector's box relates to the boxes a model was trained on, in terms
 * of the crop square (the crop only uses a box's centre and longer side):
 * the training box's longer side is `sideScale` × the detector's, its centre
 * the detector's moved by (`shiftXFrac`, `shiftYFrac`) × the detector's side.
 */
export interface BoxCalibration {
  detector: FaceDetectorName;
  sideScale: number;
  shiftXFrac: number;
  shiftYFrac: number;
  /** Frames the fit was measured on. */
  samples: number;
  /** Mean IoU of the detector's crop square with the training box's, before and after applying the calibration. */
  meanIouBefore: number;
  meanIouAfter: number;
}

export interface ModelInputContract {
  /** The square face crop: side (the model's input size), margin, edge handling, resampling. */
  crop: { sizePx: number; marginFrac: number; edge: CropEdgeMode; antialias: boolean };
  /** Frames were decoded at most this wide (ffmpeg's area filter) and detected and cropped at that size. */
  decodeWidthPx: number;
  boxes: {
    /** Where training boxes came from (see BOX_POLICIES). */
    policy: BoxPolicy;
    /** The detector preprocessing ran; `none` when only the dataset's boxes were used. */
    detector: FaceDetectorName | 'none';
    track: FaceTrackConfig;
    /** Detector → training-box mapping, measured where the model was trained on dataset boxes; null when not measured. */
    calibration: BoxCalibration | null;
  };
  clip: {
    /** T. */
    frames: number;
    /** Step between a clip's frames (1: consecutive). */
    frameStride: number;
    /** Frames between clip starts when the model was evaluated (the clip's span: no overlap). */
    hopFrames: number;
  };
  standardization: typeof FRAME_STANDARDIZATION;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a parsed contract; `where` prefixes field paths (e.g. `contract`)
 * and `file` names the file in messages.
 */
export function validateInputContract(raw: unknown, where = 'contract', file?: string): ModelInputContract {
  const at = (field: string, message: string) => new ConfigError(`${where}.${field}`, file ? `${message} (in ${file})` : message);
  if (!isObject(raw)) throw new ConfigError(where, `expected an object with crop, decodeWidthPx, boxes, clip, standardization${file ? ` (in ${file})` : ''}`);
  const obj = (v: unknown, field: string) => {
    if (!isObject(v)) throw at(field, 'expected an object');
    return v;
  };
  const int = (v: unknown, field: string, lo: number, hi: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw at(field, `expected a whole number in ${lo}..${hi}, got ${JSON.stringify(v)}`);
    return v;
  };
  const num = (v: unknown, field: string, lo: number, hi: number) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw at(field, `expected a number in ${lo}..${hi}, got ${JSON.stringify(v)}`);
    return v;
  };
  const oneOf = <T extends string>(v: unknown, field: string, options: readonly T[]): T => {
    if (!(options as readonly unknown[]).includes(v)) throw at(field, `expected one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  const crop = obj(raw.crop, 'crop');
  if (typeof crop.antialias !== 'boolean') throw at('crop.antialias', `expected true or false, got ${JSON.stringify(crop.antialias)}`);
  const boxes = obj(raw.boxes, 'boxes');
  const track = obj(boxes.track, 'boxes.track');
  const clip = obj(raw.clip, 'clip');
  let calibration: BoxCalibration | null = null;
  if (boxes.calibration !== null && boxes.calibration !== undefined) {
    const c = obj(boxes.calibration, 'boxes.calibration');
    calibration = {
      detector: oneOf(c.detector, 'boxes.calibration.detector', FACE_DETECTOR_NAMES),
      sideScale: num(c.sideScale, 'boxes.calibration.sideScale', 0.1, 10),
      shiftXFrac: num(c.shiftXFrac, 'boxes.calibration.shiftXFrac', -2, 2),
      shiftYFrac: num(c.shiftYFrac, 'boxes.calibration.shiftYFrac', -2, 2),
      samples: int(c.samples, 'boxes.calibration.samples', 1, Number.MAX_SAFE_INTEGER),
      meanIouBefore: num(c.meanIouBefore, 'boxes.calibration.meanIouBefore', 0, 1),
      meanIouAfter: num(c.meanIouAfter, 'boxes.calibration.meanIouAfter', 0, 1),
    };
  }
  const smooth = int(track.smoothWindowFrames, 'boxes.track.smoothWindowFrames', 1, 1001);
  if (smooth % 2 === 0) throw at('boxes.track.smoothWindowFrames', `expected an odd number, got ${smooth}`);
  const contract: ModelInputContract = {
    crop: {
      sizePx: int(crop.sizePx, 'crop.sizePx', 16, 4096),
      marginFrac: num(crop.marginFrac, 'crop.marginFrac', 0, 4),
      edge: oneOf(crop.edge, 'crop.edge', CROP_EDGE_MODES),
      antialias: crop.antialias,
    },
    decodeWidthPx: int(raw.decodeWidthPx, 'decodeWidthPx', 16, 8192),
    boxes: {
      policy: oneOf(boxes.policy, 'boxes.policy', BOX_POLICIES),
      detector: oneOf(boxes.detector, 'boxes.detector', ['none', ...FACE_DETECTOR_NAMES] as const),
      track: {
        choose: oneOf(track.choose, 'boxes.track.choose', FACE_CHOICES),
        maxGapFrames: int(track.maxGapFrames, 'boxes.track.maxGapFrames', 0, 100_000),
        smoothWindowFrames: smooth,
      },
      calibration,
    },
    clip: {
      frames: int(clip.frames, 'clip.frames', 1, 64),
      frameStride: int(clip.frameStride, 'clip.frameStride', 1, 1000),
      hopFrames: int(clip.hopFrames, 'clip.hopFrames', 1, 100_000),
    },
    standardization: oneOf(raw.standardization, 'standardization', [FRAME_STANDARDIZATION] as const),
  };
  if (contract.boxes.policy !== 'dataset' && contract.boxes.detector === 'none') {
    throw at('boxes.detector', `box policy '${contract.boxes.policy}' runs a detector, so a detector name is expected, got 'none'`);
  }
  return contract;
}
