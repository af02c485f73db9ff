/**
 * One door to every dataset layout: index a tree by its dataset name, list a
 * dataset's protocols, build a protocol's splits, and the "whole dataset"
 * split (every attack type, the dataset's own train / validation / test
 * parts) that cross-dataset protocols draw from.
 */
import { ConfigError } from '../../errors.js';
import type { DatasetIndex, DatasetName, ProtocolSplit, SourceSplit, VideoEntry } from './types.js';
import { DATASET_NAMES } from './types.js';
import { indexSiw } from './siw.js';
import { resolveValSubjects, siwProtocolSplits, siwTrainSubjects, SIW_PROTOCOL_IDS } from './siw-protocols.js';
import type { SiwProtocolId } from './siw-protocols.js';
import { indexFolder, folderProtocolSplits, folderAttackTypes, FOLDER_PROTOCOLS } from './folder.js';
import type { FolderProtocolId } from './folder.js';
import { indexOuluNpu, ouluProtocolSplits, OULU_PROTOCOL_IDS } from './oulu-npu.js';
import type { OuluProtocolId } from './oulu-npu.js';
import { indexCasiaFasd, casiaProtocolSplits, casiaParts, CASIA_PROTOCOLS } from './casia-fasd.js';
import type { CasiaProtocolId } from './casia-fasd.js';
import { indexReplayAttack, replayProtocolSplits, REPLAY_PROTOCOLS } from './replay-attack.js';
import type { ReplayProtocolId } from './replay-attack.js';
import { indexMsuMfsd, msuProtocolSplits, msuParts, MSU_PROTOCOLS } from './msu-mfsd.js';
import { buildSplit, sortedIds } from './layout-common.js';

/** Each dataset's protocols, in the order `vidpad dataset` prints them. */
export const DATASET_PROTOCOLS: Readonly<Record<DatasetName, readonly string[]>> = Object.freeze({
  siw: SIW_PROTOCOL_IDS.map(String),
  'oulu-npu': OULU_PROTOCOL_IDS.map(String),
  'casia-fasd': CASIA_PROTOCOLS,
  'replay-attack': REPLAY_PROTOCOLS,
  'msu-mfsd': MSU_PROTOCOLS,
  folder: FOLDER_PROTOCOLS,
});

/** How the papers write each dataset. */
export const DATASET_TITLES: Readonly<Record<DatasetName, string>> = Object.freeze({
  siw: 'SiW',
  'oulu-npu': 'OULU-NPU',
  'casia-fasd': 'CASIA-FASD',
  'replay-attack': 'Replay-Attack',
  'msu-mfsd': 'MSU-MFSD',
  folder: 'folder layout',
});

/** The one-letter names of cross-dataset tables (O, C, I, M as in the papers; S and F for SiW and the folder layout). */
export const DATASET_LETTERS: Readonly<Record<DatasetName, string>> = Object.freeze({ siw: 'S', 'oulu-npu': 'O', 'casia-fasd': 'C', 'replay-attack': 'I', 'msu-mfsd': 'M', folder: 'F' });

/** A dataset name from user text; ConfigError listing the valid ones. */
export function parseDatasetName(text: string, field = 'dataset'): DatasetName {
  const t = String(text).trim().toLowerCase();
  if (!(DATASET_NAMES as readonly string[]).includes(t)) throw new ConfigError(field, `unknown dataset '${text}'; expected one of ${DATASET_NAMES.join(', ')}`);
  return t as DatasetName;
}

export interface IndexDatasetOptions {
  /** Folder layout only: a manifest CSV (default `<root>/manifest.csv` when present; `null` forces discovery). */
  manifest?: string | null;
}

/** Indexes the tree at `root` in the layout of `dataset`, without decoding any video. */
export async function indexDataset(dataset: DatasetName, root: string, options: IndexDatasetOptions = {}): Promise<DatasetIndex> {
  switch (dataset) {
    case 'siw':
      return indexSiw(root);
    case 'oulu-npu':
      return indexOuluNpu(root);
    case 'casia-fasd':
      return indexCasiaFasd(root);
    case 'replay-attack':
      return indexReplayAttack(root);
    case 'msu-mfsd':
      return indexMsuMfsd(root);
    case 'folder':
      return indexFolder(root, options.manifest !== undefined ? { manifest: options.manifest } : {});
    default:
      throw new ConfigError('dataset', `unknown dataset '${String(dataset)}'; expected one of ${DATASET_NAMES.join(', ')}`);
  }
}

export interface DatasetProtocolOptions {
  /** Validation subjects, for the datasets that take them out of the training subjects (SiW, CASIA-FASD, MSU-MFSD, folder). */
  valSubjects?: readonly string[];
}

/** Datasets whose validation part is fixed by the distribution (OULU-NPU's Dev users, Replay-Attack's devel). */
const FIXED_VALIDATION: ReadonlySet<DatasetName> = new Set(['oulu-npu', 'replay-attack']);

/** True when the distribution fixes the validation part (OULU-NPU, Replay-Attack); false when vidpad takes validation subjects out of the training ones. */
export function hasFixedValidation(dataset: DatasetName): boolean {
  return FIXED_VALIDATION.has(dataset);
}

/** Every fold of `protocol` on `index`; a ConfigError naming the valid protocols of the dataset otherwise. */
export function datasetProtocolSplits(index: DatasetIndex, protocol: string, options: DatasetProtocolOptions = {}): ProtocolSplit[] {
  const valid = DATASET_PROTOCOLS[index.dataset];
  const p = String(protocol).trim().toLowerCase();
  if (!valid.includes(p)) throw new ConfigError('protocol', `'${protocol}' is not a ${DATASET_TITLES[index.dataset]} protocol; expected one of ${valid.join(', ')}`);
  if (options.valSubjects && FIXED_VALIDATION.has(index.dataset)) {
    throw new ConfigError('valSubjects', `${DATASET_TITLES[index.dataset]} has its own validation part (${index.dataset === 'oulu-npu' ? "the Dev_files users" : 'devel/'}); validation subjects cannot be chosen`);
  }
  const vs = options.valSubjects ? { valSubjects: options.valSubjects } : {};
  switch (index.dataset) {
    case 'siw':
      return siwProtocolSplits(index, Number(p) as SiwProtocolId, vs);
    case 'oulu-npu':
      return ouluProtocolSplits(index, Number(p) as OuluProtocolId);
    case 'casia-fasd':
      return casiaProtocolSplits(index, p as CasiaProtocolId, vs);
    case 'replay-attack':
      return replayProtocolSplits(index, p as ReplayProtocolId);
    case 'msu-mfsd':
      return msuProtocolSplits(index, 'all', vs);
    case 'folder':
      return folderProtocolSplits(index, p as FolderProtocolId, vs);
  }
}

/** The protocols `vidpad dataset` reports by default: all of them (the folder layout's `cross` only with two attack types or more). */
export function defaultProtocolsOf(index: DatasetIndex): string[] {
  if (index.dataset === 'folder') return folderAttackTypes(index).length >= 2 ? [...FOLDER_PROTOCOLS] : ['all'];
  return [...DATASET_PROTOCOLS[index.dataset]];
}

/**
 * The whole dataset as one split: every attack type, every frame, in the
 * dataset's own parts (SiW: Train minus the validation subjects / those
 * subjects / Test; OULU-NPU: Train_files / Dev_files / Test_files;
 * CASIA-FASD: train_release minus validation subjects / those / test_release;
 * Replay-Attack: train / devel / test; MSU-MFSD: the train list minus
 * validation subjects / those / the test list; folder layout: its `all`
 * protocol).
 */
export function datasetWholeSplit(index: DatasetIndex, options: DatasetProtocolOptions = {}): ProtocolSplit {
  const title = DATASET_TITLES[index.dataset];
  const name = `${title} (every video; its own train / validation / test parts)`;
  const all = () => true;
  const vs = options.valSubjects ? { valSubjects: options.valSubjects } : {};
  if (options.valSubjects && FIXED_VALIDATION.has(index.dataset)) {
    throw new ConfigError('valSubjects', `${title} has its own validation part; validation subjects cannot be chosen`);
  }
  switch (index.dataset) {
    case 'siw': {
      const val = new Set(resolveValSubjects(siwTrainSubjects(index), options.valSubjects));
      const partOf = (v: VideoEntry): SourceSplit | null => (v.sourceSplit === 'test' ? 'test' : v.sourceSplit === 'train' ? (val.has(v.subject) ? 'val' : 'train') : null);
      return buildSplit(index, { dataset: 'siw', protocol: 'all', fold: null, name, partOf, trainKeep: all, testKeep: all, valSubjects: sortedIds(val) });
    }
    case 'oulu-npu':
    case 'replay-attack': {
      const valSubjects = sortedIds(index.videos.filter((v) => v.sourceSplit === 'val').map((v) => v.subject));
      return buildSplit(index, { dataset: index.dataset, protocol: 'all', fold: null, name, partOf: (v) => v.sourceSplit, trainKeep: all, testKeep: all, valSubjects });
    }
    case 'casia-fasd': {
      const { partOf, valSubjects } = casiaParts(index, vs);
      return buildSplit(index, { dataset: 'casia-fasd', protocol: 'all', fold: null, name, partOf, trainKeep: all, testKeep: all, valSubjects });
    }
    case 'msu-mfsd': {
      const { partOf, valSubjects } = msuParts(index, vs);
      return buildSplit(index, { dataset: 'msu-mfsd', protocol: 'all', fold: null, name, partOf, trainKeep: all, testKeep: all, valSubjects });
    }
    case 'folder':
      return { ...folderProtocolSplits(index, 'all', vs)[0]!, name };
  }
}
