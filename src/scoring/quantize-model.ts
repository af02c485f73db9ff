/**
 * int8 export of a model folder calibrated on a split's validation clips:
 * what `vidpad export --quantize int8` runs. The clips are the ones `vidpad
 * eval` would score (non-overlapping, from the crop cache, standardised),
 * taken from the validation videos only (the test split never sets a scale),
 * spread evenly over them up to `maxClips`.
 */
import { planTestClips, resolveClipSpec, standardizeClips } from '../data/index.js';
import type { ProtocolSplit, SplitVideo } from '../data/index.js';
import { cachedSplitVideos, createCropReader, labelClips, loadClipPixels } from '../preprocess/index.js';
import type { CropCacheLayout } from '../preprocess/index.js';
import { quantizeModelFolderInt8, readModelMeta } from '../models/index.js';
import type { QuantizedModelExport } from '../models/index.js';
import type { CalibrationBatch } from '../engine/index.js';
import { InputError } from '../errors.js';

/** How many validation clips calibrate by default: enough for stable min/max ranges, a few seconds of ORT. */
export const DEFAULT_CALIBRATION_CLIPS = 128;

export interface CalibrationClipsOptions {
  list: readonly SplitVideo[];
  cache: CropCacheLayout;
  frames: number;
  sizePx: number;
  maxClips?: number;
  batchSize?: number;
}

/** Standardised clips `[batch, T, H, W, 3]` from `list`, at most `maxClips`, evenly spread over every clip the videos hold. */
export async function* calibrationBatches(options: CalibrationClipsOptions): AsyncGenerator<CalibrationBatch> {
  const maxClips = options.maxClips ?? DEFAULT_CALIBRATION_CLIPS;
  if (!Number.isInteger(maxClips) || maxClips < 1) throw new InputError(`calibration clips: expected a whole number >= 1, got ${String(maxClips)}`);
  const reader = createCropReader(options.cache);
  const { videos } = await cachedSplitVideos(options.list, options.cache, reader);
  if (videos.length > 0) {
    const cached = (await reader.read(videos[0]!.id)).meta.cropSizePx;
    if (cached !== options.sizePx) throw new InputError(`the crop cache ${options.cache.root} holds ${cached}px crops, the model takes ${options.sizePx}px`);
  }
  const spec = resolveClipSpec({ length: options.frames as 2 | 3 | 5, stride: 1 });
  const { clips } = labelClips(videos, planTestClips(videos, spec).clips);
  if (clips.length === 0) throw new InputError(`calibration: none of the ${options.list.length} validation videos has a clip in the crop cache ${options.cache.root}`);
  const step = clips.length / Math.min(maxClips, clips.length);
  const chosen = Array.from({ length: Math.min(maxClips, clips.length) }, (_, i) => clips[Math.floor(i * step)]!);
  const batchSize = options.batchSize ?? 16;
  for (let i = 0; i < chosen.length; i += batchSize) {
    const batch = chosen.slice(i, i + batchSize);
    yield { data: standardizeClips(await loadClipPixels(reader, batch, null)), batch: batch.length };
  }
}

export interface QuantizeOnSplitOptions {
  modelDir: string;
  /** Its validation videos calibrate. */
  split: ProtocolSplit;
  cache: CropCacheLayout;
  maxClips?: number;
  threads?: number;
  /** Largest weight code: 63 (7-bit, the default: no int16 saturation on AVX2) or 127. */
  weightMax?: 63 | 127;
}

/** Writes DIR/model.int8.onnx calibrated on `split.val` and records it in model.json. */
export async function quantizeModelOnSplit(options: QuantizeOnSplitOptions): Promise<QuantizedModelExport> {
  const meta = await readModelMeta(options.modelDir);
  if (options.split.val.length === 0) throw new InputError(`${options.split.name}: the split has no validation videos to calibrate on`);
  return quantizeModelFolderInt8(options.modelDir, {
    calibration: calibrationBatches({
      list: options.split.val,
      cache: options.cache,
      frames: meta.config.frames,
      sizePx: meta.config.inputSize,
      ...(options.maxClips !== undefined ? { maxClips: options.maxClips } : {}),
    }),
    calibrationSource: `validation split of ${options.split.name}`,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.weightMax !== undefined ? { weightMax: options.weightMax } : {}),
  });
}
