/**
 * What predicting on one input gives back: the one JSON shape the library
 * returns, `vidpad predict --json` prints and the HTTP service will send;
 * how a video's score is aggregated from its clips and turned into a
 * decision; and the one-line and CSV renderings of it. Plain data only (no
 * typed arrays, no class instances), so `JSON.parse(JSON.stringify(r))`
 * gives back an equal object. Pure: no Node imports.
 */
import type { BoxPx } from '../face/box.js';
import type { ThresholdSpec } from '../models/model-files.js';

/** `live`: score >= threshold; `attack`: below; `no-face`: no clip of T frames with a face, so nothing was scored. */
export type LivenessDecision = 'live' | 'attack' | 'no-face';

/**
 * How a video's score comes from its clips' scores: their mean, the rule of
 * the video-level metrics of `vidpad eval`, and the one the threshold (the
 * validation EER point of clip scores) suits best: averaging clips keeps the
 * score on the clips' scale while shrinking its spread (see the README).
 */
export const VIDEO_SCORE_RULE = 'mean-of-clip-scores' as const;
export type VideoScoreRule = typeof VIDEO_SCORE_RULE;

export interface ClipResult {
  /** The clip's frame indices in the input (T of them). */
  frames: number[];
  /** The first frame and the frame after the last (exclusive). */
  startFrame: number;
  endFrame: number;
  /** liveScore: cosine of the clip's embedding with the live prototype. */
  score: number;
  /** The face box cropped on each of the clip's frames, in pixels of the input's upright frames. */
  boxes: BoxPx[];
}

export interface LivenessTimings {
  /** Waiting for decoded frames (ffmpeg runs alongside). */
  decodeMs: number;
  detectMs: number;
  /** Cropping and standardising. */
  cropMs: number;
  scoreMs: number;
  totalMs: number;
  /** Frames handled per second of totalMs. */
  framesPerSec: number;
}

export interface LivenessResult {
  /** The input as given: a path, `-` for standard input, `frames` for predictFrames. */
  input: string;
  kind: 'video' | 'image' | 'frames';
  decision: LivenessDecision;
  /** The video's live score by `scoreRule`; null when no clip could be scored. */
  score: number | null;
  scoreRule: VideoScoreRule;
  /** The threshold applied (live when score >= value), and where it came from. */
  threshold: ThresholdSpec & { source: 'model' | 'option' };
  clips: ClipResult[];
  frames: {
    /** Frames read (after `maxSeconds`). */
    read: number;
    withFace: number;
    /** Clips of the layout left out because a frame had no face. */
    clipsWithoutFace: number;
    /** The input's upright size, and the size frames were detected and cropped at. */
    width: number;
    height: number;
    decodeWidth: number;
    decodeHeight: number;
    fps: number | null;
  };
  detector: {
    /** The detector that found the boxes, or `dataset` when all came from a `.face` file. */
    name: string;
    /** Detection ran on every n-th frame, tracking in between. */
    everyFrames: number;
    /** The box convention was mapped to the training boxes' with the model's calibration. */
    calibrated: boolean;
  };
  /** The clip layout used: T, frame stride, frames between clip starts. */
  clipLayout: { frames: number; frameStride: number; hopFrames: number };
  model: {
    dir: string;
    loss: string;
    inputSize: number;
    formatVersion: number;
    /** Whether the model folder recorded its input contract, or predict assumed the preprocessing defaults. */
    contract: 'recorded' | 'assumed';
  };
  /** Why a decision is `no-face`, or null. */
  reason: string | null;
  warnings: string[];
  timings: LivenessTimings;
}

/** A video's score from its clips' scores (VIDEO_SCORE_RULE); null for none. */
export function aggregateClipScores(scores: readonly number[]): number | null {
  if (scores.length === 0) return null;
  let sum = 0;
  for (const s of scores) sum += s;
  return sum / scores.length;
}

/** The decision for a score (null: no face) against a threshold: live when score >= threshold. */
export function decide(score: number | null, threshold: number): LivenessDecision {
  if (score === null) return 'no-face';
  return score >= threshold ? 'live' : 'attack';
}

/** One line per input: `INPUT: LIVE (score 0.8123 >= threshold 0.4021, 12 clips)`. */
export function formatVerdict(r: LivenessResult): string {
  const t = r.threshold.value.toFixed(4);
  if (r.decision === 'no-face') return `${r.input}: NO FACE (${r.reason ?? 'no clip with a face'})`;
  const cmp = r.decision === 'live' ? '>=' : '<';
  return `${r.input}: ${r.decision.toUpperCase()} (score ${r.score!.toFixed(4)} ${cmp} threshold ${t}, ${r.clips.length} clip${r.clips.length === 1 ? '' : 's'})`;
}

export const RESULT_CSV_HEADER = 'input,kind,decision,score,threshold,clips,frames,frames_with_face,error';

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV row (RESULT_CSV_HEADER's columns) for a result, or for an input that failed with `error`. */
export function resultCsvRow(r: LivenessResult | { input: string; error: string }): string {
  if ('error' in r) return [csvField(r.input), '', 'error', '', '', '', '', '', csvField(r.error)].join(',');
  return [
    csvField(r.input),
    r.kind,
    r.decision,
    r.score === null ? '' : String(r.score),
    String(r.threshold.value),
    String(r.clips.length),
    String(r.frames.read),
    String(r.frames.withFace),
    r.decision === 'no-face' ? csvField(r.reason ?? '') : '',
  ].join(',');
}
