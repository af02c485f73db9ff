/**
 * The model input contract as preprocessing defines it: the crop, decode
 * width, box policy, detector and tracking of a crop cache's settings, plus
 * the clip layout training used. Training records it in model.json (from the
 * cache's config.json); predict rebuilds exactly these crops from it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { DEFAULT_FACE_CROP_CONFIG, FACE_DETECTOR_NAMES } from '../face/index.js';
import type { FaceDetectorName } from '../face/index.js';
import { FRAME_STANDARDIZATION } from '../models/input-contract.js';
import type { BoxCalibration, ModelInputContract } from '../models/input-contract.js';
import { clipSpan } from '../data/clips.js';
import type { ClipSpec } from '../data/clips.js';
import { DEFAULT_PREPROCESS_CONFIG, resolvePreprocessConfig } from './config.js';
import type { PreprocessConfig } from './config.js';
import type { CropCacheLayout } from './crop-cache.js';

/** What a cache settings folder's config.json holds. */
export interface CacheSettings {
  key: string;
  /** The detector preprocessing ran (`none` with the dataset box policy). */
  detector: string;
  config: Readonly<PreprocessConfig>;
}

/** Reads `<cache>/<key>/config.json`; errors name the file. */
export async function readCacheSettings(layout: CropCacheLayout): Promise<CacheSettings> {
  const file = path.join(layout.root, 'config.json');
  let raw: { key?: unknown; detector?: unknown; config?: unknown };
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as typeof raw;
  } catch (err) {
    throw new InputError(`${file}: cannot read the crop cache's settings (${(err as Error).message}); was the cache made by 'vidpad preprocess'?`, { cause: err });
  }
  if (typeof raw.detector !== 'string') throw new InputError(`${file}: no 'detector' field`);
  return { key: typeof raw.key === 'string' ? raw.key : layout.key, detector: raw.detector, config: resolvePreprocessConfig((raw.config ?? {}) as Parameters<typeof resolvePreprocessConfig>[0]) };
}

/**
 * The contract of a model trained on crops made with `config` (whose
 * detector resolved to `detectorName`), on clips of `clip`; evaluation hops
 * by the clip's span unless `hopFrames` says otherwise.
 */
export function inputContractFor(
  config: Readonly<PreprocessConfig>,
  detectorName: string,
  clip: Readonly<ClipSpec>,
  options: { hopFrames?: number; calibrations?: readonly BoxCalibration[] } = {},
): ModelInputContract {
  const detector = config.boxPolicy === 'dataset' || !(FACE_DETECTOR_NAMES as readonly string[]).includes(detectorName) ? 'none' : (detectorName as FaceDetectorName);
  // A cache whose settings name no detector ran none, whatever policy it was
  // asked for: its crops are the dataset's boxes only, and that is what the
  // model learnt from (a policy that runs a detector needs its name).
  const policy = detector === 'none' && config.boxPolicy !== 'detector' ? 'dataset' : config.boxPolicy;
  return {
    crop: { sizePx: config.cropSizePx, marginFrac: config.marginFrac, edge: config.edge, antialias: DEFAULT_FACE_CROP_CONFIG.antialias },
    decodeWidthPx: config.workWidthPx,
    boxes: { policy, detector, track: { ...config.track }, calibrations: policy === 'detector' ? [] : [...(options.calibrations ?? [])] },
    clip: { frames: clip.length, frameStride: clip.stride, hopFrames: options.hopFrames ?? clipSpan(clip) },
    standardization: FRAME_STANDARDIZATION,
  };
}

/**
 * What predict assumes for a model folder that records no contract (format 1,
 * or saved without one): vidpad's preprocessing defaults at the model's input
 * size and T, with the detector's boxes. Callers say they assumed it.
 */
export function assumedInputContract(inputSize: number, frames: number): ModelInputContract {
  const config = resolvePreprocessConfig({ ...DEFAULT_PREPROCESS_CONFIG, cropSizePx: inputSize, boxPolicy: 'detector' });
  const contract = inputContractFor(config, 'none', { length: frames as ClipSpec['length'], stride: 1 });
  return { ...contract, boxes: { ...contract.boxes, detector: 'none' } };
}
