/**
 * What the commands that work on a protocol share: the dataset and protocol
 * options (one dataset, or a cross-dataset protocol over several), turning
 * them into the chosen split(s), and finding the crop cache made for a given
 * crop size.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { OptionSpec, ParsedArgs } from './command.js';
import {
  indexDataset as indexDatasetOf,
  parseDatasetName,
  datasetProtocolSplits,
  crossDatasetSplit,
  cacheLayout,
  parseShard,
  UsageError,
  InputError,
  ConfigError,
  DATASET_NAMES,
  DATASET_PROTOCOLS,
  CROSS_SOURCE_PARTS,
  CROSS_TARGET_PARTS,
} from '../index.js';
import type { CropCacheLayout, CrossDatasetOptions, DatasetIndex, DatasetName, ProtocolSplit, Shard } from '../index.js';

const PROTOCOL_HELP = Object.entries(DATASET_PROTOCOLS)
  .map(([d, ps]) => `${d}: ${ps.join('|')}`)
  .join('; ');

export const DATASET_OPTIONS: OptionSpec[] = [
  { name: 'dataset', type: 'string', valueName: 'NAME', description: `dataset layout of --root: ${DATASET_NAMES.join(', ')}`, default: 'siw' },
  {
    name: 'root',
    type: 'string',
    valueName: 'DIR',
    description: 'dataset root folder; for a cross-dataset protocol a folder holding one folder per dataset named as the dataset (oulu-npu/, casia-fasd/, …), or NAME=DIR,NAME=DIR,…',
  },
  { name: 'protocol', type: 'string', valueName: 'P', description: `the protocol (default: the dataset's first): ${PROTOCOL_HELP}; or cross with --train and --test` },
  { name: 'train', type: 'string', valueName: 'LIST', description: 'cross-dataset protocol: the source datasets, e.g. oulu-npu,casia-fasd,replay-attack' },
  { name: 'test', type: 'string', valueName: 'NAME', description: 'cross-dataset protocol: the target dataset, e.g. msu-mfsd' },
  { name: 'cross-sources', type: 'string', valueName: 'PARTS', description: `cross-dataset: which parts of each source train: ${CROSS_SOURCE_PARTS.join(' or ')}`, default: 'train+test' },
  { name: 'cross-target', type: 'string', valueName: 'PARTS', description: `cross-dataset: which parts of the target are tested: ${CROSS_TARGET_PARTS.join(' or ')}`, default: 'train+test' },
  { name: 'fold', type: 'string', valueName: 'K', description: 'fold of the protocol (SiW P2: 1-4, P3: 1-2; OULU-NPU P3, P4: 1-6); default: 1 for train, all for experiments' },
  { name: 'val-subjects', type: 'string', valueName: 'IDS', description: 'comma-separated validation subject ids taken from the training subjects (default: every third); not for OULU-NPU and Replay-Attack, whose validation part is fixed' },
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

/** `--shard i/n`, or null when not given; a bad value is a UsageError naming the option. */
export function shardOption(args: ParsedArgs): Shard | null {
  const v = args.options.shard;
  if (typeof v !== 'string') return null;
  try {
    return parseShard(v);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`--shard ${v}: ${err.message.replace(/^shard: /, '')}`);
    throw err;
  }
}

/** A dataset name from an option, as a UsageError naming the option when unknown. */
export function datasetOption(text: string, option = 'dataset'): DatasetName {
  try {
    return parseDatasetName(text, option);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`--${option}: unknown dataset '${text}'; expected one of ${DATASET_NAMES.join(', ')}`);
    throw err;
  }
}

/** A comma-separated list of dataset names (no repeats). */
export function datasetListOption(text: string, option: string): DatasetName[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => datasetOption(s, option));
  if (names.length === 0) throw new UsageError(`--${option} needs at least one dataset name (${DATASET_NAMES.join(', ')})`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError(`--${option} names '${dup}' twice`);
  return names;
}

/**
 * Where each of `datasets` lies: `--root NAME=DIR,NAME=DIR,…` names them one
 * by one; a plain `--root DIR` holds one folder per dataset, named as it.
 */
export async function datasetRoots(rootText: string, datasets: readonly DatasetName[]): Promise<Map<DatasetName, string>> {
  const out = new Map<DatasetName, string>();
  if (rootText.includes('=')) {
    for (const item of rootText.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
      const m = /^([^=]+)=(.+)$/.exec(item);
      if (!m) throw new UsageError(`--root: expected NAME=DIR items separated by commas, got '${item}'`);
      const name = datasetOption(m[1]!.trim(), 'root');
      if (out.has(name)) throw new UsageError(`--root names '${name}' twice`);
      out.set(name, m[2]!.trim());
    }
    const missing = datasets.filter((d) => !out.has(d));
    if (missing.length > 0) throw new UsageError(`--root gives no folder for ${missing.join(', ')}; add ${missing.map((d) => `${d}=DIR`).join(',')}`);
    for (const d of [...out.keys()]) if (!datasets.includes(d)) out.delete(d);
    return out;
  }
  for (const d of datasets) {
    const dir = path.join(rootText, d);
    const ok = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!ok) throw new InputError(`${dir}: no such folder; with several datasets, --root DIR holds one folder per dataset named as it (${datasets.join(', ')}), or give --root ${datasets.map((x) => `${x}=DIR`).join(',')}`);
    out.set(d, dir);
  }
  return out;
}

/** Indexes one dataset; a UsageError for an unknown name. */
export async function indexDataset(dataset: string, root: string, options: { manifest?: string | null } = {}): Promise<DatasetIndex> {
  return indexDatasetOf(datasetOption(dataset), root, options);
}

/** Indexes several datasets, each at its root (see `datasetRoots`), in the given order. */
export async function indexDatasets(datasets: readonly DatasetName[], rootText: string): Promise<DatasetIndex[]> {
  const roots = await datasetRoots(rootText, datasets);
  const out: DatasetIndex[] = [];
  for (const d of datasets) out.push(await indexDatasetOf(d, roots.get(d)!));
  return out;
}

function valSubjectList(text: string | undefined): string[] | undefined {
  const list = text?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return list && list.length > 0 ? list : undefined;
}

/** Every fold of the chosen protocol of one dataset (its first protocol when none is given). */
export function protocolSplits(index: DatasetIndex, protocol: string | undefined, valSubjectsText: string | undefined): ProtocolSplit[] {
  const p = protocol ?? DATASET_PROTOCOLS[index.dataset][0]!;
  const valid = DATASET_PROTOCOLS[index.dataset];
  if (!valid.includes(p.trim().toLowerCase())) {
    throw new UsageError(`--protocol for ${index.dataset} must be one of ${valid.join(', ')}${index.dataset === 'folder' ? '' : ' (or cross, with --train and --test)'}, got '${p}'`);
  }
  const valSubjects = valSubjectList(valSubjectsText);
  return datasetProtocolSplits(index, p, valSubjects ? { valSubjects } : {});
}

/** The cross-dataset options from `--cross-sources` and `--cross-target`. */
export function crossOptions(args: ParsedArgs): Partial<CrossDatasetOptions> {
  const sources = String(args.options['cross-sources'] ?? 'train+test');
  const target = String(args.options['cross-target'] ?? 'train+test');
  if (!(CROSS_SOURCE_PARTS as readonly string[]).includes(sources)) throw new UsageError(`--cross-sources must be ${CROSS_SOURCE_PARTS.join(' or ')}, got '${sources}'`);
  if (!(CROSS_TARGET_PARTS as readonly string[]).includes(target)) throw new UsageError(`--cross-target must be ${CROSS_TARGET_PARTS.join(' or ')}, got '${target}'`);
  return { sourceParts: sources as CrossDatasetOptions['sourceParts'], targetParts: target as CrossDatasetOptions['targetParts'] };
}

/** True when the options ask for a cross-dataset protocol (`--train`/`--test`, or `--protocol cross` outside the folder layout). */
export function isCrossDataset(args: ParsedArgs): boolean {
  const o = args.options;
  return typeof o.train === 'string' || typeof o.test === 'string' || (o.protocol === 'cross' && o.dataset !== 'folder');
}

export interface ChosenSplits {
  splits: ProtocolSplit[];
  /** What the splits come from, for messages and model provenance, e.g. `siw` or `cross: oulu-npu,casia-fasd → msu-mfsd`. */
  source: string;
  /** The protocol label for output folders (`1`, `grandtest`, `cross-msu-mfsd`). */
  protocolLabel: string;
}

/** The splits the dataset options choose: one dataset's protocol, or a cross-dataset protocol. */
export async function chooseSplits(args: ParsedArgs, command: string): Promise<ChosenSplits> {
  const o = args.options;
  const root = stringOption(args, 'root', command);
  if (isCrossDataset(args)) {
    if (o.protocol !== undefined && o.protocol !== 'cross') throw new UsageError(`--train and --test choose the cross-dataset protocol; drop --protocol ${String(o.protocol)} (or give --protocol cross)`);
    if (typeof o.train !== 'string' || typeof o.test !== 'string') throw new UsageError(`the cross-dataset protocol needs --train SOURCE,SOURCE,… and --test TARGET; see 'vidpad ${command} --help'`);
    if (o['val-subjects'] !== undefined) throw new UsageError('--val-subjects does not apply to cross-dataset protocols: each source uses its own validation part');
    const sources = datasetListOption(o.train, 'train');
    const target = datasetOption(o.test, 'test');
    if (sources.includes(target)) throw new UsageError(`--test ${target} is also in --train: a cross-dataset protocol tests on a dataset it never trained on`);
    const [targetIndex, ...sourceIndexes] = await indexDatasets([target, ...sources], root);
    const split = crossDatasetSplit(sourceIndexes, targetIndex!, crossOptions(args));
    return { splits: [split], source: `cross: ${sources.join(',')} → ${target}`, protocolLabel: `cross-${target}` };
  }
  const dataset = datasetOption(String(o.dataset ?? 'siw'));
  const index = await indexDatasetOf(dataset, root);
  const protocol = (o.protocol as string | undefined) ?? DATASET_PROTOCOLS[dataset][0]!;
  return { splits: protocolSplits(index, protocol, o['val-subjects'] as string | undefined), source: dataset, protocolLabel: protocol };
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
