/**
 * Face boxes over time, for the frames of one video: which face to follow
 * when a frame holds several, filling short runs of frames without a
 * detection, smoothing the jitter of per-frame detections, and the policy
 * between a dataset's own boxes (SiW `.face`) and the detector's.
 * Pure: boxes in, boxes out; no tensors, no I/O, inputs not mutated.
 */
import { boxArea, boxCenter, clipBox, iou, isValidBox, type BoxPx } from './box.js';
import { ConfigError } from '../errors.js';

/** One candidate face in a frame; a FaceDetection fits. */
export interface FaceCandidate {
  box: BoxPx;
  score?: number;
}

export const FACE_CHOICES = ['largest', 'nearest'] as const;
/** `largest`: the biggest box in each frame. `nearest`: the one whose centre is closest to the previous frame's chosen box (the largest where there is no previous one). */
export type FaceChoice = (typeof FACE_CHOICES)[number];

export interface FaceTrackConfig {
  choose: FaceChoice;
  /**
   * Longest run of frames without a face that is filled from its neighbours
   * (linear interpolation between the frames on either side; at the start or
   * end of the video, the nearest box is held). Longer runs stay "no face".
   */
  maxGapFrames: number;
  /** Width of the centred moving average over box coordinates; odd; 1 turns smoothing off. */
  smoothWindowFrames: number;
}

export const DEFAULT_FACE_TRACK_CONFIG: Readonly<FaceTrackConfig> = Object.freeze({
  choose: 'nearest',
  maxGapFrames: 5,
  smoothWindowFrames: 3,
});

/** `detected`: chosen from the frame's own candidates; `filled`: interpolated or held across a short gap; `none`: no usable face. */
export type TrackedBoxSource = 'detected' | 'filled' | 'none';

export interface TrackedBox {
  /** The face box for this frame (after smoothing), or null for "no face". */
  box: BoxPx | null;
  source: TrackedBoxSource;
}

export function resolveFaceTrackConfig(config: Partial<FaceTrackConfig> = {}): Readonly<FaceTrackConfig> {
  const c = { ...DEFAULT_FACE_TRACK_CONFIG, ...config };
  if (!FACE_CHOICES.includes(c.choose)) throw new ConfigError('track.choose', `unknown value '${String(c.choose)}'; expected one of ${FACE_CHOICES.join(', ')}`);
  if (!Number.isInteger(c.maxGapFrames) || c.maxGapFrames < 0) throw new ConfigError('track.maxGapFrames', `expected an integer >= 0, got ${String(c.maxGapFrames)}`);
  if (!Number.isInteger(c.smoothWindowFrames) || c.smoothWindowFrames < 1 || c.smoothWindowFrames % 2 === 0) {
    throw new ConfigError('track.smoothWindowFrames', `expected an odd integer >= 1, got ${String(c.smoothWindowFrames)}`);
  }
  return Object.freeze(c);
}

function lerpBox(a: BoxPx, b: BoxPx, t: number): BoxPx {
  return {
    left: a.left + (b.left - a.left) * t,
    top: a.top + (b.top - a.top) * t,
    right: a.right + (b.right - a.right) * t,
    bottom: a.bottom + (b.bottom - a.bottom) * t,
  };
}

/** Index of the candidate to follow, or -1 when none is valid. */
function choose(cands: readonly FaceCandidate[], previous: BoxPx | null, how: FaceChoice): number {
  let best = -1;
  let bestKey = Infinity;
  const prev = how === 'nearest' && previous ? boxCenter(previous) : null;
  cands.forEach((c, i) => {
    if (!isValidBox(c.box)) return;
    let key: number;
    if (prev) {
      const ctr = boxCenter(c.box);
      key = Math.hypot(ctr.x - prev.x, ctr.y - prev.y);
    } else {
      key = -boxArea(c.box);
    }
    if (key < bestKey) {
      bestKey = key;
      best = i;
    }
  });
  return best;
}

/** The causal first step of tracking: the candidate each frame follows (null: none), given the previous frame's choice. */
function chooseNext(cands: readonly FaceCandidate[], previous: BoxPx | null, how: FaceChoice): BoxPx | null {
  const k = choose(cands, previous, how);
  if (k < 0) return null;
  const b = cands[k]!.box;
  return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
}

/**
 * Gap filling then smoothing of the chosen boxes of consecutive frames
 * `chosen` (null: nothing chosen). `atStart`/`atEnd` say whether the slice
 * begins at the video's first frame and ends at its last: a run of missing
 * frames touching a slice edge that is not the video's edge is left unfilled.
 */
function fillAndSmooth(chosen: readonly (BoxPx | null)[], c: Readonly<FaceTrackConfig>, atStart = true, atEnd = true): TrackedBox[] {
  const n = chosen.length;
  const boxes: (BoxPx | null)[] = chosen.map((b) => (b ? { ...b } : null));
  const source: TrackedBoxSource[] = chosen.map((b) => (b ? 'detected' : 'none'));
  // Gaps: a run of missing frames i..j-1 between detections at i-1 and j.
  let i = 0;
  while (i < n) {
    if (boxes[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && !boxes[j]) j++;
    const len = j - i;
    const before = i > 0 ? boxes[i - 1]! : null;
    const after = j < n ? boxes[j]! : null;
    const known = (i > 0 || atStart) && (j < n || atEnd);
    if (known && len <= c.maxGapFrames && (before || after)) {
      for (let f = i; f < j; f++) {
        boxes[f] = before && after ? lerpBox(before, after, (f - i + 1) / (len + 1)) : { ...(before ?? after)! };
        source[f] = 'filled';
      }
    }
    i = j;
  }
  return smooth(boxes, c.smoothWindowFrames).map((box, f) => ({ box, source: source[f]! }));
}

/**
 * One face box per frame from per-frame candidates (e.g. detector output):
 * choose, fill gaps up to maxGapFrames, smooth. `perFrame[i]` lists frame i's
 * candidates (empty: nothing found).
 */
export function trackFaces(perFrame: readonly (readonly FaceCandidate[])[], config: Partial<FaceTrackConfig> = {}): TrackedBox[] {
  const c = resolveFaceTrackConfig(config);
  const chosen: (BoxPx | null)[] = [];
  let previous: BoxPx | null = null;
  for (const cands of perFrame) {
    const b = chooseNext(cands ?? [], previous, c.choose);
    chosen.push(b);
    if (b) previous = b;
  }
  return fillAndSmooth(chosen, c);
}

/** A frame's tracked box, as the streaming tracker hands it out. */
export interface IndexedTrackedBox extends TrackedBox {
  /** The frame's index, counting from 0 in push order. */
  index: number;
}

/** `trackFaces` one frame at a time, for videos too long to hold: see `createFaceTracker`. */
export interface FaceTracker {
  /** How many frames after frame f must be pushed before f's box is final. */
  readonly lookaheadFrames: number;
  /** Adds the next frame's candidates; returns the frames whose box became final (in order, maybe none). */
  push(candidates: readonly FaceCandidate[]): IndexedTrackedBox[];
  /** The video ended: returns the boxes of the frames still pending. */
  finish(): IndexedTrackedBox[];
}

/**
 * The streaming form of `trackFaces`, with exactly its output. Choosing is
 * causal; a frame's filled box depends on its gap's ends, at most
 * maxGapFrames + 1 frames away (a longer gap stays empty, so nothing farther
 * matters), and its smoothed box on the filled boxes within half a window.
 * So frame f is final once frame f + half + maxGapFrames + 1 has been seen,
 * and is computed from the chosen boxes within that radius: memory stays
 * constant however long the video.
 */
export function createFaceTracker(config: Partial<FaceTrackConfig> = {}): FaceTracker {
  const c = resolveFaceTrackConfig(config);
  const radius = (c.smoothWindowFrames - 1) / 2 + c.maxGapFrames + 1;
  // chosen[k] is frame `offset + k`; frames before next - radius are dropped.
  let chosen: (BoxPx | null)[] = [];
  let offset = 0;
  let pushed = 0;
  let next = 0;
  let previous: BoxPx | null = null;
  let finished = false;
  const finalize = (f: number, atEnd: boolean): IndexedTrackedBox => {
    const lo = Math.max(0, f - radius);
    const hi = atEnd ? pushed : Math.min(pushed, f + radius + 1);
    const slice = chosen.slice(lo - offset, hi - offset);
    const out = fillAndSmooth(slice, c, lo === 0, atEnd && hi === pushed)[f - lo]!;
    return { index: f, ...out };
  };
  const trim = () => {
    const keepFrom = Math.max(0, next - radius);
    if (keepFrom > offset) {
      chosen = chosen.slice(keepFrom - offset);
      offset = keepFrom;
    }
  };
  return {
    lookaheadFrames: radius,
    push(candidates) {
      if (finished) throw new ConfigError('tracker', 'push after finish: this tracker has ended');
      const b = chooseNext(candidates ?? [], previous, c.choose);
      chosen.push(b);
      if (b) previous = b;
      pushed += 1;
      const out: IndexedTrackedBox[] = [];
      while (next + radius < pushed) out.push(finalize(next++, false));
      trim();
      return out;
    },
    finish() {
      if (finished) return [];
      finished = true;
      const out: IndexedTrackedBox[] = [];
      while (next < pushed) out.push(finalize(next++, true));
      return out;
    },
  };
}

/** Centred moving average of box coordinates within each run of frames that have a box; never across a "no face" frame. */
function smooth(boxes: readonly (BoxPx | null)[], window: number): (BoxPx | null)[] {
  if (window === 1) return boxes.map((b) => (b ? { ...b } : null));
  const half = (window - 1) / 2;
  const out: (BoxPx | null)[] = [];
  for (let f = 0; f < boxes.length; f++) {
    if (!boxes[f]) {
      out.push(null);
      continue;
    }
    let l = 0;
    let t = 0;
    let r = 0;
    let b = 0;
    let count = 0;
    // Shrink the window symmetrically at a run's edge so the average stays centred (no drift at the ends).
    let reach = half;
    for (let d = 1; d <= half; d++) {
      if (!boxes[f - d] || !boxes[f + d]) {
        reach = d - 1;
        break;
      }
    }
    for (let g = f - reach; g <= f + reach; g++) {
      const x = boxes[g]!;
      l += x.left;
      t += x.top;
      r += x.right;
      b += x.bottom;
      count++;
    }
    out.push({ left: l / count, top: t / count, right: r / count, bottom: b / count });
  }
  return out;
}

/** True when every frame in [start, end) has a face: a clip touching a "no face" frame is reported, not cropped from garbage. */
export function clipHasFace(track: readonly TrackedBox[], start: number, end: number): boolean {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > track.length || start >= end) {
    throw new ConfigError('clip', `frame range ${start}..${end} (end exclusive) is not inside the track's ${track.length} frames`);
  }
  for (let f = start; f < end; f++) if (!track[f]!.box) return false;
  return true;
}

export const BOX_POLICIES = ['dataset', 'detector', 'dataset-then-detector'] as const;
/**
 * Where a frame's box comes from when the dataset ships one (SiW `.face`):
 * - `dataset`: the shipped box when valid, else none;
 * - `detector`: the detector's, ignoring the shipped one;
 * - `dataset-then-detector`: the shipped box when it is valid and agrees with
 *   a detection (IoU >= minAgreementIou), else the detector's. With no
 *   detection the shipped box cannot be checked, so the frame has none (and
 *   trackFaces may fill it from its neighbours).
 */
export type BoxPolicy = (typeof BOX_POLICIES)[number];

export interface BoxPolicyConfig {
  policy: BoxPolicy;
  minAgreementIou: number;
}

export const DEFAULT_BOX_POLICY_CONFIG: Readonly<BoxPolicyConfig> = Object.freeze({ policy: 'dataset-then-detector', minAgreementIou: 0.5 });

export interface PolicyChoice {
  box: BoxPx | null;
  source: 'dataset' | 'detector' | 'none';
}

/**
 * A shipped box is usable when finite, non-empty, and at least half inside
 * the frame (SiW writes zeros, or boxes off the frame, where it found nothing).
 */
export function isUsableDatasetBox(box: BoxPx | null | undefined, frameWidth: number, frameHeight: number): box is BoxPx {
  if (!isValidBox(box)) return false;
  return boxArea(clipBox(box, frameWidth, frameHeight)) >= 0.5 * boxArea(box);
}

/** Applies the box policy to one frame: `detections` are the detector's candidates, `datasetBox` the shipped one (null if none). */
export function chooseBoxByPolicy(
  datasetBox: BoxPx | null,
  detections: readonly FaceCandidate[],
  frameWidth: number,
  frameHeight: number,
  config: Partial<BoxPolicyConfig> = {},
): PolicyChoice {
  const c = { ...DEFAULT_BOX_POLICY_CONFIG, ...config };
  if (!BOX_POLICIES.includes(c.policy)) throw new ConfigError('boxPolicy.policy', `unknown value '${String(c.policy)}'; expected one of ${BOX_POLICIES.join(', ')}`);
  if (typeof c.minAgreementIou !== 'number' || !(c.minAgreementIou >= 0 && c.minAgreementIou <= 1)) {
    throw new ConfigError('boxPolicy.minAgreementIou', `expected a number in 0..1, got ${String(c.minAgreementIou)}`);
  }
  const usable = isUsableDatasetBox(datasetBox, frameWidth, frameHeight);
  if (c.policy === 'dataset') return usable ? { box: { ...datasetBox }, source: 'dataset' } : { box: null, source: 'none' };
  const valid = detections.filter((d) => isValidBox(d.box));
  const largest = valid.reduce<FaceCandidate | null>((best, d) => (!best || boxArea(d.box) > boxArea(best.box) ? d : best), null);
  if (c.policy === 'detector') return largest ? { box: { ...largest.box }, source: 'detector' } : { box: null, source: 'none' };
  if (usable && valid.length > 0) {
    const bestIou = Math.max(...valid.map((d) => iou(d.box, datasetBox)));
    if (bestIou >= c.minAgreementIou) return { box: { ...datasetBox }, source: 'dataset' };
  }
  return largest ? { box: { ...largest.box }, source: 'detector' } : { box: null, source: 'none' };
}
