/**
 * SiW's three evaluation protocols (Liu et al., CVPR 2018, §5.1) as pure
 * functions of an index, plus the choice of validation subjects.
 *
 * - P1: train on the first 60 frames of every Train video (live, print,
 *   replay); test on all frames of every Test video. Studies pose,
 *   expression and light variation with little training data per video.
 * - P2: one fold per replay medium (4 in SiW): train on Train live + Train
 *   replay of the other media, test on Test live + Test replay of the
 *   held-out medium. No print anywhere. All frames.
 * - P3: 2 folds. Fold 1 trains on Train live + Train print (every print
 *   medium) and tests on Test live + Test replay (every replay medium);
 *   fold 2 the reverse. All frames.
 *
 * Validation subjects are taken out of the training subjects (SiW has 90 in
 * Train, 75 in Test; the paper used 60 train / 30 validation). Default rule:
 * sort the Train subject ids numerically and take every third one, positions
 * 3, 6, 9, … (0-based 2, 5, 8, …), i.e. exactly a third of them, spread over
 * the whole id range: 30 of SiW's 90. Or the caller gives the list, e.g.
 * Idiap's `IDIAP_SIW_VAL_SUBJECTS`. Validation videos are the validation
 * subjects' Train videos that pass the same filter as the training set of the
 * fold, and follow the training frame rule (in P1 the first 60 frames), so no
 * frame outside a protocol's training budget is ever read.
 */
import { ConfigError } from '../../errors.js';
import type { DatasetIndex, FrameRule, ProtocolSplit, SplitVideo, VideoEntry } from './types.js';
import { ALL_FRAMES } from './types.js';
import { compareIds } from './walk.js';

export const SIW_PROTOCOL_IDS = [1, 2, 3] as const;
export type SiwProtocolId = (typeof SIW_PROTOCOL_IDS)[number];

/** A widely used list of SiW validation subjects (Idiap's). */
export const IDIAP_SIW_VAL_SUBJECTS: readonly string[] = Object.freeze(['003', '006', '007', '011', '014', '016', '017', '022', '028', '030']);

export interface SiwProtocolOptions {
  /** Validation subject ids (from the Train subjects). Default: every third Train subject, see the module header. */
  valSubjects?: readonly string[];
  /** Frames per training video in P1. Default 60, as in SiW. */
  p1TrainFrames?: number;
}

export const DEFAULT_SIW_PROTOCOL_OPTIONS: Readonly<Required<Omit<SiwProtocolOptions, 'valSubjects'>>> = Object.freeze({ p1TrainFrames: 60 });

/** Every third id of the numerically sorted list, starting with the third: ⌊n/3⌋ of n. */
export function defaultValSubjects(trainSubjects: readonly string[]): string[] {
  const sorted = [...new Set(trainSubjects)].sort(compareIds);
  return sorted.filter((_, i) => i % 3 === 2);
}

/** The Train subjects of an index, sorted. */
export function siwTrainSubjects(index: DatasetIndex): string[] {
  return [...new Set(index.videos.filter((v) => v.sourceSplit === 'train').map((v) => v.subject))].sort(compareIds);
}

/**
 * Resolves the validation subjects against the Train subjects: a user id
 * matches a subject with the same text or, for numbers, the same value
 * (`3` matches `003`). Unknown ids are a ConfigError naming the list entry.
 */
export function resolveValSubjects(trainSubjects: readonly string[], requested: readonly string[] | undefined, field = 'valSubjects'): string[] {
  const sorted = [...new Set(trainSubjects)].sort(compareIds);
  if (requested === undefined) return defaultValSubjects(sorted);
  const out = new Set<string>();
  requested.forEach((raw, i) => {
    const id = String(raw).trim();
    if (id.length === 0) throw new ConfigError(`${field}[${i}]`, 'empty subject id');
    const hit = sorted.find((s) => s === id || (/^\d+$/.test(id) && /^\d+$/.test(s) && Number(s) === Number(id)));
    if (hit === undefined) {
      const shown = sorted.slice(0, 12).join(', ') + (sorted.length > 12 ? `, … (${sorted.length} in all)` : '');
      throw new ConfigError(`${field}[${i}]`, `subject '${id}' is not a training subject; training subjects: ${shown || 'none'}`);
    }
    out.add(hit);
  });
  if (out.size === sorted.length && sorted.length > 0) {
    throw new ConfigError(field, `all ${sorted.length} training subjects would be validation subjects, leaving none to train on`);
  }
  return [...out].sort(compareIds);
}

function kindOf(v: VideoEntry): 'live' | 'print' | 'replay' | 'other' {
  if (v.label === 'live') return 'live';
  const t = v.attackType ?? '';
  return t.startsWith('print/') ? 'print' : t.startsWith('replay/') ? 'replay' : 'other';
}

function attackTypesOf(list: readonly SplitVideo[]): string[] {
  return [...new Set(list.map((s) => s.video.attackType).filter((t): t is string => t !== null))].sort(compareAttackTypes);
}

/** `replay/2` before `replay/10`: the kind as text, then the medium as a number. */
export function compareAttackTypes(a: string, b: string): number {
  const [ka = '', ma = ''] = a.split('/');
  const [kb = '', mb = ''] = b.split('/');
  if (ka !== kb) return ka < kb ? -1 : 1;
  return compareIds(ma, mb);
}

function build(
  index: DatasetIndex,
  valSubjects: readonly string[],
  spec: { protocol: number; fold: number | null; name: string; trainRule: FrameRule; trainKeep: (v: VideoEntry) => boolean; testKeep: (v: VideoEntry) => boolean },
): ProtocolSplit {
  const val = new Set(valSubjects);
  const train: SplitVideo[] = [];
  const valList: SplitVideo[] = [];
  const test: SplitVideo[] = [];
  for (const v of index.videos) {
    if (v.sourceSplit === 'train' && spec.trainKeep(v)) (val.has(v.subject) ? valList : train).push({ video: v, frames: spec.trainRule });
    else if (v.sourceSplit === 'test' && spec.testKeep(v)) test.push({ video: v, frames: ALL_FRAMES });
  }
  return {
    dataset: 'siw',
    protocol: String(spec.protocol),
    fold: spec.fold,
    name: spec.name,
    trainAttackTypes: attackTypesOf([...train, ...valList]),
    testAttackTypes: attackTypesOf(test),
    valSubjects: [...valSubjects],
    train,
    val: valList,
    test,
  };
}

/** The replay media found in the index (Train and Test), sorted by number: P2's folds. */
export function siwReplayMedia(index: DatasetIndex): string[] {
  return [...new Set(index.videos.filter((v) => kindOf(v) === 'replay').map((v) => v.attackType!))].sort(compareAttackTypes);
}

/** The splits of one SiW protocol: 1 for P1, one per replay medium for P2, 2 for P3. */
export function siwProtocolSplits(index: DatasetIndex, protocol: SiwProtocolId, options: SiwProtocolOptions = {}): ProtocolSplit[] {
  if (!SIW_PROTOCOL_IDS.includes(protocol)) throw new ConfigError('protocol', `unknown SiW protocol '${String(protocol)}'; expected 1, 2 or 3`);
  if (index.dataset !== 'siw') throw new ConfigError('dataset', `SiW protocols need a SiW index, got a '${index.dataset}' index of ${index.root}`);
  const p1Frames = options.p1TrainFrames ?? DEFAULT_SIW_PROTOCOL_OPTIONS.p1TrainFrames;
  if (!Number.isInteger(p1Frames) || p1Frames < 1) throw new ConfigError('p1TrainFrames', `expected a positive integer, got ${String(p1Frames)}`);
  const valSubjects = resolveValSubjects(siwTrainSubjects(index), options.valSubjects);
  if (protocol === 1) {
    return [
      build(index, valSubjects, {
        protocol: 1,
        fold: null,
        name: `SiW P1 (train: first ${p1Frames} frames of Train videos; test: all frames of Test videos)`,
        trainRule: { kind: 'first', count: p1Frames },
        trainKeep: () => true,
        testKeep: () => true,
      }),
    ];
  }
  if (protocol === 2) {
    return siwReplayMedia(index).map((held, i) =>
      build(index, valSubjects, {
        protocol: 2,
        fold: i + 1,
        name: `SiW P2 fold ${i + 1} (${held} held out)`,
        trainRule: ALL_FRAMES,
        trainKeep: (v) => kindOf(v) === 'live' || (kindOf(v) === 'replay' && v.attackType !== held),
        testKeep: (v) => kindOf(v) === 'live' || v.attackType === held,
      }),
    );
  }
  const folds: ['print' | 'replay', 'print' | 'replay'][] = [
    ['print', 'replay'],
    ['replay', 'print'],
  ];
  return folds.map(([from, to], i) =>
    build(index, valSubjects, {
      protocol: 3,
      fold: i + 1,
      name: `SiW P3 fold ${i + 1} (train ${from}, test ${to})`,
      trainRule: ALL_FRAMES,
      trainKeep: (v) => kindOf(v) === 'live' || kindOf(v) === from,
      testKeep: (v) => kindOf(v) === 'live' || kindOf(v) === to,
    }),
  );
}

/** P1, then P2's folds, then P3's folds. */
export function allSiwProtocolSplits(index: DatasetIndex, options: SiwProtocolOptions = {}): ProtocolSplit[] {
  return SIW_PROTOCOL_IDS.flatMap((p) => siwProtocolSplits(index, p, options));
}
