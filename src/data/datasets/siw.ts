/**
 * Indexing a SiW (Spoof in the Wild, Liu et al. 2018) tree without decoding
 * it: `Train|Test/live|spoof/<SID>/<SID>-<sensor>-<type>-<medium>-<session>.mov`
 * (or `.mp4`), each with a `.face` file of the same stem beside it.
 *
 * Name fields: type 1 live, 2 print, 3 replay. The medium id means different
 * things per attack kind: SiW numbers its 2 print media and its 4 replay
 * devices independently, both from 1, so `print/1` and `replay/1` are
 * unrelated attack types, and the medium of a live video is not an attack
 * type at all. The attack type string is therefore `print/<medium>` or
 * `replay/<medium>`, the medium taken verbatim (as a number) from the name.
 *
 * Anything unexpected (a name that does not parse or contradicts its
 * folders, a missing `.face`, a `.face` without video, a stray file or
 * folder) becomes an entry of `issues` and the rest of the tree is still
 * indexed. Dotfiles are ignored.
 */
import path from 'node:path';
import type { DatasetIndex, IndexIssue, SiwNameFields, SourceSplit, VideoEntry } from './types.js';
import { assertDir, listDir, relativeId, isSynthManifest } from './walk.js';
import { InputError } from '../../errors.js';

export const SIW_VIDEO_EXTENSIONS = ['.mov', '.mp4'] as const;
export const SIW_TYPE_NAMES: Readonly<Record<number, 'live' | 'print' | 'replay'>> = Object.freeze({ 1: 'live', 2: 'print', 3: 'replay' });

const SPLIT_FOLDERS: Readonly<Record<string, SourceSplit>> = Object.freeze({ train: 'train', test: 'test' });
const NAME_RE = /^(\d+)-(\d+)-(\d+)-(\d+)-(\d+)$/;

/** Parses a SiW file stem; returns a reason string when it does not parse. */
export function parseSiwName(stem: string): SiwNameFields | string {
  const m = NAME_RE.exec(stem);
  if (!m) return `'${stem}' is not a SiW name <SID>-<sensor>-<type>-<medium>-<session> (5 numbers joined by '-')`;
  const [, subject, sensor, type, medium, session] = m as unknown as [string, string, string, string, string, string];
  const t = Number(type);
  if (!(t in SIW_TYPE_NAMES)) return `'${stem}': type ${type} is not 1 (live), 2 (print) or 3 (replay)`;
  return { subject, sensor: Number(sensor), type: t, medium: Number(medium), session: Number(session) };
}

/** `null` for live; `print/<medium>` or `replay/<medium>` for attacks. */
export function siwAttackType(fields: SiwNameFields): string | null {
  const kind = SIW_TYPE_NAMES[fields.type];
  return kind === 'live' || kind === undefined ? null : `${kind}/${fields.medium}`;
}

/**
 * Indexes the SiW tree at `root`. Throws an InputError only when `root` is not
 * a folder or holds neither `Train/` nor `Test/`; every other problem is an
 * entry of the result's `issues`.
 */
export async function indexSiw(root: string): Promise<DatasetIndex> {
  await assertDir(root, 'a SiW tree with Train/ and Test/');
  const issues: IndexIssue[] = [];
  const videos: VideoEntry[] = [];
  const top = await listDir(root);
  const splitDirs = top.filter((e) => e.kind === 'dir' && SPLIT_FOLDERS[e.name.toLowerCase()] !== undefined);
  if (splitDirs.length === 0) {
    throw new InputError(`${root}: not a SiW tree, expected the folders Train/ and Test/ in it (found: ${top.map((e) => e.name).join(', ') || 'nothing'})`);
  }
  for (const want of ['Train', 'Test']) {
    if (!splitDirs.some((d) => d.name.toLowerCase() === want.toLowerCase())) {
      issues.push({ kind: 'bad-folder', file: path.join(root, want), message: `missing folder ${want}/: its videos are absent from every protocol` });
    }
  }
  for (const e of top) {
    if (!splitDirs.includes(e) && !isSynthManifest(e)) issues.push(strayIssue(e.path, e.kind, 'SiW has only Train/ and Test/ at its top level'));
  }
  for (const splitDir of splitDirs) {
    const sourceSplit = SPLIT_FOLDERS[splitDir.name.toLowerCase()]!;
    for (const labelDir of await listDir(splitDir.path)) {
      const label = labelDir.name.toLowerCase();
      if (labelDir.kind !== 'dir' || (label !== 'live' && label !== 'spoof')) {
        issues.push(strayIssue(labelDir.path, labelDir.kind, `${splitDir.name}/ holds only live/ and spoof/`));
        continue;
      }
      for (const subjectDir of await listDir(labelDir.path)) {
        if (subjectDir.kind !== 'dir') {
          issues.push(strayIssue(subjectDir.path, subjectDir.kind, `${splitDir.name}/${label}/ holds one folder per subject id`));
          continue;
        }
        await indexSubjectFolder(root, subjectDir.path, subjectDir.name, label, sourceSplit, videos, issues);
      }
    }
  }
  videos.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { dataset: 'siw', root, videos, issues };
}

function strayIssue(file: string, kind: string, why: string): IndexIssue {
  return kind === 'dir'
    ? { kind: 'bad-folder', file, message: `unexpected folder, not indexed (${why})` }
    : { kind: 'extra-file', file, message: `unexpected file, not indexed (${why})` };
}

async function indexSubjectFolder(
  root: string,
  dir: string,
  folderSubject: string,
  label: 'live' | 'spoof',
  sourceSplit: SourceSplit,
  videos: VideoEntry[],
  issues: IndexIssue[],
): Promise<void> {
  const entries = await listDir(dir);
  const faceStems = new Set(entries.filter((e) => e.kind === 'file' && path.extname(e.name).toLowerCase() === '.face').map((e) => stemOf(e.name)));
  const videoStems = new Set<string>();
  for (const e of entries) {
    const ext = path.extname(e.name).toLowerCase();
    if (e.kind === 'dir') {
      issues.push(strayIssue(e.path, e.kind, 'a subject folder holds videos and .face files only'));
      continue;
    }
    if (ext === '.face') continue;
    if (e.kind !== 'file' || !(SIW_VIDEO_EXTENSIONS as readonly string[]).includes(ext)) {
      issues.push(strayIssue(e.path, e.kind, `expected ${SIW_VIDEO_EXTENSIONS.join(' or ')} videos and .face files`));
      continue;
    }
    const stem = stemOf(e.name);
    const parsed = parseSiwName(stem);
    if (typeof parsed === 'string') {
      issues.push({ kind: 'bad-name', file: e.path, message: `${parsed}; not indexed` });
      continue;
    }
    if (parsed.subject !== folderSubject) {
      issues.push({ kind: 'bad-name', file: e.path, message: `subject ${parsed.subject} in the name but the video is in subject folder ${folderSubject}; not indexed` });
      continue;
    }
    const isLive = parsed.type === 1;
    if (isLive !== (label === 'live')) {
      issues.push({ kind: 'bad-name', file: e.path, message: `type ${parsed.type} (${SIW_TYPE_NAMES[parsed.type]}) in the name but the video is under ${label}/; not indexed` });
      continue;
    }
    if (videoStems.has(stem)) {
      issues.push({ kind: 'extra-file', file: e.path, message: `a second video with the stem ${stem} (another extension); only the first is indexed` });
      continue;
    }
    videoStems.add(stem);
    const faceFile = faceStems.has(stem) ? path.join(dir, `${stem}.face`) : null;
    if (!faceFile) issues.push({ kind: 'missing-face', file: e.path, message: `no ${stem}.face beside the video: its frames have no dataset face boxes` });
    videos.push({
      id: relativeId(root, path.join(dir, stem)),
      path: e.path,
      label,
      attackType: siwAttackType(parsed),
      subject: parsed.subject,
      sourceSplit,
      faceFile,
      siw: parsed,
    });
  }
  for (const e of entries) {
    if (e.kind === 'file' && path.extname(e.name).toLowerCase() === '.face' && !videoStems.has(stemOf(e.name))) {
      issues.push({ kind: 'orphan-face', file: e.path, message: 'a .face file with no indexed video of the same stem beside it' });
    }
  }
}

function stemOf(name: string): string {
  return name.slice(0, name.length - path.extname(name).length);
}
