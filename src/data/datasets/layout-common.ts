/**
 * What the dataset loaders share: file stems, the wording of stray-file
 * issues, face files found beside a video, validation-subject resolution, and
 * building a protocol split from a per-video part assignment and keep rules.
 */
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import type { DatasetIndex, DatasetName, IndexIssue, ProtocolSplit, SourceSplit, SplitVideo, VideoEntry } from './types.js';
import { ALL_FRAMES } from './types.js';
import { compareIds, type DirEntry } from './walk.js';
import { compareAttackTypes } from './siw-protocols.js';

export function stemOf(name: string): string {
  return name.slice(0, name.length - path.extname(name).length);
}

export function strayIssue(file: string, kind: DirEntry['kind'], why: string): IndexIssue {
  return kind === 'dir'
    ? { kind: 'bad-folder', file, message: `unexpected folder, not indexed (${why})` }
    : { kind: 'extra-file', file, message: `unexpected file, not indexed (${why})` };
}

/** Entries of a folder listing whose extension (lower case) is `ext`, by stem. */
export function filesByStem(entries: readonly DirEntry[], ext: string): Map<string, DirEntry> {
  const out = new Map<string, DirEntry>();
  for (const e of entries) if (e.kind === 'file' && path.extname(e.name).toLowerCase() === ext) out.set(stemOf(e.name), e);
  return out;
}

/** Sorted, de-duplicated ids. */
export function sortedIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort(compareIds);
}

/** The trailing number of an id (`train-07` → 7, `002` → 2), or null. */
function trailingNumber(id: string): number | null {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : null;
}

/**
 * Resolves requested validation subjects against `candidates` (the subjects
 * they must come from): an entry matches a subject with the same text or,
 * when the entry is a number, the subject whose trailing number is that
 * number (`3` matches `003` and `train-03`). Throws a ConfigError naming the
 * list entry for an unknown id, or when every candidate would be taken.
 */
export function resolveSubjectList(candidates: readonly string[], requested: readonly string[], field: string, what: string): string[] {
  const sorted = sortedIds(candidates);
  const out = new Set<string>();
  requested.forEach((raw, i) => {
    const id = String(raw).trim();
    if (id.length === 0) throw new ConfigError(`${field}[${i}]`, 'empty subject id');
    const hit = sorted.find((s) => s === id) ?? (/^\d+$/.test(id) ? sorted.find((s) => trailingNumber(s) === Number(id)) : undefined);
    if (hit === undefined) {
      const shown = sorted.slice(0, 12).join(', ') + (sorted.length > 12 ? `, … (${sorted.length} in all)` : '');
      throw new ConfigError(`${field}[${i}]`, `subject '${id}' is not one of the ${what}; they are: ${shown || 'none'}`);
    }
    out.add(hit);
  });
  if (out.size === sorted.length && sorted.length > 0) {
    throw new ConfigError(field, `all ${sorted.length} ${what} would be validation subjects, leaving none to train on`);
  }
  return sortedIds(out);
}

export function attackTypesOf(list: readonly SplitVideo[]): string[] {
  return [...new Set(list.map((s) => s.video.attackType).filter((t): t is string => t !== null))].sort(compareAttackTypes);
}

export interface SplitSpec {
  dataset: DatasetName;
  protocol: string;
  fold: number | null;
  name: string;
  /** Which part of the dataset a video belongs to for this protocol (null: none, left out). */
  partOf: (v: VideoEntry) => SourceSplit | null;
  /** Kept in train and val. */
  trainKeep: (v: VideoEntry) => boolean;
  /** Kept in test. */
  testKeep: (v: VideoEntry) => boolean;
  valSubjects: readonly string[];
}

/** Every video of its part that passes that part's rule, all frames. */
export function buildSplit(index: DatasetIndex, spec: SplitSpec): ProtocolSplit {
  const lists: Record<SourceSplit, SplitVideo[]> = { train: [], val: [], test: [] };
  for (const v of index.videos) {
    const part = spec.partOf(v);
    if (part === null) continue;
    if ((part === 'test' ? spec.testKeep : spec.trainKeep)(v)) lists[part].push({ video: v, frames: ALL_FRAMES });
  }
  return {
    dataset: spec.dataset,
    protocol: spec.protocol,
    fold: spec.fold,
    name: spec.name,
    trainAttackTypes: attackTypesOf([...lists.train, ...lists.val]),
    testAttackTypes: attackTypesOf(lists.test),
    valSubjects: [...spec.valSubjects],
    ...lists,
  };
}

export function assertIndexOf(index: DatasetIndex, dataset: DatasetName, what: string): void {
  if (index.dataset !== dataset) throw new ConfigError('dataset', `${what} need a '${dataset}' index, got a '${index.dataset}' index of ${index.root}`);
}

export function unknownProtocol(dataset: string, protocol: unknown, valid: readonly (string | number)[]): ConfigError {
  return new ConfigError('protocol', `unknown ${dataset} protocol '${String(protocol)}'; expected one of ${valid.join(', ')}`);
}

/** Sorts an index's videos by id in place and returns it (every loader's last step). */
export function sortVideos(videos: VideoEntry[]): VideoEntry[] {
  return videos.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
