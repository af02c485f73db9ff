/**
 * Clips out of the crop cache, for training and for scoring: which videos of
 * a split the cache holds, which clips of them have a face in every frame,
 * and their pixels (augmented for training), read through a small in-memory
 * cache of whole videos so an epoch decodes nothing and re-reads little.
 */
import { readVideoCrops, isVideoCached } from './crop-cache.js';
import type { CropCacheLayout, VideoCrops } from './crop-cache.js';
import { augmentClip, chooseAugmentation, childSeed, createSeededRandom } from '../data/index.js';
import type { AugmentConfig, ClipPixels, ClipRef, ClipSource, FrameRule, PresentationLabel, SplitVideo } from '../data/index.js';

/** One clip of a cached video, with its video's label. */
export interface LabeledClip {
  videoId: string;
  /** Absolute frame indices of the clip. */
  frames: readonly number[];
  label: PresentationLabel;
  attackType: string | null;
}

export interface CachedVideo extends ClipSource {
  label: PresentationLabel;
  attackType: string | null;
  /** 1 where the cached frame has no face (its crop is zeros). */
  noFace: Uint8Array;
}

export interface SplitVideos {
  videos: CachedVideo[];
  /** Split videos that are not in the cache (not preprocessed, or failed). */
  missing: string[];
}

/** The split's videos that the cache holds, with their frame counts and no-face frames. */
export async function cachedSplitVideos(list: readonly SplitVideo[], layout: CropCacheLayout, reader: CropReader): Promise<SplitVideos> {
  const videos: CachedVideo[] = [];
  const missing: string[] = [];
  for (const { video, frames } of list) {
    if (!(await isVideoCached(layout, video.id))) {
      missing.push(video.id);
      continue;
    }
    const { meta } = await reader.read(video.id);
    videos.push({
      id: video.id,
      frameCount: meta.frameCount,
      frames: frames as FrameRule,
      label: video.label,
      attackType: video.attackType,
      noFace: Uint8Array.from(meta.boxSources, (s) => (s === 'none' ? 1 : 0)),
    });
  }
  return { videos, missing };
}

/** Labels the planned clips and drops those touching a frame without a face (never crop from garbage). */
export function labelClips(videos: readonly CachedVideo[], plan: readonly ClipRef[]): { clips: LabeledClip[]; noFace: number } {
  const byId = new Map(videos.map((v) => [v.id, v]));
  const clips: LabeledClip[] = [];
  let noFace = 0;
  for (const ref of plan) {
    const v = byId.get(ref.videoId)!;
    if (ref.frames.some((f) => v.noFace[f] === 1)) {
      noFace += 1;
      continue;
    }
    clips.push({ videoId: ref.videoId, frames: ref.frames, label: v.label, attackType: v.attackType });
  }
  return { clips, noFace };
}

export interface CropReader {
  read(videoId: string): Promise<VideoCrops>;
}

/** Reads videos from the cache, keeping the most recently used ones in memory up to `budgetBytes`. */
export function createCropReader(layout: CropCacheLayout, budgetBytes = 2 * 1024 ** 3): CropReader {
  const held = new Map<string, VideoCrops>();
  let bytes = 0;
  return {
    async read(videoId) {
      const hit = held.get(videoId);
      if (hit) {
        held.delete(videoId);
        held.set(videoId, hit);
        return hit;
      }
      const loaded = await readVideoCrops(layout, videoId);
      held.set(videoId, loaded);
      bytes += loaded.crops.length;
      for (const [id, v] of held) {
        if (bytes <= budgetBytes || held.size === 1) break;
        held.delete(id);
        bytes -= v.crops.length;
      }
      return loaded;
    },
  };
}

/**
 * The pixels of `clips`; with `augment`, each clip gets its own flip and
 * erased rectangle drawn from (seed, epoch, batch, position), identical for
 * all of its frames.
 */
export async function loadClipPixels(
  reader: CropReader,
  clips: readonly LabeledClip[],
  augment: { config: Readonly<AugmentConfig>; seed: number; epoch: number; batch: number } | null,
): Promise<ClipPixels[]> {
  const out: ClipPixels[] = [];
  for (const [i, clip] of clips.entries()) {
    const { meta, crops } = await reader.read(clip.videoId);
    const side = meta.cropSizePx;
    const frameBytes = side * side * 3;
    let frames: Uint8Array[] = clip.frames.map((f) => crops.subarray(f * frameBytes, (f + 1) * frameBytes));
    if (augment) {
      const rng = createSeededRandom(childSeed(augment.seed, 'augment', augment.epoch, augment.batch, i));
      frames = augmentClip(frames, side, side, chooseAugmentation(rng, side, side, augment.config));
    }
    out.push({ width: side, height: side, frames });
  }
  return out;
}
