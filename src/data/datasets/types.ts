/**
 * The shapes every dataset index and protocol shares: a video entry, an
 * indexing issue, a frame rule, and a protocol split (train/val/test lists).
 * Pure data: no I/O here.
 */

export type PresentationLabel = 'live' | 'spoof';

/** Which part of the dataset a video was published in (SiW's `Train`/`Test`), or assigned to by a manifest. */
export type SourceSplit = 'train' | 'val' | 'test';

/** The fields of a SiW file name `<SID>-<sensor>-<type>-<medium>-<session>`. */
export interface SiwNameFields {
  subject: string;
  sensor: number;
  /** 1 live, 2 print, 3 replay. */
  type: number;
  medium: number;
  session: number;
}

export interface VideoEntry {
  /** Stable id: the path relative to the dataset root, without extension, `/`-separated. */
  id: string;
  /** Path of the video file. */
  path: string;
  label: PresentationLabel;
  /** `null` for live; otherwise e.g. `print/1`, `replay/3`, or a folder layout's attack-type name. */
  attackType: string | null;
  subject: string;
  /** Where the dataset puts it, when it says: SiW's Train/Test folder, a manifest's split column. */
  sourceSplit: SourceSplit | null;
  /** The `.face` file beside it (boxes per frame), when there is one. */
  faceFile: string | null;
  /** Frames in the video, once probed (`probeDatasetVideos`); the index itself never decodes. */
  frameCount?: number;
  /** SiW only: the parsed name. */
  siw?: SiwNameFields;
}

export type IndexIssueKind =
  | 'bad-name'
  | 'bad-folder'
  | 'extra-file'
  | 'missing-face'
  | 'orphan-face'
  | 'face-lines'
  | 'bad-face-line'
  | 'unreadable-video'
  | 'missing-video'
  | 'subject-in-several-splits';

/** A problem with one file, reported instead of failing the whole index. */
export interface IndexIssue {
  kind: IndexIssueKind;
  file: string;
  /** 1-based line, for problems inside a text file. */
  line?: number;
  message: string;
}

export interface DatasetIndex {
  dataset: 'siw' | 'folder';
  root: string;
  /** Sorted by id. */
  videos: VideoEntry[];
  issues: IndexIssue[];
}

/** Which frames of a video a split may use: all of them, or only the first `count`. */
export type FrameRule = { kind: 'all' } | { kind: 'first'; count: number };

export const ALL_FRAMES: FrameRule = Object.freeze({ kind: 'all' }) as FrameRule;

/** Frames `start..end-1` that `rule` allows in a video of `frameCount` frames (the first N may be fewer when the video is short). */
export function frameRangeFor(rule: FrameRule, frameCount: number): { start: number; end: number } {
  if (!Number.isInteger(frameCount) || frameCount < 0) throw new RangeError(`frameCount must be a non-negative integer, got ${String(frameCount)}`);
  return rule.kind === 'all' ? { start: 0, end: frameCount } : { start: 0, end: Math.min(rule.count, frameCount) };
}

export interface SplitVideo {
  video: VideoEntry;
  frames: FrameRule;
}

/** One protocol and fold: which videos train, validate and test, and which frames of each. */
export interface ProtocolSplit {
  dataset: 'siw' | 'folder';
  /** e.g. `1`, `2`, `3` for SiW; `all` or `cross` for the folder layout. */
  protocol: string;
  /** 1-based fold, `null` when the protocol has a single split. */
  fold: number | null;
  /** Short human name, e.g. `SiW P2 fold 3 (replay/3 held out)`. */
  name: string;
  /** Attack types seen in training and in testing. */
  trainAttackTypes: string[];
  testAttackTypes: string[];
  valSubjects: string[];
  train: SplitVideo[];
  val: SplitVideo[];
  test: SplitVideo[];
}

/** Counts of one split list, for reports. */
export interface SplitCounts {
  videos: number;
  live: number;
  spoof: number;
  /** Videos per attack type, sorted by type. */
  byAttackType: Record<string, number>;
  subjects: number;
  /** Frames the split may use (each video's frame rule applied), once every video's frame count is known. */
  frames?: number;
}

export function countSplit(list: readonly SplitVideo[]): SplitCounts {
  const byAttackType: Record<string, number> = {};
  let live = 0;
  const subjects = new Set<string>();
  let frames: number | undefined = 0;
  for (const { video, frames: rule } of list) {
    subjects.add(video.subject);
    if (frames !== undefined && video.frameCount !== undefined) {
      const r = frameRangeFor(rule, video.frameCount);
      frames += r.end - r.start;
    } else frames = undefined;
    if (video.label === 'live') live += 1;
    else {
      const t = video.attackType ?? 'unknown';
      byAttackType[t] = (byAttackType[t] ?? 0) + 1;
    }
  }
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(byAttackType).sort()) sorted[k] = byAttackType[k]!;
  return { videos: list.length, live, spoof: list.length - live, byAttackType: sorted, subjects: subjects.size, ...(frames !== undefined && list.length > 0 ? { frames } : {}) };
}
