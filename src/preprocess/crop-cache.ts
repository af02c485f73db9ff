/**
 * The crop cache on disk. One folder per preprocessing config
 * (`<cache>/<key>/`, with the config in `config.json`), one folder per video
 * under `videos/<video id>/` holding
 *   - `crops.u8`: N × S × S × 3 bytes, RGB, the face crop of every frame
 *     (zeros where there is no face);
 *   - `meta.json`: frame count, sizes, the box used for each frame and where
 *     it came from. Both files depend only on the video and the settings (no
 *     times, no host), so a resumed run's cache equals an uninterrupted one's
 *     byte for byte.
 * A video folder is written under a temporary name and renamed into place, so
 * it is either complete or absent: a killed run never leaves half a video.
 */
import { mkdir, readFile, rename, rm, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';
import type { BoxPx } from '../face/index.js';
import type { PreprocessConfig } from './config.js';

export type FrameBoxSource = 'dataset' | 'detector' | 'filled' | 'none';

export interface VideoCropMeta {
  formatVersion: number;
  videoId: string;
  sourcePath: string;
  frameCount: number;
  fps: number;
  sourceSize: { width: number; height: number };
  /** Size frames were decoded at (ffmpeg-scaled). */
  workSize: { width: number; height: number };
  cropSizePx: number;
  /** Face box per frame in source pixels (null: no face, crop is zeros). */
  boxes: (BoxPx | null)[];
  boxSources: FrameBoxSource[];
  detector: string;
  /** Written by caches before timings were kept out of the content files; ignored. */
  seconds?: number;
}

export interface VideoCrops {
  meta: VideoCropMeta;
  /** frameCount × S × S × 3 RGB bytes. */
  crops: Uint8Array;
}

export interface CropCacheLayout {
  /** `<cache>/<key>` */
  root: string;
  key: string;
}

export function cacheLayout(cacheDir: string, key: string): CropCacheLayout {
  return { root: path.join(cacheDir, key), key };
}

/** Video ids are dataset-relative paths with `/`; refuse anything that would climb out of the cache. */
export function videoDir(layout: CropCacheLayout, videoId: string): string {
  const parts = videoId.split('/');
  if (videoId.length === 0 || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new InputError(`video id '${videoId}' cannot name a cache folder: expected a relative path without '.', '..' or empty parts`);
  }
  return path.join(layout.root, 'videos', ...parts);
}

export async function isVideoCached(layout: CropCacheLayout, videoId: string): Promise<boolean> {
  try {
    await stat(path.join(videoDir(layout, videoId), 'meta.json'));
    return true;
  } catch {
    return false;
  }
}

/** Writes `config.json` once per cache folder (atomically); a folder keyed by the config never holds another. */
export async function writeCacheConfig(layout: CropCacheLayout, config: Readonly<PreprocessConfig>, detectorName: string): Promise<void> {
  await mkdir(layout.root, { recursive: true });
  await writeFileAtomic(path.join(layout.root, 'config.json'), JSON.stringify({ key: layout.key, detector: detectorName, config }, null, 2) + '\n');
}

/** Atomic: the folder appears complete or not at all. */
export async function writeVideoCrops(layout: CropCacheLayout, data: VideoCrops): Promise<void> {
  const { meta, crops } = data;
  const expected = meta.frameCount * meta.cropSizePx * meta.cropSizePx * 3;
  if (crops.length !== expected) {
    throw new InputError(`crops of ${meta.videoId}: ${crops.length} bytes, expected ${meta.frameCount} frames × ${meta.cropSizePx}² × 3 = ${expected}`);
  }
  const finalDir = videoDir(layout, meta.videoId);
  const tmpDir = `${finalDir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmpDir, { recursive: true });
  try {
    await writeFile(path.join(tmpDir, 'crops.u8'), crops);
    await writeFile(path.join(tmpDir, 'meta.json'), JSON.stringify(meta) + '\n');
    await rm(finalDir, { recursive: true, force: true });
    await rename(tmpDir, finalDir);
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

/** Reads one video's crops; errors name the folder and what is wrong. */
export async function readVideoCrops(layout: CropCacheLayout, videoId: string): Promise<VideoCrops> {
  const dir = videoDir(layout, videoId);
  let meta: VideoCropMeta;
  try {
    meta = JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')) as VideoCropMeta;
  } catch (err) {
    throw new InputError(`${dir}: no readable meta.json (was the video preprocessed with these settings? run 'vidpad preprocess'): ${(err as Error).message}`, { cause: err });
  }
  const crops = new Uint8Array(await readFile(path.join(dir, 'crops.u8')));
  const expected = meta.frameCount * meta.cropSizePx * meta.cropSizePx * 3;
  if (crops.length !== expected) {
    throw new InputError(`${path.join(dir, 'crops.u8')}: ${crops.length} bytes, expected ${expected} (${meta.frameCount} frames of ${meta.cropSizePx}² RGB): the cache is damaged; delete the folder and preprocess again`);
  }
  return { meta, crops };
}

export interface PreprocessFailure {
  videoId: string;
  path: string;
  reason: string;
  at: string;
  /** `warning`: the video was cached, but its input was not all it should be (e.g. a face file shorter than the video). Absent in older manifests: a failure. */
  kind?: 'failed' | 'warning';
}

const failuresFile = (layout: CropCacheLayout) => path.join(layout.root, 'failures.json');

export async function readFailures(layout: CropCacheLayout): Promise<PreprocessFailure[]> {
  try {
    return JSON.parse(await readFile(failuresFile(layout), 'utf8')) as PreprocessFailure[];
  } catch {
    return [];
  }
}

/** The failure manifest: one entry per video that failed in its latest attempt, rewritten atomically. */
export async function writeFailures(layout: CropCacheLayout, failures: readonly PreprocessFailure[]): Promise<void> {
  await mkdir(layout.root, { recursive: true });
  await writeFileAtomic(failuresFile(layout), JSON.stringify(failures, null, 2) + '\n');
}
