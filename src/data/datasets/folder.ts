/**
 * The generic layout for users' own data, and its protocols.
 *
 * Discovery: `<root>/live/**` holds bona fide videos, `<root>/spoof/<attack-type>/**`
 * the attacks of each type (the folder name is the attack type). Videos are
 * `.mp4 .mov .avi .webm`; a `.face` file of the same stem beside a video gives
 * its boxes. The subject is the first folder below `live/` or
 * `spoof/<attack-type>/` (`live/alice/1.mp4` → `alice`), or, for a video lying
 * directly there, its file stem (each such video its own subject).
 *
 * Manifest: a CSV `<root>/manifest.csv` (or a path given) with the header
 * `path,label,attack_type,subject,split` (any order; `path` and `label`
 * required) replaces discovery entirely. `path` is relative to the root,
 * `label` is `live` or `spoof`, `attack_type` is required for spoof and empty
 * for live, `subject` defaults to the file stem, `split` is `train`, `val`,
 * `test` or empty.
 *
 * Splits, for videos without a manifest split: subject-disjoint, by the
 * subjects' sorted order, position i: i % 3 = 2 → test (a third), i % 6 = 1 →
 * validation (a sixth), the rest → train (a half). Protocols: `all` (one split,
 * every attack type in train and test) and `cross` (leave one attack type
 * out, like SiW P3: one fold per attack type, trained on live + the other
 * types, tested on live + the held-out type).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, InputError } from '../../errors.js';
import { parseCsv } from './csv.js';
import type { DatasetIndex, IndexIssue, PresentationLabel, ProtocolSplit, SourceSplit, SplitVideo, VideoEntry } from './types.js';
import { ALL_FRAMES } from './types.js';
import { assertDir, compareIds, listDir, listFilesRecursive, relativeId } from './walk.js';

export const FOLDER_VIDEO_EXTENSIONS = ['.mp4', '.mov', '.avi', '.webm'] as const;
export const MANIFEST_COLUMNS = ['path', 'label', 'attack_type', 'subject', 'split'] as const;
export const FOLDER_PROTOCOLS = ['all', 'cross'] as const;
export type FolderProtocolId = (typeof FOLDER_PROTOCOLS)[number];

export interface FolderIndexOptions {
  /** A manifest CSV. Default: `<root>/manifest.csv` when it exists; `null` forces discovery. */
  manifest?: string | null;
}

const isVideoName = (name: string): boolean => (FOLDER_VIDEO_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
const stemOf = (file: string): string => path.basename(file, path.extname(file));

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Indexes a folder-layout dataset (see the module header). InputError for a missing root or a bad manifest, issues for the rest. */
export async function indexFolder(root: string, options: FolderIndexOptions = {}): Promise<DatasetIndex> {
  await assertDir(root, 'live/ and spoof/<attack-type>/ folders of videos, or a manifest.csv');
  const defaultManifest = path.join(root, 'manifest.csv');
  const manifest = options.manifest === undefined ? ((await exists(defaultManifest)) ? defaultManifest : null) : options.manifest;
  const index = manifest !== null ? await indexFromManifest(root, manifest) : await discover(root);
  index.videos.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return index;
}

async function faceFileFor(video: string): Promise<string | null> {
  const face = path.join(path.dirname(video), `${stemOf(video)}.face`);
  return (await exists(face)) ? face : null;
}

async function discover(root: string): Promise<DatasetIndex> {
  const issues: IndexIssue[] = [];
  const videos: VideoEntry[] = [];
  const top = await listDir(root);
  const live = top.find((e) => e.name === 'live' && e.kind === 'dir');
  const spoof = top.find((e) => e.name === 'spoof' && e.kind === 'dir');
  if (!live && !spoof) {
    throw new InputError(`${root}: found neither live/ nor spoof/ (nor a manifest.csv); expected <root>/live/**/*.mp4 and <root>/spoof/<attack-type>/**/*.mp4`);
  }
  for (const e of top) {
    if (e !== live && e !== spoof) issues.push({ kind: e.kind === 'dir' ? 'bad-folder' : 'extra-file', file: e.path, message: 'not indexed: the layout has live/, spoof/ and an optional manifest.csv at its top' });
  }
  const addTree = async (base: string, label: PresentationLabel, attackType: string | null): Promise<void> => {
    const files = await listFilesRecursive(base);
    const videoStems = new Set(files.filter((f) => isVideoName(f.name)).map((f) => path.join(path.dirname(f.path), stemOf(f.name))));
    for (const f of files) {
      if (path.extname(f.name).toLowerCase() === '.face') {
        if (!videoStems.has(path.join(path.dirname(f.path), stemOf(f.name)))) issues.push({ kind: 'orphan-face', file: f.path, message: 'a .face file with no video of the same stem beside it' });
        continue;
      }
      if (!isVideoName(f.name)) {
        issues.push({ kind: 'extra-file', file: f.path, message: `not a video (${FOLDER_VIDEO_EXTENSIONS.join(' ')}); not indexed` });
        continue;
      }
      const rel = path.relative(base, f.path).split(path.sep);
      const subject = rel.length > 1 ? rel[0]! : stemOf(f.name);
      videos.push({
        id: relativeId(root, path.join(path.dirname(f.path), stemOf(f.name))),
        path: f.path,
        label,
        attackType,
        subject,
        sourceSplit: null,
        faceFile: await faceFileFor(f.path),
      });
    }
  };
  if (live) await addTree(live.path, 'live', null);
  if (spoof) {
    for (const e of await listDir(spoof.path)) {
      if (e.kind !== 'dir') {
        issues.push({ kind: 'extra-file', file: e.path, message: 'not indexed: spoof/ holds one folder per attack type, e.g. spoof/print/' });
        continue;
      }
      await addTree(e.path, 'spoof', e.name);
    }
  }
  checkDuplicateIds(videos, issues);
  return { dataset: 'folder', root, videos: dedupe(videos), issues };
}

/** Two videos with the same stem in one folder (`a.mp4`, `a.mov`) would share an id: keep the first. */
function checkDuplicateIds(videos: VideoEntry[], issues: IndexIssue[]): void {
  const seen = new Set<string>();
  for (const v of videos) {
    if (seen.has(v.id)) issues.push({ kind: 'extra-file', file: v.path, message: `a second video with the id ${v.id} (another extension); only the first is indexed` });
    seen.add(v.id);
  }
}

function dedupe(videos: VideoEntry[]): VideoEntry[] {
  const seen = new Set<string>();
  return videos.filter((v) => (seen.has(v.id) ? false : (seen.add(v.id), true)));
}

async function indexFromManifest(root: string, manifest: string): Promise<DatasetIndex> {
  let text: string;
  try {
    text = await readFile(manifest, 'utf8');
  } catch (err) {
    throw new InputError(`${manifest}: cannot read the manifest: ${(err as Error).message}`, { cause: err });
  }
  const records = parseCsv(text, manifest);
  const header = records.shift();
  if (!header) throw new InputError(`${manifest}: empty manifest; expected a header line '${MANIFEST_COLUMNS.join(',')}'`);
  const cols = header.fields.map((h) => h.trim().toLowerCase());
  cols.forEach((c, i) => {
    if (!(MANIFEST_COLUMNS as readonly string[]).includes(c)) {
      throw new InputError(`${manifest}:${header.line}: unknown column '${header.fields[i]}'; columns: ${MANIFEST_COLUMNS.join(', ')}`);
    }
    if (cols.indexOf(c) !== i) throw new InputError(`${manifest}:${header.line}: column '${c}' appears twice`);
  });
  for (const need of ['path', 'label']) {
    if (!cols.includes(need)) throw new InputError(`${manifest}:${header.line}: missing column '${need}'; the header must name ${MANIFEST_COLUMNS.join(', ')} (path and label required)`);
  }
  const issues: IndexIssue[] = [];
  const videos: VideoEntry[] = [];
  const seenPaths = new Map<string, number>();
  const splitsOfSubject = new Map<string, Set<string>>();
  for (const rec of records) {
    const at = `${manifest}:${rec.line}`;
    if (rec.fields.length !== cols.length) throw new InputError(`${at}: ${rec.fields.length} fields, expected ${cols.length} (${cols.join(',')})`);
    const get = (c: string): string => (cols.includes(c) ? rec.fields[cols.indexOf(c)]!.trim() : '');
    const rel = get('path');
    if (rel === '') throw new InputError(`${at}: empty path`);
    const label = get('label').toLowerCase();
    if (label !== 'live' && label !== 'spoof') throw new InputError(`${at}: label '${get('label')}' is not 'live' or 'spoof'`);
    const attackType = get('attack_type');
    if (label === 'spoof' && attackType === '') throw new InputError(`${at}: a spoof video needs an attack_type (e.g. print, replay, mask)`);
    if (label === 'live' && attackType !== '') throw new InputError(`${at}: a live video has no attack_type, got '${attackType}'`);
    const split = get('split').toLowerCase();
    if (split !== '' && split !== 'train' && split !== 'val' && split !== 'test') throw new InputError(`${at}: split '${get('split')}' is not train, val, test or empty`);
    const file = path.isAbsolute(rel) ? rel : path.join(root, rel);
    const inside = path.relative(path.resolve(root), path.resolve(file));
    if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
      // Crops are cached under the video's path relative to the root: one outside it has no such name. It stays indexed (protocol checks see it).
      issues.push({ kind: 'outside-root', file: manifest, line: rec.line, message: `${rel}: lies outside the dataset root ${root}: vidpad preprocess will refuse it (crops are cached under a video's path inside the root); move it inside the root` });
    }
    const key = path.resolve(file);
    if (seenPaths.has(key)) throw new InputError(`${at}: ${rel} is listed twice (first on line ${seenPaths.get(key)})`);
    seenPaths.set(key, rec.line);
    if (!(await exists(file))) {
      issues.push({ kind: 'missing-video', file: manifest, line: rec.line, message: `${rel}: no such video file; row not indexed` });
      continue;
    }
    const subject = get('subject') || stemOf(file);
    if (split !== '') {
      const set = splitsOfSubject.get(subject) ?? new Set<string>();
      set.add(split);
      splitsOfSubject.set(subject, set);
    }
    const id = path.isAbsolute(rel) ? relativeId(root, file).replace(/\.[^./]*$/, '') : rel.split(path.sep).join('/').replace(/\.[^./]*$/, '');
    videos.push({ id, path: file, label, attackType: label === 'spoof' ? attackType : null, subject, sourceSplit: split === '' ? null : (split as SourceSplit), faceFile: await faceFileFor(file) });
  }
  for (const [subject, set] of splitsOfSubject) {
    if (set.size > 1) issues.push({ kind: 'subject-in-several-splits', file: manifest, message: `subject ${subject} is in splits ${[...set].sort().join(', ')}: its face is seen in training and judged in testing` });
  }
  checkDuplicateIds(videos, issues);
  return { dataset: 'folder', root, videos: dedupe(videos), issues };
}

export interface FolderProtocolOptions {
  /** Subjects to validate on, overriding the default rule for them. */
  valSubjects?: readonly string[];
}

/**
 * The split of every video: its manifest split, else the subject rule of the
 * module header; `valSubjects` (validated against the index's subjects) go to
 * validation.
 */
export function assignFolderSplits(index: DatasetIndex, valSubjects?: readonly string[]): Map<string, SourceSplit> {
  const subjects = [...new Set(index.videos.map((v) => v.subject))].sort(compareIds);
  const val = new Set<string>();
  valSubjects?.forEach((raw, i) => {
    const id = String(raw).trim();
    const hit = subjects.find((s) => s === id || (/^\d+$/.test(id) && /^\d+$/.test(s) && Number(s) === Number(id)));
    if (hit === undefined) throw new ConfigError(`valSubjects[${i}]`, `subject '${id}' is not in the dataset; subjects: ${subjects.slice(0, 12).join(', ')}${subjects.length > 12 ? ', …' : ''}`);
    val.add(hit);
  });
  const unassigned = [...new Set(index.videos.filter((v) => v.sourceSplit === null).map((v) => v.subject))].sort(compareIds);
  const bySubject = new Map<string, SourceSplit>();
  unassigned.forEach((s, i) => bySubject.set(s, i % 3 === 2 ? 'test' : i % 6 === 1 ? 'val' : 'train'));
  const out = new Map<string, SourceSplit>();
  for (const v of index.videos) {
    out.set(v.id, val.has(v.subject) ? 'val' : (v.sourceSplit ?? bySubject.get(v.subject)!));
  }
  return out;
}

/** The attack types of an index, sorted. */
export function folderAttackTypes(index: DatasetIndex): string[] {
  return [...new Set(index.videos.map((v) => v.attackType).filter((t): t is string => t !== null))].sort();
}

/** `all`: one split with every attack type; `cross`: one fold per attack type, held out of training. */
export function folderProtocolSplits(index: DatasetIndex, protocol: FolderProtocolId, options: FolderProtocolOptions = {}): ProtocolSplit[] {
  if (!FOLDER_PROTOCOLS.includes(protocol)) throw new ConfigError('protocol', `unknown folder protocol '${String(protocol)}'; expected ${FOLDER_PROTOCOLS.join(' or ')}`);
  const splits = assignFolderSplits(index, options.valSubjects);
  const types = folderAttackTypes(index);
  const valSubjects = [...new Set(index.videos.filter((v) => splits.get(v.id) === 'val').map((v) => v.subject))].sort(compareIds);
  const build = (fold: number | null, name: string, trainKeep: (v: VideoEntry) => boolean, testKeep: (v: VideoEntry) => boolean): ProtocolSplit => {
    const lists: Record<SourceSplit, SplitVideo[]> = { train: [], val: [], test: [] };
    for (const v of index.videos) {
      const s = splits.get(v.id)!;
      if ((s === 'test' ? testKeep : trainKeep)(v)) lists[s].push({ video: v, frames: ALL_FRAMES });
    }
    const typesOf = (l: SplitVideo[]): string[] => [...new Set(l.map((x) => x.video.attackType).filter((t): t is string => t !== null))].sort();
    return { dataset: 'folder', protocol, fold, name, trainAttackTypes: typesOf([...lists.train, ...lists.val]), testAttackTypes: typesOf(lists.test), valSubjects, ...lists };
  };
  if (protocol === 'all') return [build(null, 'all attack types in train and test', () => true, () => true)];
  if (types.length < 2) {
    throw new ConfigError('protocol', `the cross-attack-type protocol needs at least 2 attack types, ${index.root} has ${types.length === 0 ? 'none' : `only '${types[0]}'`}`);
  }
  return types.map((held, i) =>
    build(i + 1, `cross-attack fold ${i + 1} (${held} held out)`, (v) => v.attackType !== held, (v) => v.attackType === null || v.attackType === held),
  );
}
