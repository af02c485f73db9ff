/**
 * The shapes every dataset index and protocol shares: a video entry, an
 * indexing issue, a frame rule, and a protocol split (train/val/test lists).
 * Pure data: no I/O here.
 */

export type PresentationLabel = 'live' | 'spoof';

/** The layouts vidpad indexes: SiW, the four datasets of the cross-dataset benchmarks (O, C, I, M), and users' own folders. */
export const DATASET_NAMES = ['siw', 'oulu-npu', 'casia-fasd', 'replay-attack', 'msu-mfsd', 'folder'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/**
 * How a dataset's per-frame face file is written (see face-file.ts):
 * `siw` one `x1 y1 x2 y2` line per frame; `frame-xywh` lines `frame x y w h`
 * (Idiap Replay-Attack); `frame-corners` lines `frame,x1,y1,x2,y2[,…]`
 * (MSU-MFSD); `frame-eyes` lines `frame, x_left_eye, y_left_eye, x_right_eye,
 * y_right_eye` (OULU-NPU).
 */
export const FACE_FILE_FORMATS = ['siw', 'frame-xywh', 'frame-corners', 'frame-eyes'] as const;
export type FaceFileFormat = (typeof FACE_FILE_FORMATS)[number];

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
  /**
   * Stable id: the path relative to the dataset root, without extension,
   * `/`-separated. OULU-NPU, CASIA-FASD, Replay-Attack and MSU-MFSD ids start
   * with the dataset's name (`oulu-npu/Train_files/1_1_01_1`), and a
   * cross-dataset split prefixes every id that way, so one crop cache holds
   * several datasets without two ids meeting.
   */
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
  /** How `faceFile` is written; absent means `siw`. */
  faceFormat?: FaceFileFormat;
  /** The dataset the video belongs to, set when indexes of several datasets are combined (cross-dataset protocols). */
  dataset?: DatasetName;
  /** SiW only: the parsed name. */
  siw?: SiwNameFields;
  /** OULU-NPU only: the parsed name. */
  oulu?: OuluNameFields;
  /** CASIA-FASD only: the parsed name and folder. */
  casia?: CasiaNameFields;
  /** Idiap Replay-Attack only: the parsed name and folder. */
  replay?: ReplayNameFields;
  /** MSU-MFSD only: the parsed name. */
  msu?: MsuNameFields;
}

/** `<phone>_<session>_<user>_<type>`: phone 1-6, session 1-3, user 1-55, type 1 live, 2-3 print 1-2, 4-5 replay 1-2. */
export interface OuluNameFields {
  phone: number;
  session: number;
  /** Two digits as in the name, e.g. `07`. */
  user: string;
  type: number;
}

/** A CASIA-FASD video `<release>/<subject>/<file>.avi`. */
export interface CasiaNameFields {
  release: 'train' | 'test';
  /** The folder number inside its release (train 1-20, test 1-30: the numbers restart). */
  folder: string;
  /** `1`..`8`, `HR_1`..`HR_4`. */
  file: string;
  quality: 'low' | 'normal' | 'high';
  /** `live`, `warped` (warped photo), `cut` (cut photo) or `video` (replay). */
  kind: 'live' | 'warped' | 'cut' | 'video';
}

/** An Idiap Replay-Attack video name, plus the support folder of an attack. */
export interface ReplayNameFields {
  /** Three digits, e.g. `001`. */
  client: string;
  session: string;
  light: 'controlled' | 'adverse';
  /** Live: the attempt (1, 2); attacks: null. */
  attempt: number | null;
  /** Attacks: the attack device (`print`, `mobile`, `highdef`); live: null. */
  device: 'print' | 'mobile' | 'highdef' | null;
  /** Attacks: what is shown (`photo` or `video`); live: null. */
  medium: 'photo' | 'video' | null;
  /** Attacks: `fixed` or `hand` (the folder); live: null. */
  support: 'fixed' | 'hand' | null;
}

/** An MSU-MFSD video name. */
export interface MsuNameFields {
  /** Three digits as in the name, e.g. `002`. */
  client: string;
  /** The capturing device: `android` (Google Nexus 5) or `laptop` (MacBook Air). */
  device: 'android' | 'laptop';
  /** Attacks: `ipad_video`, `iphone_video` or `printed_photo`; live: null. */
  attack: 'ipad_video' | 'iphone_video' | 'printed_photo' | null;
  scene: string;
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
  | 'outside-root'
  | 'subject-in-several-splits'
  | 'missing-list'
  | 'bad-list-line'
  | 'unlisted-subject'
  | 'protocol-mismatch';

/** A problem with one file, reported instead of failing the whole index. */
export interface IndexIssue {
  kind: IndexIssueKind;
  file: string;
  /** 1-based line, for problems inside a text file. */
  line?: number;
  message: string;
}

export interface DatasetIndex {
  dataset: DatasetName;
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
  /** The dataset, or `cross` for a cross-dataset split (its videos carry their own `dataset`). */
  dataset: DatasetName | 'cross';
  /** e.g. `1`, `2`, `3` for SiW; `all` or `cross` for the folder layout; `cross` across datasets. */
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
