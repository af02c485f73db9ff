/**
 * CASIA-FASD (Zhang et al., ICB 2012): indexing its distribution and its
 * published test protocols.
 *
 * Layout: `train_release/<n>/` (n = 1-20) and `test_release/<n>/` (n = 1-30;
 * the numbers restart, they are 50 different people) each holding twelve
 * `.avi` files: `1`, `2`, `HR_1` live; `3`, `4`, `HR_2` warped photo; `5`, `6`,
 * `HR_3` cut photo; `7`, `8`, `HR_4` video replay. Odd numbers are the low
 * quality camera, even numbers the normal one, `HR_*` the high-resolution
 * camera. The distribution ships no face boxes. Subject ids are
 * `train-07` / `test-07` (the release and the folder number, two digits).
 * Attack types: `print/warped`, `print/cut`, `replay/video`.
 *
 * Protocols (the paper's seven test scenarios; train and test filtered alike):
 * `overall` (everything), `low`, `normal`, `high` (one camera quality, live
 * and attacks), `warped`, `cut`, `video` (live + one attack kind). Training
 * and validation come from train_release, testing from test_release;
 * validation subjects are taken out of the 20 training subjects, every third
 * by default (6 of 20), or the list given (`3` means `train-03`).
 */
import path from 'node:path';
import { InputError } from '../../errors.js';
import type { CasiaNameFields, DatasetIndex, IndexIssue, ProtocolSplit, SourceSplit, VideoEntry } from './types.js';
import { assertDir, listDir, relativeId, isSynthManifest } from './walk.js';
import { assertIndexOf, buildSplit, resolveSubjectList, sortVideos, sortedIds, stemOf, strayIssue, unknownProtocol } from './layout-common.js';
import { defaultValSubjects } from './siw-protocols.js';

export const CASIA_PROTOCOLS = ['overall', 'low', 'normal', 'high', 'warped', 'cut', 'video'] as const;
export type CasiaProtocolId = (typeof CASIA_PROTOCOLS)[number];
export const CASIA_FILES = ['1', '2', '3', '4', '5', '6', '7', '8', 'HR_1', 'HR_2', 'HR_3', 'HR_4'] as const;
export const CASIA_ID_PREFIX = 'casia-fasd/';
const RELEASES: Readonly<Record<string, 'train' | 'test'>> = Object.freeze({ train_release: 'train', test_release: 'test' });

const KIND_OF_GROUP = ['live', 'warped', 'cut', 'video'] as const;

/** The fields of a CASIA file name (`1`..`8`, `HR_1`..`HR_4`, any case), or a reason string. */
export function parseCasiaFile(stem: string): Pick<CasiaNameFields, 'file' | 'quality' | 'kind'> | string {
  const hr = /^hr_([1-4])$/i.exec(stem);
  if (hr) return { file: `HR_${hr[1]}`, quality: 'high', kind: KIND_OF_GROUP[Number(hr[1]) - 1]! };
  if (/^[1-8]$/.test(stem)) {
    const n = Number(stem);
    return { file: stem, quality: n % 2 === 1 ? 'low' : 'normal', kind: KIND_OF_GROUP[Math.floor((n - 1) / 2)]! };
  }
  return `'${stem}' is not a CASIA-FASD video name (1-8 or HR_1-HR_4)`;
}

export function casiaAttackType(kind: CasiaNameFields['kind']): string | null {
  return kind === 'live' ? null : kind === 'video' ? 'replay/video' : `print/${kind}`;
}

export function casiaSubjectId(release: 'train' | 'test', folder: string): string {
  return `${release}-${folder.padStart(2, '0')}`;
}

/** Indexes the CASIA-FASD tree at `root` without decoding; InputError only when neither release folder is there. */
export async function indexCasiaFasd(root: string): Promise<DatasetIndex> {
  await assertDir(root, 'a CASIA-FASD tree with train_release/ and test_release/');
  const issues: IndexIssue[] = [];
  const videos: VideoEntry[] = [];
  const top = await listDir(root);
  const releases = top.filter((e) => e.kind === 'dir' && RELEASES[e.name.toLowerCase()] !== undefined);
  if (releases.length === 0) {
    throw new InputError(`${root}: not a CASIA-FASD tree, expected the folders train_release/ and test_release/ in it (found: ${top.map((e) => e.name).join(', ') || 'nothing'})`);
  }
  for (const want of ['train_release', 'test_release']) {
    if (!releases.some((d) => d.name.toLowerCase() === want)) issues.push({ kind: 'bad-folder', file: path.join(root, want), message: `missing folder ${want}/: its videos are absent from every protocol` });
  }
  for (const e of top) if (!releases.includes(e) && !isSynthManifest(e)) issues.push(strayIssue(e.path, e.kind, 'CASIA-FASD has train_release/ and test_release/ at its top level'));
  for (const rel of releases) {
    const release = RELEASES[rel.name.toLowerCase()]!;
    for (const subjectDir of await listDir(rel.path)) {
      if (subjectDir.kind !== 'dir' || !/^\d+$/.test(subjectDir.name)) {
        issues.push(strayIssue(subjectDir.path, subjectDir.kind, `${rel.name}/ holds one numbered folder per subject`));
        continue;
      }
      const folder = String(Number(subjectDir.name));
      const seen = new Set<string>();
      for (const e of await listDir(subjectDir.path)) {
        if (e.kind !== 'file' || path.extname(e.name).toLowerCase() !== '.avi') {
          issues.push(strayIssue(e.path, e.kind, 'a subject folder holds 1.avi-8.avi and HR_1.avi-HR_4.avi'));
          continue;
        }
        const stem = stemOf(e.name);
        const parsed = parseCasiaFile(stem);
        if (typeof parsed === 'string') {
          issues.push({ kind: 'bad-name', file: e.path, message: `${parsed}; not indexed` });
          continue;
        }
        if (seen.has(parsed.file)) {
          issues.push({ kind: 'extra-file', file: e.path, message: `a second ${parsed.file} video in this folder (another case); only the first is indexed` });
          continue;
        }
        seen.add(parsed.file);
        videos.push({
          id: CASIA_ID_PREFIX + relativeId(root, path.join(subjectDir.path, stem)),
          path: e.path,
          label: parsed.kind === 'live' ? 'live' : 'spoof',
          attackType: casiaAttackType(parsed.kind),
          subject: casiaSubjectId(release, folder),
          sourceSplit: release,
          faceFile: null,
          casia: { release, folder, ...parsed },
        });
      }
    }
  }
  return { dataset: 'casia-fasd', root, videos: sortVideos(videos), issues };
}

/** The train_release subjects, sorted. */
export function casiaTrainSubjects(index: DatasetIndex): string[] {
  return sortedIds(index.videos.filter((v) => v.sourceSplit === 'train').map((v) => v.subject));
}

export interface CasiaProtocolOptions {
  /** Validation subjects from train_release (`3`, `03` or `train-03`). Default: every third. */
  valSubjects?: readonly string[];
}

/** The part of every video: test_release → test; train_release → val for the validation subjects, else train. */
export function casiaParts(index: DatasetIndex, options: CasiaProtocolOptions = {}): { partOf: (v: VideoEntry) => SourceSplit; valSubjects: string[] } {
  const trainSubjects = casiaTrainSubjects(index);
  const valSubjects = options.valSubjects ? resolveSubjectList(trainSubjects, options.valSubjects, 'valSubjects', 'CASIA-FASD training subjects') : defaultValSubjects(trainSubjects);
  const val = new Set(valSubjects);
  return { partOf: (v) => (v.sourceSplit === 'test' ? 'test' : val.has(v.subject) ? 'val' : 'train'), valSubjects };
}

/** The one split of a CASIA-FASD protocol (see the module header). */
export function casiaProtocolSplits(index: DatasetIndex, protocol: CasiaProtocolId, options: CasiaProtocolOptions = {}): ProtocolSplit[] {
  if (!CASIA_PROTOCOLS.includes(protocol)) throw unknownProtocol('CASIA-FASD', protocol, CASIA_PROTOCOLS);
  assertIndexOf(index, 'casia-fasd', 'CASIA-FASD protocols');
  const { partOf, valSubjects } = casiaParts(index, options);
  const keep = (v: VideoEntry): boolean => {
    const c = v.casia!;
    if (protocol === 'overall') return true;
    if (protocol === 'low' || protocol === 'normal' || protocol === 'high') return c.quality === protocol;
    return c.kind === 'live' || c.kind === protocol;
  };
  const what =
    protocol === 'overall' ? 'every video' : protocol === 'warped' || protocol === 'cut' || protocol === 'video' ? `live + ${protocol === 'video' ? 'video replay' : `${protocol} photo`}` : `${protocol} quality only`;
  return [buildSplit(index, { dataset: 'casia-fasd', protocol, fold: null, name: `CASIA-FASD ${protocol} (${what}; train_release → test_release)`, partOf, trainKeep: keep, testKeep: keep, valSubjects })];
}
