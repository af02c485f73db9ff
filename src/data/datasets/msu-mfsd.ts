/**
 * MSU-MFSD (Wen, Han and Jain, TIFS 2015): indexing its distribution and its
 * subject-list protocol.
 *
 * Layout: `scene01/real/` and `scene01/attack/`, with at the top
 * `train_sub_list.txt` and `test_sub_list.txt` (one client number a line,
 * e.g. `02`; 15 train and 20 test clients in the distribution):
 * - live: `real_client002_android_SD_scene01.mp4` (`laptop` videos are `.mov`);
 * - attacks: `attack_client002_<android|laptop>_SD_<ipad_video|iphone_video|printed_photo>_scene01.<mp4|mov>`.
 * Face boxes: a `.face` beside the video, or under `face-locations/` at the
 * top mirroring the video's path; lines `frame,x1,y1,x2,y2[,…]`
 * (`frame-corners`). Attack types: `print/printed-photo`, `replay/ipad-video`,
 * `replay/iphone-video`. Subject: the client number as in the name (`002`).
 *
 * Protocol `all`: the train list's clients train (the validation subjects,
 * every third of them by default, validate), the test list's clients test.
 * A client in neither list, or in both, is an issue and in no split.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, InputError } from '../../errors.js';
import type { DatasetIndex, IndexIssue, MsuNameFields, ProtocolSplit, SourceSplit, VideoEntry } from './types.js';
import { assertDir, listDir, relativeId, isSynthManifest } from './walk.js';
import { assertIndexOf, buildSplit, resolveSubjectList, sortVideos, sortedIds, stemOf, strayIssue, unknownProtocol } from './layout-common.js';
import { defaultValSubjects } from './siw-protocols.js';

export const MSU_PROTOCOLS = ['all'] as const;
export type MsuProtocolId = (typeof MSU_PROTOCOLS)[number];
export const MSU_ID_PREFIX = 'msu-mfsd/';
export const MSU_LIST_FILES = Object.freeze({ train: 'train_sub_list.txt', test: 'test_sub_list.txt' });
const VIDEO_EXTENSIONS = ['.mp4', '.mov'];

const REAL_RE = /^real_client(\d+)_(android|laptop)_SD_(scene\d+)$/i;
const ATTACK_RE = /^attack_client(\d+)_(android|laptop)_SD_(ipad_video|iphone_video|printed_photo)_(scene\d+)$/i;

/** Parses an MSU-MFSD file stem; a reason string when it does not parse. */
export function parseMsuName(stem: string): MsuNameFields | string {
  const r = REAL_RE.exec(stem);
  if (r) return { client: r[1]!.padStart(3, '0'), device: r[2]!.toLowerCase() as 'android' | 'laptop', attack: null, scene: r[3]!.toLowerCase() };
  const a = ATTACK_RE.exec(stem);
  if (a) return { client: a[1]!.padStart(3, '0'), device: a[2]!.toLowerCase() as 'android' | 'laptop', attack: a[3]!.toLowerCase() as MsuNameFields['attack'], scene: a[4]!.toLowerCase() };
  return (
    `'${stem}' is not an MSU-MFSD name: live real_client<NNN>_<android|laptop>_SD_scene01, ` +
    'attack attack_client<NNN>_<android|laptop>_SD_<ipad_video|iphone_video|printed_photo>_scene01'
  );
}

export function msuAttackType(attack: MsuNameFields['attack']): string | null {
  return attack === null ? null : attack === 'printed_photo' ? 'print/printed-photo' : `replay/${attack.replace('_', '-')}`;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Reads a subject list: client numbers separated by lines, spaces or commas. */
async function readSubjectList(file: string, issues: IndexIssue[]): Promise<Set<number>> {
  const text = await readFile(file, 'utf8');
  const out = new Set<number>();
  text.split(/\r?\n/).forEach((line, i) => {
    for (const token of line.split(/[\s,]+/).filter((t) => t.length > 0)) {
      const m = /^(?:client)?(\d+)$/i.exec(token);
      if (m) out.add(Number(m[1]));
      else issues.push({ kind: 'bad-list-line', file, line: i + 1, message: `'${token}' is not a client number such as 02` });
    }
  });
  return out;
}

/**
 * Indexes the MSU-MFSD tree at `root` without decoding. InputError only when
 * no `scene*` folder is there; missing subject lists and the rest are issues.
 */
export async function indexMsuMfsd(root: string): Promise<DatasetIndex> {
  await assertDir(root, 'an MSU-MFSD tree with scene01/real/, scene01/attack/ and the subject lists');
  const issues: IndexIssue[] = [];
  const videos: VideoEntry[] = [];
  const top = await listDir(root);
  const scenes = top.filter((e) => e.kind === 'dir' && /^scene\d+$/i.test(e.name));
  if (scenes.length === 0) {
    throw new InputError(`${root}: not an MSU-MFSD tree, expected the folder scene01/ (with real/ and attack/) in it (found: ${top.map((e) => e.name).join(', ') || 'nothing'})`);
  }
  const listFile = (name: string) => top.find((e) => e.kind === 'file' && e.name.toLowerCase() === name);
  const lists: Partial<Record<'train' | 'test', Set<number>>> = {};
  for (const part of ['train', 'test'] as const) {
    const f = listFile(MSU_LIST_FILES[part]);
    if (f) lists[part] = await readSubjectList(f.path, issues);
    else issues.push({ kind: 'missing-list', file: path.join(root, MSU_LIST_FILES[part]), message: `missing ${MSU_LIST_FILES[part]}: without both subject lists no video is in any split` });
  }
  const faceRoot = top.find((e) => e.kind === 'dir' && e.name.toLowerCase() === 'face-locations');
  for (const e of top) {
    if (scenes.includes(e) || e === faceRoot || isSynthManifest(e) || (e.kind === 'file' && (Object.values(MSU_LIST_FILES) as string[]).includes(e.name.toLowerCase()))) continue;
    // The distribution also ships a readme and per-video metadata; text files at the top are not problems.
    if (e.kind === 'file' && /\.(txt|pdf|md|csv|xlsx?)$/i.test(e.name)) continue;
    issues.push(strayIssue(e.path, e.kind, 'MSU-MFSD has scene01/, face-locations/ and the subject lists at its top level'));
  }
  const missingFace: IndexIssue[] = [];
  const bothLists = lists.train !== undefined && lists.test !== undefined;
  for (const scene of scenes) {
    for (const labelDir of await listDir(scene.path)) {
      const label = labelDir.name.toLowerCase();
      if (labelDir.kind !== 'dir' || (label !== 'real' && label !== 'attack')) {
        issues.push(strayIssue(labelDir.path, labelDir.kind, `${scene.name}/ holds real/ and attack/`));
        continue;
      }
      const entries = await listDir(labelDir.path);
      const faceBeside = new Map(entries.filter((e) => e.kind === 'file' && path.extname(e.name).toLowerCase() === '.face').map((e) => [stemOf(e.name), e.path]));
      const stems = new Set<string>();
      for (const e of entries) {
        const ext = path.extname(e.name).toLowerCase();
        if (e.kind === 'file' && ext === '.face') continue;
        if (e.kind !== 'file' || !VIDEO_EXTENSIONS.includes(ext)) {
          issues.push(strayIssue(e.path, e.kind, `${label}/ holds .mp4 and .mov videos and their .face files`));
          continue;
        }
        const stem = stemOf(e.name);
        const parsed = parseMsuName(stem);
        if (typeof parsed === 'string') {
          issues.push({ kind: 'bad-name', file: e.path, message: `${parsed}; not indexed` });
          continue;
        }
        if ((parsed.attack === null) !== (label === 'real')) {
          issues.push({ kind: 'bad-name', file: e.path, message: `${parsed.attack === null ? 'a live' : 'an attack'} name under ${label}/; not indexed` });
          continue;
        }
        if (parsed.scene !== scene.name.toLowerCase()) {
          issues.push({ kind: 'bad-name', file: e.path, message: `${parsed.scene} in the name but the video is in ${scene.name}/; not indexed` });
          continue;
        }
        if (stems.has(stem)) {
          issues.push({ kind: 'extra-file', file: e.path, message: `a second video with the stem ${stem} (another extension); only the first is indexed` });
          continue;
        }
        stems.add(stem);
        const mirrored = faceRoot ? path.join(faceRoot.path, path.relative(root, labelDir.path), `${stem}.face`) : null;
        const faceFile = faceBeside.get(stem) ?? (mirrored && (await isFile(mirrored)) ? mirrored : null);
        if (!faceFile) missingFace.push({ kind: 'missing-face', file: e.path, message: `no ${stem}.face beside the video (nor under face-locations/): its frames have no dataset face boxes` });
        const n = Number(parsed.client);
        const inTrain = lists.train?.has(n) ?? false;
        const inTest = lists.test?.has(n) ?? false;
        let sourceSplit: SourceSplit | null = null;
        if (inTrain && inTest) issues.push({ kind: 'subject-in-several-splits', file: e.path, message: `client ${parsed.client} is in both ${MSU_LIST_FILES.train} and ${MSU_LIST_FILES.test}; in no split` });
        else if (inTrain || inTest) sourceSplit = inTrain ? 'train' : 'test';
        else if (bothLists) issues.push({ kind: 'unlisted-subject', file: e.path, message: `client ${parsed.client} is in neither ${MSU_LIST_FILES.train} nor ${MSU_LIST_FILES.test}; in no split` });
        videos.push({
          id: MSU_ID_PREFIX + relativeId(root, path.join(labelDir.path, stem)),
          path: e.path,
          label: parsed.attack === null ? 'live' : 'spoof',
          attackType: msuAttackType(parsed.attack),
          subject: parsed.client,
          sourceSplit,
          faceFile,
          ...(faceFile ? { faceFormat: 'frame-corners' as const } : {}),
          msu: parsed,
        });
      }
      for (const [stem, file] of faceBeside) if (!stems.has(stem)) issues.push({ kind: 'orphan-face', file, message: 'a .face file with no indexed video of the same stem beside it' });
    }
  }
  if (videos.length > 0 && !videos.some((v) => v.faceFile)) {
    issues.push({ kind: 'missing-face', file: root, message: 'no .face file for any video (beside the videos or under face-locations/): every box comes from the detector' });
  } else issues.push(...missingFace);
  return { dataset: 'msu-mfsd', root, videos: sortVideos(videos), issues };
}

export interface MsuProtocolOptions {
  /** Validation subjects from the train list's clients (`2`, `02` or `002`). Default: every third. */
  valSubjects?: readonly string[];
}

/** The part of every video: the test list → test; the train list → val for the validation subjects, else train; unlisted → none. */
export function msuParts(index: DatasetIndex, options: MsuProtocolOptions = {}): { partOf: (v: VideoEntry) => SourceSplit | null; valSubjects: string[] } {
  const trainSubjects = sortedIds(index.videos.filter((v) => v.sourceSplit === 'train').map((v) => v.subject));
  if (trainSubjects.length === 0) {
    throw new ConfigError('dataset', `${index.root}: no MSU-MFSD video is in the train list; the protocol needs ${MSU_LIST_FILES.train} and ${MSU_LIST_FILES.test} at the top of the tree`);
  }
  const valSubjects = options.valSubjects ? resolveSubjectList(trainSubjects, options.valSubjects, 'valSubjects', 'MSU-MFSD training clients') : defaultValSubjects(trainSubjects);
  const val = new Set(valSubjects);
  return { partOf: (v) => (v.sourceSplit === 'test' ? 'test' : v.sourceSplit === 'train' ? (val.has(v.subject) ? 'val' : 'train') : null), valSubjects };
}

/** The one split of MSU-MFSD's protocol. */
export function msuProtocolSplits(index: DatasetIndex, protocol: MsuProtocolId = 'all', options: MsuProtocolOptions = {}): ProtocolSplit[] {
  if (!MSU_PROTOCOLS.includes(protocol)) throw unknownProtocol('MSU-MFSD', protocol, MSU_PROTOCOLS);
  assertIndexOf(index, 'msu-mfsd', 'MSU-MFSD protocols');
  const { partOf, valSubjects } = msuParts(index, options);
  return [buildSplit(index, { dataset: 'msu-mfsd', protocol, fold: null, name: 'MSU-MFSD (train list → test list)', partOf, trainKeep: () => true, testKeep: () => true, valSubjects })];
}
