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
import type { BoxCalibration } from '../face/box-calibration.js';

export type { BoxCalibration };

export const FRAME_STANDARDIZATION = 'per-frame mean 0 var 1' as const;

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
    /**
     * Where the model was trained on dataset boxes: for each detector measured,
     * how to map its boxes to the dataset's (empty when not measured).
     */
    calibrations: BoxCalibration[];
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
  if (boxes.calibrations !== undefined && !Array.isArray(boxes.calibrations)) throw at('boxes.calibrations', 'expected a list');
  const calibrations = ((boxes.calibrations ?? []) as unknown[]).map((c, i) => validateBoxCalibration(c, `${where}.boxes.calibrations[${i}]`, file));
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
      calibrations,
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

/** Validates one detector calibration; `field` names it in errors. */
export function validateBoxCalibration(raw: unknown, field: string, file?: string): BoxCalibration {
  const at = (f: string, message: string) => new ConfigError(`${field}.${f}`, file ? `${message} (in ${file})` : message);
  if (!isObject(raw)) throw new ConfigError(field, `expected {detector, sideScale, shiftXFrac, shiftYFrac, samples, meanIouBefore, meanIouAfter}${file ? ` (in ${file})` : ''}`);
  const num = (f: string, lo: number, hi: number) => {
    const v = raw[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw at(f, `expected a number in ${lo}..${hi}, got ${JSON.stringify(v)}`);
    return v;
  };
  if (!(FACE_DETECTOR_NAMES as readonly unknown[]).includes(raw.detector)) throw at('detector', `expected one of ${FACE_DETECTOR_NAMES.join(', ')}, got ${JSON.stringify(raw.detector)}`);
  const samples = num('samples', 1, Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(samples)) throw at('samples', `expected a whole number, got ${samples}`);
  return {
    detector: raw.detector as FaceDetectorName,
    sideScale: num('sideScale', 0.1, 10),
    shiftXFrac: num('shiftXFrac', -2, 2),
    shiftYFrac: num('shiftYFrac', -2, 2),
    samples,
    meanIouBefore: num('meanIouBefore', 0, 1),
    meanIouAfter: num('meanIouAfter', 0, 1),
  };
}
