/**
 * OULU-NPU (Boulkenafet et al., FG 2017): indexing its distribution and its
 * four published protocols.
 *
 * Layout: `Train_files/`, `Dev_files/`, `Test_files/`, each holding
 * `<phone>_<session>_<user>_<type>.avi` with a `.txt` of the same stem beside
 * it (per-frame eye positions: `frame, x_left_eye, y_left_eye, x_right_eye,
 * y_right_eye`, read as `frame-eyes`). Phones 1-6, sessions 1-3, users 01-55
 * (01-20 in Train, 21-35 in Dev, 36-55 in Test), type 1 live, 2 and 3 print
 * with printers 1 and 2, 4 and 5 video replay on displays 1 and 2. Attack
 * types: `print/1`, `print/2`, `replay/1`, `replay/2`. An optional
 * `Protocols/Protocol_N/{Train,Dev,Test}[_k].txt` (lines `+1,1_1_01_1`) is
 * compared with the protocols computed here and any disagreement reported.
 *
 * Protocols (train and validation filtered alike; the Dev users validate):
 * - P1, illumination and background: train sessions 1-2, test session 3.
 * - P2, attack instruments: train print 1 + replay 1, test print 2 + replay 2.
 * - P3, input sensor: one fold per phone, trained on the other five phones,
 *   tested on the held-out phone.
 * - P4, all three: fold k trains on sessions 1-2, print 1 + replay 1 and the
 *   phones other than k; tests on session 3, print 2 + replay 2, phone k.
 * Live videos pass every instrument filter.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.js';
import type { DatasetIndex, IndexIssue, OuluNameFields, ProtocolSplit, SourceSplit, VideoEntry } from './types.js';
import { assertDir, listDir, relativeId, isSynthManifest } from './walk.js';
import { assertIndexOf, buildSplit, filesByStem, sortVideos, sortedIds, stemOf, strayIssue, unknownProtocol } from './layout-common.js';

export const OULU_SPLIT_FOLDERS: Readonly<Record<string, SourceSplit>> = Object.freeze({ train_files: 'train', dev_files: 'val', test_files: 'test' });
const SPLIT_FOLDER_NAMES: Readonly<Record<SourceSplit, string>> = Object.freeze({ train: 'Train_files', val: 'Dev_files', test: 'Test_files' });
/** Users of each part, as the dataset assigns them. */
export const OULU_USERS: Readonly<Record<SourceSplit, readonly [number, number]>> = Object.freeze({ train: [1, 20], val: [21, 35], test: [36, 55] });
export const OULU_PHONES = [1, 2, 3, 4, 5, 6] as const;
export const OULU_SESSIONS = [1, 2, 3] as const;
export const OULU_TYPES = [1, 2, 3, 4, 5] as const;
export const OULU_PROTOCOL_IDS = [1, 2, 3, 4] as const;
export type OuluProtocolId = (typeof OULU_PROTOCOL_IDS)[number];
/** The id prefix of OULU-NPU videos (see `VideoEntry.id`). */
export const OULU_ID_PREFIX = 'oulu-npu/';

const NAME_RE = /^(\d+)_(\d+)_(\d+)_(\d+)$/;

/** `null` for live, else `print/1`, `print/2`, `replay/1`, `replay/2`. */
export function ouluAttackType(type: number): string | null {
  return type === 1 ? null : type <= 3 ? `print/${type - 1}` : `replay/${type - 3}`;
}

/** Parses `<phone>_<session>_<user>_<type>`; a reason string when it does not parse or a field is out of range. */
export function parseOuluName(stem: string): OuluNameFields | string {
  const m = NAME_RE.exec(stem);
  if (!m) return `'${stem}' is not an OULU-NPU name <phone>_<session>_<user>_<type> (4 numbers joined by '_', e.g. 1_1_01_1)`;
  const [phone, session, user, type] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if (phone < 1 || phone > 6) return `'${stem}': phone ${m[1]} is not 1-6`;
  if (session < 1 || session > 3) return `'${stem}': session ${m[2]} is not 1-3`;
  if (user < 1 || user > 55) return `'${stem}': user ${m[3]} is not 01-55`;
  if (type < 1 || type > 5) return `'${stem}': type ${m[4]} is not 1 (live), 2-3 (print 1-2) or 4-5 (replay 1-2)`;
  return { phone, session, user: String(user).padStart(2, '0'), type };
}

/** The part (Train/Dev/Test) the dataset assigns a user to. */
export function ouluPartOfUser(user: number): SourceSplit {
  return user <= OULU_USERS.train[1] ? 'train' : user <= OULU_USERS.val[1] ? 'val' : 'test';
}

/**
 * Indexes the OULU-NPU tree at `root` without decoding. Throws an InputError
 * only when `root` is not a folder or holds none of the three file folders;
 * every other problem is an entry of `issues`.
 */
export async function indexOuluNpu(root: string): Promise<DatasetIndex> {
  await assertDir(root, 'an OULU-NPU tree with Train_files/, Dev_files/ and Test_files/');
  const issues: IndexIssue[] = [];
  const videos: VideoEntry[] = [];
  const top = await listDir(root);
  const splitDirs = top.filter((e) => e.kind === 'dir' && OULU_SPLIT_FOLDERS[e.name.toLowerCase()] !== undefined);
  if (splitDirs.length === 0) {
    throw new InputError(`${root}: not an OULU-NPU tree, expected the folders Train_files/, Dev_files/ and Test_files/ in it (found: ${top.map((e) => e.name).join(', ') || 'nothing'})`);
  }
  for (const part of ['train', 'val', 'test'] as const) {
    if (!splitDirs.some((d) => OULU_SPLIT_FOLDERS[d.name.toLowerCase()] === part)) {
      issues.push({ kind: 'bad-folder', file: path.join(root, SPLIT_FOLDER_NAMES[part]), message: `missing folder ${SPLIT_FOLDER_NAMES[part]}/: its videos are absent from every protocol` });
    }
  }
  const protocolsDir = top.find((e) => e.kind === 'dir' && e.name.toLowerCase() === 'protocols');
  for (const e of top) {
    if (!splitDirs.includes(e) && e !== protocolsDir && !isSynthManifest(e)) issues.push(strayIssue(e.path, e.kind, 'OULU-NPU has Train_files/, Dev_files/, Test_files/ and Protocols/ at its top level'));
  }
  for (const dir of splitDirs) {
    const part = OULU_SPLIT_FOLDERS[dir.name.toLowerCase()]!;
    const entries = await listDir(dir.path);
    const boxFiles = filesByStem(entries, '.txt');
    const videoStems = new Set<string>();
    for (const e of entries) {
      const ext = path.extname(e.name).toLowerCase();
      if (e.kind === 'file' && ext === '.txt') continue;
      if (e.kind !== 'file' || ext !== '.avi') {
        issues.push(strayIssue(e.path, e.kind, `${dir.name}/ holds <phone>_<session>_<user>_<type>.avi videos and their .txt eye-position files`));
        continue;
      }
      const stem = stemOf(e.name);
      const parsed = parseOuluName(stem);
      if (typeof parsed === 'string') {
        issues.push({ kind: 'bad-name', file: e.path, message: `${parsed}; not indexed` });
        continue;
      }
      const userPart = ouluPartOfUser(Number(parsed.user));
      if (userPart !== part) {
        issues.push({ kind: 'bad-name', file: e.path, message: `user ${parsed.user} belongs in ${SPLIT_FOLDER_NAMES[userPart]}/ (users ${OULU_USERS[userPart].join('-')}), not in ${dir.name}/; not indexed` });
        continue;
      }
      videoStems.add(stem);
      const box = boxFiles.get(stem);
      if (!box) issues.push({ kind: 'missing-face', file: e.path, message: `no ${stem}.txt (eye positions) beside the video: its frames have no dataset face boxes` });
      videos.push({
        id: OULU_ID_PREFIX + relativeId(root, path.join(dir.path, stem)),
        path: e.path,
        label: parsed.type === 1 ? 'live' : 'spoof',
        attackType: ouluAttackType(parsed.type),
        subject: parsed.user,
        sourceSplit: part,
        faceFile: box ? box.path : null,
        ...(box ? { faceFormat: 'frame-eyes' as const } : {}),
        oulu: parsed,
      });
    }
    for (const [stem, e] of boxFiles) {
      if (!videoStems.has(stem)) issues.push({ kind: 'orphan-face', file: e.path, message: 'a .txt eye-position file with no indexed video of the same stem beside it' });
    }
  }
  const index: DatasetIndex = { dataset: 'oulu-npu', root, videos: sortVideos(videos), issues };
  if (protocolsDir) issues.push(...(await checkOuluProtocolFiles(index, protocolsDir.path)));
  return index;
}

const IN_TRAIN_INSTRUMENTS = (v: VideoEntry) => [1, 2, 4].includes(v.oulu!.type);
const IN_TEST_INSTRUMENTS = (v: VideoEntry) => [1, 3, 5].includes(v.oulu!.type);

/** The splits of one OULU-NPU protocol: 1 for P1 and P2, one per phone (6) for P3 and P4. */
export function ouluProtocolSplits(index: DatasetIndex, protocol: OuluProtocolId): ProtocolSplit[] {
  if (!OULU_PROTOCOL_IDS.includes(protocol)) throw unknownProtocol('OULU-NPU', protocol, OULU_PROTOCOL_IDS);
  assertIndexOf(index, 'oulu-npu', 'OULU-NPU protocols');
  const valSubjects = sortedIds(index.videos.filter((v) => v.sourceSplit === 'val').map((v) => v.subject));
  const base = { dataset: 'oulu-npu' as const, protocol: String(protocol), partOf: (v: VideoEntry) => v.sourceSplit, valSubjects };
  if (protocol === 1) {
    return [buildSplit(index, { ...base, fold: null, name: 'OULU-NPU P1 (train sessions 1-2, test session 3)', trainKeep: (v) => v.oulu!.session <= 2, testKeep: (v) => v.oulu!.session === 3 })];
  }
  if (protocol === 2) {
    return [buildSplit(index, { ...base, fold: null, name: 'OULU-NPU P2 (train print 1 + replay 1, test print 2 + replay 2)', trainKeep: IN_TRAIN_INSTRUMENTS, testKeep: IN_TEST_INSTRUMENTS })];
  }
  if (protocol === 3) {
    return OULU_PHONES.map((k) =>
      buildSplit(index, { ...base, fold: k, name: `OULU-NPU P3 fold ${k} (phone ${k} held out)`, trainKeep: (v) => v.oulu!.phone !== k, testKeep: (v) => v.oulu!.phone === k }),
    );
  }
  return OULU_PHONES.map((k) =>
    buildSplit(index, {
      ...base,
      fold: k,
      name: `OULU-NPU P4 fold ${k} (train sessions 1-2, print 1 + replay 1, phones other than ${k}; test session 3, print 2 + replay 2, phone ${k})`,
      trainKeep: (v) => v.oulu!.session <= 2 && IN_TRAIN_INSTRUMENTS(v) && v.oulu!.phone !== k,
      testKeep: (v) => v.oulu!.session === 3 && IN_TEST_INSTRUMENTS(v) && v.oulu!.phone === k,
    }),
  );
}

/** P1, P2, then P3's and P4's folds. */
export function allOuluProtocolSplits(index: DatasetIndex): ProtocolSplit[] {
  return OULU_PROTOCOL_IDS.flatMap((p) => ouluProtocolSplits(index, p));
}

/** The file of the published list for a protocol, fold and part, relative to `Protocols/`. */
function protocolListFile(protocol: number, fold: number | null, part: SourceSplit): string {
  const base = part === 'train' ? 'Train' : part === 'val' ? 'Dev' : 'Test';
  return path.join(`Protocol_${protocol}`, fold === null ? `${base}.txt` : `${base}_${fold}.txt`);
}

/**
 * Compares the dataset's own protocol lists (`Protocols/Protocol_N/…txt`,
 * lines `<label>,<name>` with label `+1` live and negative for attacks) with
 * the splits computed here. Names the tree does not hold are summed up per
 * list; names in one list but not the other, and labels that contradict the
 * name's type, are `protocol-mismatch` issues. A missing list file is not an
 * issue (copies of the dataset differ in what they ship).
 */
export async function checkOuluProtocolFiles(index: DatasetIndex, protocolsDir: string): Promise<IndexIssue[]> {
  const issues: IndexIssue[] = [];
  const indexed = new Map(index.videos.map((v) => [stemOf(path.basename(v.path)), v]));
  for (const split of allOuluProtocolSplits(index)) {
    for (const part of ['train', 'val', 'test'] as const) {
      const rel = protocolListFile(Number(split.protocol), split.fold, part);
      const file = path.join(protocolsDir, rel);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue;
      }
      const listed = new Set<string>();
      const absent: string[] = [];
      text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === '') return;
        const m = /^([+-]?\d+)\s*,\s*(\S+)$/.exec(line);
        if (!m) {
          issues.push({ kind: 'bad-list-line', file, line: i + 1, message: `expected '<label>,<name>' such as '+1,1_1_01_1', got '${line}'` });
          return;
        }
        const name = stemOf(path.basename(m[2]!));
        listed.add(name);
        const v = indexed.get(name);
        if (!v) {
          absent.push(name);
          return;
        }
        if ((Number(m[1]) > 0) !== (v.label === 'live')) {
          issues.push({ kind: 'protocol-mismatch', file, line: i + 1, message: `${name} is labelled ${m[1]} but its type ${v.oulu!.type} makes it ${v.label}` });
        }
      });
      const ours = new Set(split[part].map((s) => stemOf(path.basename(s.video.path))));
      const onlyListed = [...listed].filter((n) => indexed.has(n) && !ours.has(n));
      const onlyOurs = [...ours].filter((n) => !listed.has(n));
      if (onlyListed.length > 0 || onlyOurs.length > 0) {
        const show = (xs: string[]) => xs.slice(0, 5).join(', ') + (xs.length > 5 ? `, … (${xs.length})` : '');
        issues.push({
          kind: 'protocol-mismatch',
          file,
          message: `${split.name} ${part}: ${onlyListed.length ? `listed but not in vidpad's split: ${show(onlyListed)}` : ''}${onlyListed.length && onlyOurs.length ? '; ' : ''}${onlyOurs.length ? `in vidpad's split but not listed: ${show(onlyOurs)}` : ''}`,
        });
      }
      if (absent.length > 0) {
        issues.push({ kind: 'missing-video', file, message: `${absent.length} listed video(s) are not in the tree, e.g. ${absent.slice(0, 3).join(', ')}` });
      }
    }
  }
  return issues;
}
