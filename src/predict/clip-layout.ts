/**
 * Which frames make the clips a video is scored on: the layout evaluation
 * used (`vidpad eval`, the validation split in training), read from the
 * model's contract. Clips start at frame 0 and every `hopFrames` after; clip
 * k holds frames start + i·frameStride (i < T); a clip with a frame that has
 * no face is left out, never cropped from garbage. Pure: frame indices in,
 * frame indices out, no Node imports (the browser check shares it).
 */
import { ConfigError } from '../errors.js';

export interface ClipLayout {
  /** T: frames per clip. */
  frames: number;
  /** Step between a clip's frames (1: consecutive). */
  frameStride: number;
  /** Frames between clip starts. */
  hopFrames: number;
}

/** Checks a layout, naming the field on error (`<field>.frames`, ...). */
export function resolveClipLayout(layout: ClipLayout, field = 'clipLayout'): Readonly<ClipLayout> {
  const whole = (name: keyof ClipLayout, lo: number) => {
    const v = layout[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo) throw new ConfigError(`${field}.${name}`, `expected a whole number >= ${lo}, got ${JSON.stringify(v)}`);
  };
  whole('frames', 1);
  whole('frameStride', 1);
  whole('hopFrames', 1);
  return Object.freeze({ frames: layout.frames, frameStride: layout.frameStride, hopFrames: layout.hopFrames });
}

/** Frames from a clip's first to its last, inclusive. */
export function clipSpanFrames(layout: ClipLayout): number {
  return (layout.frames - 1) * layout.frameStride + 1;
}

/** The frame indices of the clip starting at `start`. */
export function clipFrameIndices(start: number, layout: ClipLayout): number[] {
  return Array.from({ length: layout.frames }, (_, i) => start + i * layout.frameStride);
}

/**
 * The start of the clip whose last frame is `frame`, or null when no clip of
 * the layout ends there: a stream hands frames over one by one and asks this
 * after each, so clips are complete as soon as their last frame is.
 */
export function clipStartEndingAt(frame: number, layout: ClipLayout): number | null {
  const start = frame - (layout.frames - 1) * layout.frameStride;
  return start >= 0 && start % layout.hopFrames === 0 ? start : null;
}

export interface PlannedClips {
  /** Each kept clip's frame indices. */
  clips: number[][];
  /** Clips of the layout left out because one of their frames has no face. */
  noFace: number;
}

/** Every clip of a `frameCount`-frame video; `hasFace(f)` says whether frame f has a face box. */
export function planClips(frameCount: number, layout: ClipLayout, hasFace: (frame: number) => boolean = () => true): PlannedClips {
  if (!Number.isInteger(frameCount) || frameCount < 0) throw new ConfigError('frameCount', `expected a whole number >= 0, got ${String(frameCount)}`);
  const l = resolveClipLayout(layout);
  const clips: number[][] = [];
  let noFace = 0;
  for (let start = 0; start + clipSpanFrames(l) <= frameCount; start += l.hopFrames) {
    const frames = clipFrameIndices(start, l);
    if (frames.every(hasFace)) clips.push(frames);
    else noFace += 1;
  }
  return { clips, noFace };
}
