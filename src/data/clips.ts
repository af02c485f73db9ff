/**
 * Which frames make a clip: N consecutive frames (N = 2, 3 or 5) taken every
 * `stride` frames, inside the frame range a protocol allows (e.g. P1's first
 * 60). For testing every clip of a video is listed, for training k clips per
 * video are drawn with a seeded generator. Pure: frame indices in, frame
 * indices out; decoding and tensors live elsewhere.
 */
import { ConfigError } from '../errors.js';
import type { FrameRule } from './datasets/types.js';
import { frameRangeFor } from './datasets/types.js';
import { childSeed, createSeededRandom, type SeededRandom } from './random.js';

export const CLIP_LENGTHS = [2, 3, 5] as const;
export type ClipLength = (typeof CLIP_LENGTHS)[number];

export interface ClipSpec {
  /** Frames per clip, T. */
  length: ClipLength;
  /** Step between the frames of a clip: 1 = consecutive frames. */
  stride: number;
}

export const DEFAULT_CLIP_SPEC: Readonly<ClipSpec> = Object.freeze({ length: 5, stride: 1 });

/** Checks a clip spec, naming the field (`<field>.length`, `<field>.stride`) on error; returns a frozen copy. */
export function resolveClipSpec(spec: Partial<ClipSpec> = {}, field = 'clip'): Readonly<ClipSpec> {
  const out = { ...DEFAULT_CLIP_SPEC, ...spec };
  if (!(CLIP_LENGTHS as readonly number[]).includes(out.length)) throw new ConfigError(`${field}.length`, `expected one of ${CLIP_LENGTHS.join(', ')}, got ${String(out.length)}`);
  if (!Number.isInteger(out.stride) || out.stride < 1) throw new ConfigError(`${field}.stride`, `expected a positive integer, got ${String(out.stride)}`);
  return Object.freeze(out);
}

/** Frames a clip spans, first to last inclusive. */
export function clipSpan(spec: ClipSpec): number {
  return (spec.length - 1) * spec.stride + 1;
}

/** The frame indices of the clip starting at `start`. */
export function clipFrames(start: number, spec: ClipSpec): number[] {
  return Array.from({ length: spec.length }, (_, i) => start + i * spec.stride);
}

export interface FrameRange {
  /** First frame, inclusive. */
  start: number;
  /** Last frame, exclusive. */
  end: number;
}

function checkRange(range: FrameRange): void {
  if (!Number.isInteger(range.start) || !Number.isInteger(range.end) || range.start < 0 || range.end < range.start) {
    throw new ConfigError('range', `expected integers 0 <= start <= end, got start ${String(range.start)}, end ${String(range.end)}`);
  }
}

/**
 * Every clip in `range`, starting at `range.start` and every `hop` frames
 * after. Default hop: the clip's span, so clips do not overlap and each frame
 * is used at most once; `hop: 1` gives every possible clip. A range shorter
 * than one clip gives none.
 */
export function allClips(range: FrameRange, spec: ClipSpec, hop?: number): number[][] {
  checkRange(range);
  const span = clipSpan(spec);
  const step = hop ?? span;
  if (!Number.isInteger(step) || step < 1) throw new ConfigError('hop', `expected a positive integer, got ${String(hop)}`);
  const out: number[][] = [];
  for (let s = range.start; s + span <= range.end; s += step) out.push(clipFrames(s, spec));
  return out;
}

/**
 * `count` clips drawn from `range`: distinct start frames while there are
 * enough of them, then repeats (a short video still yields `count` clips).
 * None when the range is shorter than one clip.
 */
export function randomClips(range: FrameRange, spec: ClipSpec, count: number, rng: SeededRandom): number[][] {
  checkRange(range);
  if (!Number.isInteger(count) || count < 0) throw new ConfigError('count', `expected a non-negative integer, got ${String(count)}`);
  const positions = range.end - range.start - clipSpan(spec) + 1;
  if (positions <= 0) return [];
  const starts: number[] = [];
  // A partial Fisher-Yates over the start positions: distinct starts without listing them all.
  const swapped = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    if (i < positions) {
      const j = rng.int(i, positions);
      const vj = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(i) ?? i);
      starts.push(range.start + vj);
    } else {
      starts.push(range.start + rng.int(0, positions));
    }
  }
  return starts.map((s) => clipFrames(s, spec));
}

/** A video as the clip planners need it: an id, its frame count, and the frames its split may use. */
export interface ClipSource {
  id: string;
  frameCount: number;
  frames: FrameRule;
}

export interface ClipRef {
  videoId: string;
  /** Absolute frame indices, `length` of them. */
  frames: number[];
}

export interface ClipPlan {
  clips: ClipRef[];
  /** Videos whose allowed range is shorter than one clip. */
  skipped: string[];
}

/** Every clip of every video (see `allClips`), in video order: what testing scores. */
export function planTestClips(videos: readonly ClipSource[], spec: ClipSpec, hop?: number): ClipPlan {
  const clips: ClipRef[] = [];
  const skipped: string[] = [];
  for (const v of videos) {
    const list = allClips(frameRangeFor(v.frames, v.frameCount), spec, hop);
    if (list.length === 0) skipped.push(v.id);
    for (const frames of list) clips.push({ videoId: v.id, frames });
  }
  return { clips, skipped };
}

/**
 * `clipsPerVideo` random clips of every video for one epoch. Each video draws
 * from its own generator, seeded by (seed, epoch, video id), so a video's
 * clips do not change when other videos are added, removed or reordered.
 */
export function planTrainClips(videos: readonly ClipSource[], spec: ClipSpec, clipsPerVideo: number, seed: number, epoch = 0): ClipPlan {
  if (!Number.isInteger(clipsPerVideo) || clipsPerVideo < 1) throw new ConfigError('clipsPerVideo', `expected a positive integer, got ${String(clipsPerVideo)}`);
  const clips: ClipRef[] = [];
  const skipped: string[] = [];
  for (const v of videos) {
    const rng = createSeededRandom(childSeed(seed, 'clips', epoch, v.id));
    const list = randomClips(frameRangeFor(v.frames, v.frameCount), spec, clipsPerVideo, rng);
    if (list.length === 0) skipped.push(v.id);
    for (const frames of list) clips.push({ videoId: v.id, frames });
  }
  return { clips, skipped };
}
