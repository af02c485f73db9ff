/**
 * What the synthetic SiW tree contains: which subjects go to Train and which
 * to Test, and every video's SiW name. Pure and deterministic from the seed;
 * rendering and writing follow this plan and nothing else.
 *
 * Per subject (SiW's naming `<SID>-<sensor>-<type>-<medium>-<session>`):
 * - live (type 1, medium 1): 2 sensors × sessions 1-4 (distance, pose,
 *   illumination, expression) = 8 videos;
 * - print (type 2): media 1, 2 × 2 sensors × sessions 1, 2 (near, far) = 8;
 * - replay (type 3): media 1-4 × 2 sensors × session 1 = 8.
 */
import { createRng, deriveSeed, shuffled } from './random.js';
import type { FaceFileFormat } from '../data/datasets/types.js';

export type SynthSplit = 'Train' | 'Test';
export type SynthLabel = 'live' | 'spoof';
export type SynthSensor = 1 | 2;
/** 1 live, 2 print, 3 replay. */
export type SynthType = 1 | 2 | 3;

export interface SynthSubject {
  /** 1-based subject number. */
  readonly index: number;
  /** Three digits, zero-padded: `003`. */
  readonly sid: string;
  readonly split: SynthSplit;
  /** The layout's part the subject is in (SiW: Train → train, Test → test; OULU-NPU and Replay-Attack also val). */
  readonly part?: 'train' | 'val' | 'test';
}

export interface SynthVideoSpec {
  readonly subject: SynthSubject;
  readonly sensor: SynthSensor;
  readonly type: SynthType;
  readonly medium: number;
  readonly session: number;
  readonly label: SynthLabel;
  /** `003-1-1-1-1`. */
  readonly stem: string;
  /** Relative to the output root, without extension: `Train/live/003/003-1-1-1-1`. */
  readonly relStem: string;
  /** The video file relative to the output root, with its extension (which sets the container: .mov, .avi, .mp4). Default `<relStem>.mov`. */
  readonly videoPath?: string;
  /** The face file relative to the output root and its format; null: the layout ships none. Default `<relStem>.face` in SiW's format. */
  readonly faceFile?: { readonly path: string; readonly format: FaceFileFormat } | null;
}

/** A text file the layout ships beside its videos (MSU-MFSD's subject lists). */
export interface SynthExtraFile {
  readonly path: string;
  readonly text: string;
}

/** Sessions rendered per type; see the module header. */
export const SYNTH_SESSIONS: Readonly<Record<SynthType, readonly number[]>> = Object.freeze({
  1: Object.freeze([1, 2, 3, 4]),
  2: Object.freeze([1, 2]),
  3: Object.freeze([1]),
});

/** Media per type: live has the single medium 1. */
export const SYNTH_MEDIA: Readonly<Record<SynthType, readonly number[]>> = Object.freeze({
  1: Object.freeze([1]),
  2: Object.freeze([1, 2]),
  3: Object.freeze([1, 2, 3, 4]),
});

/** SiW's split: 90 of its 165 subjects train, 75 test. */
export const SIW_TRAIN_FRACTION = 90 / 165;

/**
 * How many of `subjects` go to Train: SiW's proportion rounded, but with at
 * least one subject on each side whenever there are two or more.
 */
export function trainSubjectCount(subjects: number): number {
  if (subjects <= 1) return subjects;
  return Math.min(subjects - 1, Math.max(1, Math.round(subjects * SIW_TRAIN_FRACTION)));
}

/** Subjects 1..N; which of them train is a seeded shuffle, so it varies with the seed but not between runs. */
export function planSubjects(subjects: number, seed: number): SynthSubject[] {
  const order = shuffled(
    Array.from({ length: subjects }, (_, i) => i + 1),
    createRng(deriveSeed(seed, 'split')),
  );
  const train = new Set(order.slice(0, trainSubjectCount(subjects)));
  return Array.from({ length: subjects }, (_, i) => ({
    index: i + 1,
    sid: String(i + 1).padStart(3, '0'),
    split: train.has(i + 1) ? 'Train' : 'Test',
    part: train.has(i + 1) ? 'train' : 'test',
  }));
}

export function planVideosOfSubject(subject: SynthSubject): SynthVideoSpec[] {
  const out: SynthVideoSpec[] = [];
  for (const type of [1, 2, 3] as const) {
    for (const medium of SYNTH_MEDIA[type]) {
      for (const sensor of [1, 2] as const) {
        for (const session of SYNTH_SESSIONS[type]) {
          const label: SynthLabel = type === 1 ? 'live' : 'spoof';
          const stem = `${subject.sid}-${sensor}-${type}-${medium}-${session}`;
          out.push({ subject, sensor, type, medium, session, label, stem, relStem: `${subject.split}/${label}/${subject.sid}/${stem}` });
        }
      }
    }
  }
  return out;
}

export interface SynthPlan {
  readonly subjects: readonly SynthSubject[];
  readonly videos: readonly SynthVideoSpec[];
  readonly extraFiles?: readonly SynthExtraFile[];
}

export function planSynthSiw(config: { subjects: number; seed: number }): SynthPlan {
  const subjects = planSubjects(config.subjects, config.seed);
  return { subjects, videos: subjects.flatMap(planVideosOfSubject) };
}
