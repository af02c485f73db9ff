/**
 * What the commands that work on a protocol share: the dataset and protocol
 * options, turning them into the chosen split(s), and finding the crop cache
 * made for a given crop size.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { OptionSpec, ParsedArgs } from './command.js';
import { indexSiw, indexFolder, siwProtocolSplits, folderProtocolSplits, cacheLayout, UsageError, InputError } from '../index.js';
import type { CropCacheLayout, DatasetIndex, FolderProtocolId, ProtocolSplit, SiwProtocolId } from '../index.js';

export const DATASET_OPTIONS: OptionSpec[] = [
  { name: 'dataset', type: 'string', valueName: 'siw|folder', description: 'dataset layout of --root', default: 'siw' },
  { name: 'root', type: 'string', valueName: 'DIR', description: 'dataset root folder' },
  { name: 'protocol', type: 'string', valueName: 'P', description: 'SiW: 1, 2 or 3; folder layout: all or cross', default: '1' },
  { name: 'fold', type: 'string', valueName: 'K', description: 'fold of the protocol (SiW P2: 1-4, P3: 1-2); default: 1 for train, all for experiments' },
  { name: 'val-subjects', type: 'string', valueName: 'IDS', description: 'comma-separated validation subject ids taken from the training subjects (default: every third)' },
  { name: 'cache', type: 'string', valueName: 'DIR', description: "crop cache made by 'vidpad preprocess'" },
  { name: 'cache-key', type: 'string', valueName: 'KEY', description: 'which settings folder of the cache, when it holds several for the same size' },
];

export function stringOption(args: ParsedArgs, name: string, command: string): string {
  const v = args.options[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required; see 'vidpad ${command} --help'`);
  return v;
}

export function numberOption(args: ParsedArgs, name: string, options: { integer?: boolean; min?: number } = {}): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (options.integer && !Number.isInteger(n)) || (options.min !== undefined && n < options.min)) {
    throw new UsageError(`--${name} expects ${options.integer ? 'a whole number' : 'a number'}${options.min !== undefined ? ` >= ${options.min}` : ''}, got '${String(v)}'`);
  }
  return n;
}

export async function indexDataset(dataset: string, root: string): Promise<DatasetIndex> {
  if (dataset === 'siw') return indexSiw(root);
  if (dataset === 'folder') return indexFolder(root);
  throw new UsageError(`--dataset must be siw or folder, got '${dataset}'`);
}

/** Every fold of the chosen protocol. */
export function protocolSplits(index: DatasetIndex, protocol: string, valSubjectsText: string | undefined): ProtocolSplit[] {
  const valSubjects = valSubjectsText?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const opts = valSubjects && valSubjects.length > 0 ? { valSubjects } : {};
  if (index.dataset === 'siw') {
    if (!['1', '2', '3'].includes(protocol)) throw new UsageError(`--protocol for SiW must be 1, 2 or 3, got '${protocol}'`);
    return siwProtocolSplits(index, Number(protocol) as SiwProtocolId, opts);
  }
  if (!['all', 'cross'].includes(protocol)) throw new UsageError(`--protocol for the folder layout must be all or cross, got '${protocol}'`);
  return folderProtocolSplits(index, protocol as FolderProtocolId, opts);
}

/** The split of `fold` (1-based; null for protocols with one split). */
export function pickFold(splits: readonly ProtocolSplit[], fold: number | undefined): ProtocolSplit {
  if (splits.length === 0) throw new InputError('the protocol has no split on this dataset');
  if (fold === undefined) return splits[0]!;
  const found = splits.find((s) => (s.fold ?? 1) === fold);
  if (!found) throw new UsageError(`--fold ${fold} does not exist: this protocol has fold(s) ${splits.map((s) => s.fold ?? 1).join(', ')}`);
  return found;
}

interface CacheEntry {
  key: string;
  cropSizePx: number;
  detector: string;
}

/** The cache settings folder made for crops of `sizePx`, or the one named by `key`. */
export async function findCropCache(cacheDir: string, sizePx: number, key: string | undefined): Promise<CropCacheLayout> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    throw new InputError(`${cacheDir}: no such crop cache; run 'vidpad preprocess --cache ${cacheDir} ...' first`);
  }
  const entries: CacheEntry[] = [];
  for (const name of names) {
    try {
      const c = JSON.parse(await readFile(path.join(cacheDir, name, 'config.json'), 'utf8')) as { key: string; detector: string; config: { cropSizePx: number } };
      entries.push({ key: c.key, cropSizePx: c.config.cropSizePx, detector: c.detector });
    } catch {
      // Not a settings folder.
    }
  }
  const describe = entries.map((e) => `${e.key} (${e.cropSizePx}px, ${e.detector})`).join(', ') || 'none';
  if (key !== undefined) {
    const e = entries.find((x) => x.key === key);
    if (!e) throw new UsageError(`--cache-key ${key} is not in ${cacheDir}; it holds: ${describe}`);
    return cacheLayout(cacheDir, key);
  }
  const matching = entries.filter((e) => e.cropSizePx === sizePx);
  if (matching.length === 1) return cacheLayout(cacheDir, matching[0]!.key);
  if (matching.length === 0) throw new InputError(`${cacheDir} holds no crops of ${sizePx}px (it holds: ${describe}); preprocess with --size ${sizePx}`);
  throw new UsageError(`${cacheDir} holds several caches of ${sizePx}px: ${describe}; choose one with --cache-key`);
}
