/**
 * Cross-dataset protocols: train on some datasets (the sources), test on
 * another (the target), as in the O&C&I→M tables of the domain-generalisation
 * papers (Shao et al. 2019, Jia et al. 2020: OULU-NPU, CASIA-FASD, Idiap
 * Replay-Attack, MSU-MFSD; any indexed datasets can be mixed here).
 *
 * - Training: the sources' training parts (`sourceParts: 'train+test'`, the
 *   default, adds each source's test part, as the lists of those papers do).
 * - Validation, hence the threshold (the EER point of the validation scores):
 *   the sources' validation parts only (OULU-NPU's Dev users, Replay-Attack's
 *   devel, and for the others the validation subjects taken out of their
 *   training subjects). Those papers pick their models on the target; here
 *   nothing of the target is seen before testing.
 * - Test: the target's test part, or (`targetParts: 'train+test'`, the
 *   default, as in those papers) its train and test parts. For a target
 *   whose validation subjects vidpad takes out of its training subjects
 *   (CASIA-FASD, MSU-MFSD, SiW, folder) those subjects belong to its train
 *   part here; OULU-NPU's Dev and Replay-Attack's devel parts are never used
 *   on the target side.
 *
 * Videos of a cross-dataset split are namespaced: `dataset` is set, the id is
 * `<dataset>/<id>` (the O/C/I/M loaders' ids already carry the prefix) and
 * the subject `<dataset>/<subject>`, so two datasets' subject 001 stay two
 * people and one crop cache can hold every dataset.
 */
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import type { DatasetIndex, DatasetName, ProtocolSplit, SplitVideo, VideoEntry } from './types.js';
import { attackTypesOf, sortedIds } from './layout-common.js';
import { DATASET_LETTERS, DATASET_TITLES, datasetWholeSplit, hasFixedValidation } from './registry.js';

export const CROSS_SOURCE_PARTS = ['train', 'train+test'] as const;
export type CrossSourceParts = (typeof CROSS_SOURCE_PARTS)[number];
export const CROSS_TARGET_PARTS = ['test', 'train+test'] as const;
export type CrossTargetParts = (typeof CROSS_TARGET_PARTS)[number];

/** The four datasets of the OCIM benchmark, in the papers' order. */
export const OCIM_DATASETS = ['oulu-npu', 'casia-fasd', 'replay-attack', 'msu-mfsd'] as const satisfies readonly DatasetName[];
/** The order in which the papers' tables list the four leave-one-out targets: M, C, I, O. */
export const OCIM_TARGET_ORDER = ['msu-mfsd', 'casia-fasd', 'replay-attack', 'oulu-npu'] as const satisfies readonly DatasetName[];

export interface CrossDatasetOptions {
  sourceParts: CrossSourceParts;
  targetParts: CrossTargetParts;
  /** Validation subjects per source dataset, for datasets that take them from their training subjects. */
  valSubjects?: Partial<Record<DatasetName, readonly string[]>>;
}

export const DEFAULT_CROSS_DATASET_OPTIONS: Readonly<CrossDatasetOptions> = Object.freeze({ sourceParts: 'train+test', targetParts: 'train+test' });

/** Validates options once; errors name the field and the valid values. */
export function resolveCrossDatasetOptions(options: Partial<CrossDatasetOptions> = {}): Readonly<CrossDatasetOptions> {
  const o = { ...DEFAULT_CROSS_DATASET_OPTIONS, ...options };
  if (!CROSS_SOURCE_PARTS.includes(o.sourceParts)) throw new ConfigError('cross.sourceParts', `expected one of ${CROSS_SOURCE_PARTS.join(', ')}, got '${String(o.sourceParts)}'`);
  if (!CROSS_TARGET_PARTS.includes(o.targetParts)) throw new ConfigError('cross.targetParts', `expected one of ${CROSS_TARGET_PARTS.join(', ')}, got '${String(o.targetParts)}'`);
  return Object.freeze(o);
}

/** `<dataset>/` prefixed id (unless already there), `<dataset>/` prefixed subject, `dataset` set. A new object. */
export function namespaceVideo(video: VideoEntry, dataset: DatasetName): VideoEntry {
  const prefix = `${dataset}/`;
  return { ...video, id: video.id.startsWith(prefix) ? video.id : prefix + video.id, subject: prefix + video.subject, dataset };
}

/** Every video of several indexes, namespaced (what `vidpad preprocess` caches for cross-dataset runs). */
export function namespacedVideos(indexes: readonly DatasetIndex[]): VideoEntry[] {
  return indexes.flatMap((ix) => ix.videos.map((v) => namespaceVideo(v, ix.dataset)));
}

/** `O&C&I→M`: the sources' letters in the given order, then the target's. */
export function crossDatasetLabel(sources: readonly DatasetName[], target: DatasetName): string {
  return `${sources.map((s) => DATASET_LETTERS[s]).join('&')}→${DATASET_LETTERS[target]}`;
}

function namespaced(list: readonly SplitVideo[], dataset: DatasetName): SplitVideo[] {
  return list.map((s) => ({ video: namespaceVideo(s.video, dataset), frames: s.frames }));
}

/**
 * The cross-dataset split training on `sources` and testing on `target` (see
 * the module header). ConfigError when the target is also a source, a
 * dataset is given twice, two datasets share a root, or (the last guard) a
 * target video file would be trained or validated on.
 */
export function crossDatasetSplit(sources: readonly DatasetIndex[], target: DatasetIndex, options: Partial<CrossDatasetOptions> = {}): ProtocolSplit {
  const o = resolveCrossDatasetOptions(options);
  if (sources.length === 0) throw new ConfigError('cross.train', 'at least one source dataset is needed');
  const names = sources.map((s) => s.dataset);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ConfigError('cross.train', `dataset '${dup}' is listed twice among the sources`);
  if (names.includes(target.dataset)) throw new ConfigError('cross.test', `the target '${target.dataset}' is also a source: a cross-dataset protocol tests on a dataset it never trained on`);
  const roots = [...sources, target].map((ix) => path.resolve(ix.root));
  const sameRoot = roots.findIndex((r, i) => roots.indexOf(r) !== i);
  if (sameRoot >= 0) throw new ConfigError('cross', `two datasets share the root ${roots[sameRoot]}`);
  const valSubjects = (d: DatasetName) => o.valSubjects?.[d];
  const train: SplitVideo[] = [];
  const val: SplitVideo[] = [];
  const sourceVal: string[] = [];
  for (const ix of sources) {
    const vs = valSubjects(ix.dataset);
    const whole = datasetWholeSplit(ix, vs ? { valSubjects: vs } : {});
    train.push(...namespaced(whole.train, ix.dataset));
    if (o.sourceParts === 'train+test') train.push(...namespaced(whole.test, ix.dataset));
    val.push(...namespaced(whole.val, ix.dataset));
    sourceVal.push(...whole.valSubjects.map((s) => `${ix.dataset}/${s}`));
  }
  const tv = valSubjects(target.dataset);
  const targetWhole = datasetWholeSplit(target, tv ? { valSubjects: tv } : {});
  const targetTrain = o.targetParts === 'train+test' ? [...targetWhole.train, ...(hasFixedValidation(target.dataset) ? [] : targetWhole.val)] : [];
  const test = namespaced([...targetTrain, ...targetWhole.test], target.dataset);
  // The guard that does not trust the layouts: no file of the test list may be trained or validated on.
  const seen = new Set([...train, ...val].map((s) => path.resolve(s.video.path)));
  const leak = test.find((s) => seen.has(path.resolve(s.video.path)));
  if (leak) throw new ConfigError('cross', `the target video ${leak.video.path} is also in a source's training or validation list`);
  const label = crossDatasetLabel(names, target.dataset);
  return {
    dataset: 'cross',
    protocol: 'cross',
    fold: null,
    name:
      `${label} (train on ${names.map((n) => DATASET_TITLES[n]).join(', ')} [${o.sourceParts}], validate on their validation parts, ` +
      `test on ${DATASET_TITLES[target.dataset]} [${o.targetParts}])`,
    trainAttackTypes: attackTypesOf([...train, ...val]),
    testAttackTypes: attackTypesOf(test),
    valSubjects: sortedIds(sourceVal),
    train,
    val,
    test,
  };
}

/** One cross-dataset split per target: each index in turn is the target, the others (in the given order) the sources. */
export function leaveOneOutSplits(indexes: readonly DatasetIndex[], options: Partial<CrossDatasetOptions> = {}): Array<{ label: string; split: ProtocolSplit }> {
  if (indexes.length < 2) throw new ConfigError('cross', `leave-one-dataset-out needs at least 2 datasets, got ${indexes.length}`);
  return indexes.map((target) => {
    const sources = indexes.filter((ix) => ix !== target);
    return { label: crossDatasetLabel(sources.map((s) => s.dataset), target.dataset), split: crossDatasetSplit(sources, target, options) };
  });
}

/**
 * The four OCIM directions (targets in the papers' order M, C, I, O), from
 * the indexes of the four datasets in any order.
 */
export function ocimSplits(indexes: readonly DatasetIndex[], options: Partial<CrossDatasetOptions> = {}): Array<{ label: string; split: ProtocolSplit }> {
  const byName = new Map(indexes.map((ix) => [ix.dataset, ix]));
  const missing = OCIM_DATASETS.filter((d) => !byName.has(d));
  if (missing.length > 0) throw new ConfigError('dataset', `the OCIM grid needs OULU-NPU, CASIA-FASD, Replay-Attack and MSU-MFSD; missing: ${missing.join(', ')}`);
  return OCIM_TARGET_ORDER.map((t) => {
    const sources = OCIM_DATASETS.filter((d) => d !== t).map((d) => byName.get(d)!);
    return { label: crossDatasetLabel(sources.map((s) => s.dataset), t), split: crossDatasetSplit(sources, byName.get(t)!, options) };
  });
}
