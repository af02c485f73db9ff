/**
 * How each face detector frames a dataset's faces compared with the
 * dataset's own boxes (SiW's `.face` files), measured once per crop cache.
 * A model trained on dataset boxes sees, at predict time, a user's video that
 * has none: the detector's box is then mapped to the dataset's convention
 * with this calibration, so the crop matches the crops it was trained on.
 *
 * Measured on a sample: every `everyFrames`-th frame of up to `maxVideos`
 * videos spread over the list, decoded at the cache's work width like the
 * crops; pairs where the dataset box is usable and the detector found a box
 * overlapping it (IoU >= 0.3; the best overlapping one). Stored as
 * `<cache>/<key>/calibration.json`; training copies it into the model's
 * input contract.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { createFaceDetector, fitBoxCalibration, iou, isUsableDatasetBox, listFaceDetectors } from '../face/index.js';
import type { BoxCalibration, BoxPx, FaceDetectorName } from '../face/index.js';
import { probeVideo, streamFrames } from '../video/index.js';
import { loadFaceFile } from '../data/datasets/face-file.js';
import { validateBoxCalibration } from '../models/input-contract.js';
import { writeFileAtomic } from '../io/index.js';
import { keepingCurrentBackend } from '../engine/backends.js';
import type { PreprocessConfig } from './config.js';
import type { CropCacheLayout } from './crop-cache.js';
import type { VideoJob } from './process-video.js';

export const CALIBRATION_FILE = 'calibration.json';

export interface CalibrationSample {
  /** Videos sampled, spread evenly over the list. Default 24. */
  maxVideos: number;
  /** Every n-th frame of a sampled video. Default 10. */
  everyFrames: number;
  /** At most this many frames of one video. Default 3. */
  framesPerVideo: number;
}

export const DEFAULT_CALIBRATION_SAMPLE: Readonly<CalibrationSample> = Object.freeze({ maxVideos: 24, everyFrames: 10, framesPerVideo: 3 });

/**
 * Fits, for each detector available here (or `detectors`), the mapping from
 * its boxes to the dataset's boxes on a sample of `jobs` (those with a face
 * file). Detectors that found no pair are left out.
 */
export async function measureBoxCalibrations(
  jobs: readonly VideoJob[],
  config: Readonly<PreprocessConfig>,
  options: { detectors?: readonly FaceDetectorName[]; sample?: Partial<CalibrationSample> } = {},
): Promise<BoxCalibration[]> {
  const sample = { ...DEFAULT_CALIBRATION_SAMPLE, ...options.sample };
  const withBoxes = [...jobs].filter((j) => j.faceFile !== null).sort((a, b) => (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0));
  if (withBoxes.length === 0) return [];
  const step = Math.max(1, Math.floor(withBoxes.length / sample.maxVideos));
  const picked = withBoxes.filter((_, i) => i % step === 0).slice(0, sample.maxVideos);
  const names = options.detectors ?? listFaceDetectors().filter((p) => p.available).map((p) => p.name);
  const out: BoxCalibration[] = [];
  for (const name of names) {
    // A detector may make its own tfjs backend current (BlazeFace: wasm); the caller's is restored below.
    const pairs = await keepingCurrentBackend(() => measurePairs(name, picked, config, sample));
    if (pairs.length > 0) out.push(fitBoxCalibration(pairs, name));
  }
  return out;
}

/** One detector's (detected, dataset) box pairs on the sampled frames of `picked`. */
async function measurePairs(name: FaceDetectorName, picked: readonly VideoJob[], config: Readonly<PreprocessConfig>, sample: CalibrationSample): Promise<{ detected: BoxPx; target: BoxPx }[]> {
  const detector = await createFaceDetector({ detector: name });
  const pairs: { detected: BoxPx; target: BoxPx }[] = [];
  try {
    for (const job of picked) {
      let info;
      try {
        info = await probeVideo(job.path);
      } catch {
        continue; // a broken video is preprocessing's to report
      }
      const boxes = await loadFaceFile(job.faceFile!, { width: info.width, height: info.height }, { strict: false, format: job.faceFormat ?? 'siw' });
      const end = Math.min(info.frameCount, sample.everyFrames * (sample.framesPerVideo - 1) + 1);
      for await (const frame of streamFrames(job.path, { info, end, width: Math.min(config.workWidthPx, info.width) })) {
        if (frame.index % sample.everyFrames !== 0) continue;
        const target = boxes[frame.index] ?? null;
        if (!isUsableDatasetBox(target, info.width, info.height)) continue;
        const sx = info.width / frame.width;
        const sy = info.height / frame.height;
        let best: BoxPx | null = null;
        let bestIou = 0.3;
        for (const d of await detector.detect(frame)) {
          const box = { left: d.box.left * sx, top: d.box.top * sy, right: d.box.right * sx, bottom: d.box.bottom * sy };
          const o = iou(box, target);
          if (o >= bestIou) {
            bestIou = o;
            best = box;
          }
        }
        if (best) pairs.push({ detected: best, target });
      }
    }
  } finally {
    detector.dispose();
  }
  return pairs;
}

export async function writeCacheCalibrations(layout: CropCacheLayout, calibrations: readonly BoxCalibration[]): Promise<void> {
  await writeFileAtomic(path.join(layout.root, CALIBRATION_FILE), JSON.stringify({ calibrations }, null, 2) + '\n');
}

/** The cache's calibrations; null when none were measured. */
export async function readCacheCalibrations(layout: CropCacheLayout): Promise<BoxCalibration[] | null> {
  const file = path.join(layout.root, CALIBRATION_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const raw = JSON.parse(text) as { calibrations?: unknown };
    if (!Array.isArray(raw.calibrations)) throw new Error('no calibrations list');
    return raw.calibrations.map((c, i) => validateBoxCalibration(c, `calibrations[${i}]`, file));
  } catch (err) {
    throw new InputError(`${file}: not a calibration file vidpad wrote (${(err as Error).message}); delete it to measure again`, { cause: err });
  }
}
