/**
 * Idiap Replay-Attack (Chingovska et al., BIOSIG 2012): indexing its
 * distribution and its protocols.
 *
 * Layout: `train/`, `devel/`, `test/`, each with `real/` and `attack/fixed/`,
 * `attack/hand/` (`enroll/`, the enrolment videos for face verification, is
 * not part of the anti-spoofing protocols and is skipped without an issue):
 * - live: `real/client001_session01_webcam_authenticate_adverse_1.mov`
 *   (client, session, the webcam, light `controlled` or `adverse`, attempt);
 * - attacks: `attack/<fixed|hand>/attack_<device>_client001_session01_<shown-on>_<photo|video>_<light>.mov`
 *   with device `print` (a print of the high-definition photo: `…_highdef_photo_…`),
 *   `mobile` (iPhone) or `highdef` (iPad); the support (fixed stand or hand)
 *   is the folder.
 * Face boxes: `face-locations/<part>/<same path>.face` (the separately
 * distributed face-locations archive, unpacked at the top of the tree), or a
 * `.face` beside the video; lines `frame x y width height` (`frame-xywh`).
 * Attack types: `print/photo`, `replay/mobile-photo`, `replay/mobile-video`,
 * `replay/highdef-photo`, `replay/highdef-video`. Subject: the client id.
 *
 * Protocols (bob.db.replay's attack subsets, applied to train, devel and
 * test alike; live videos are in all): `grandtest` (every attack), `print`,
 * `mobile`, `highdef` (one attack device), `photo` (print and both screens
 * showing a photo), `digitalphoto` (screens showing a photo), `video`
 * (screens showing a video). devel is the validation split.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.js';
import type { DatasetIndex, IndexIssue, ProtocolSplit, ReplayNameFields, SourceSplit, VideoEntry } from './types.js';
import { assertDir, listDir, relativeId, isSynthManifest } from './walk.js';
import { assertIndexOf, buildSplit, sortVideos, sortedIds, stemOf, strayIssue, unknownProtocol } from './layout-common.js';

export const REPLAY_PROTOCOLS = ['grandtest', 'print', 'mobile', 'highdef', 'photo', 'digitalphoto', 'video'] as const;
export type ReplayProtocolId = (typeof REPLAY_PROTOCOLS)[number];
export const REPLAY_ID_PREFIX = 'replay-attack/';
const PARTS: Readonly<Record<string, SourceSplit>> = Object.freeze({ train: 'train', devel: 'val', test: 'test' });
const PART_NAMES: Readonly<Record<SourceSplit, string>> = Object.freeze({ train: 'train', val: 'devel', test: 'test' });
const VIDEO_EXTENSIONS = ['.mov', '.mp4', '.avi'];

const REAL_RE = /^client(\d+)_session(\d+)_webcam_authenticate_(controlled|adverse)_(\d+)$/;
const ATTACK_RE = /^attack_(print|mobile|highdef)_client(\d+)_session(\d+)_(highdef|mobile)_(photo|video)_(controlled|adverse)$/;

/** Parses a Replay-Attack file stem (without the support, which is a folder); a reason string when it does not parse. */
export function parseReplayName(stem: string): Omit<ReplayNameFields, 'support'> | string {
  const real = REAL_RE.exec(stem);
  if (real) {
    return { client: real[1]!.padStart(3, '0'), session: real[2]!, light: real[3] as 'controlled' | 'adverse', attempt: Number(real[4]), device: null, medium: null };
  }
  const a = ATTACK_RE.exec(stem);
  if (a) {
    const device = a[1] as 'print' | 'mobile' | 'highdef';
    const shownOn = a[4]!;
    const medium = a[5] as 'photo' | 'video';
    if (device === 'print' && (medium !== 'photo' || shownOn !== 'highdef')) return `'${stem}': a print attack shows a print of the high-definition photo ('…_highdef_photo_…')`;
    if (device !== 'print' && shownOn !== device) return `'${stem}': the ${device} attack device shows its content on the ${device} screen, not on '${shownOn}'`;
    return { client: a[2]!.padStart(3, '0'), session: a[3]!, light: a[6] as 'controlled' | 'adverse', attempt: null, device, medium };
  }
  return (
    `'${stem}' is not a Replay-Attack name: live client<NNN>_session<NN>_webcam_authenticate_<controlled|adverse>_<n>, ` +
    'attack attack_<print|mobile|highdef>_client<NNN>_session<NN>_<highdef|mobile>_<photo|video>_<controlled|adverse>'
  );
}

export function replayAttackType(f: Pick<ReplayNameFields, 'device' | 'medium'>): string | null {
  if (f.device === null) return null;
  return f.device === 'print' ? 'print/photo' : `replay/${f.device}-${f.medium}`;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Indexes the Replay-Attack tree at `root` without decoding. InputError only
 * when none of train/, devel/, test/ is there; the rest is `issues`.
 */
export async function indexReplayAttack(root: string): Promise<DatasetIndex> {
  await assertDir(root, 'a Replay-Attack tree with train/, devel/ and test/');
  const issues: IndexIssue[] = [];
  const videos: VideoEntry[] = [];
  const top = await listDir(root);
  const partDirs = top.filter((e) => e.kind === 'dir' && PARTS[e.name.toLowerCase()] !== undefined);
  if (partDirs.length === 0) {
    throw new InputError(`${root}: not a Replay-Attack tree, expected the folders train/, devel/ and test/ in it (found: ${top.map((e) => e.name).join(', ') || 'nothing'})`);
  }
  for (const part of ['train', 'val', 'test'] as const) {
    if (!partDirs.some((d) => PARTS[d.name.toLowerCase()] === part)) {
      issues.push({ kind: 'bad-folder', file: path.join(root, PART_NAMES[part]), message: `missing folder ${PART_NAMES[part]}/: its videos are absent from every protocol` });
    }
  }
  const faceRoot = top.find((e) => e.kind === 'dir' && e.name.toLowerCase() === 'face-locations');
  for (const e of top) {
    if (partDirs.includes(e) || e === faceRoot || isSynthManifest(e) || (e.kind === 'dir' && e.name.toLowerCase() === 'enroll')) continue;
    issues.push(strayIssue(e.path, e.kind, 'Replay-Attack has train/, devel/, test/, enroll/ and face-locations/ at its top level'));
  }
  const missingFace: IndexIssue[] = [];
  const indexFolder = async (dir: string, part: SourceSplit, support: 'fixed' | 'hand' | null, partDir: string): Promise<void> => {
    const entries = await listDir(dir);
    const faceBeside = new Map(entries.filter((e) => e.kind === 'file' && path.extname(e.name).toLowerCase() === '.face').map((e) => [stemOf(e.name), e.path]));
    const where = support === null ? 'real/' : `attack/${support}/`;
    const stems = new Set<string>();
    for (const e of entries) {
      const ext = path.extname(e.name).toLowerCase();
      if (e.kind === 'file' && ext === '.face') continue;
      if (e.kind !== 'file' || !VIDEO_EXTENSIONS.includes(ext)) {
        issues.push(strayIssue(e.path, e.kind, `${where} holds .mov videos`));
        continue;
      }
      const stem = stemOf(e.name);
      const parsed = parseReplayName(stem);
      if (typeof parsed === 'string') {
        issues.push({ kind: 'bad-name', file: e.path, message: `${parsed}; not indexed` });
        continue;
      }
      if ((parsed.device === null) !== (support === null)) {
        issues.push({ kind: 'bad-name', file: e.path, message: `${parsed.device === null ? 'a live' : 'an attack'} name under ${where}; not indexed` });
        continue;
      }
      if (stems.has(stem)) {
        issues.push({ kind: 'extra-file', file: e.path, message: `a second video with the stem ${stem} (another extension); only the first is indexed` });
        continue;
      }
      stems.add(stem);
      const relFromPart = path.relative(partDir, path.join(dir, stem));
      const mirrored = faceRoot ? path.join(faceRoot.path, path.basename(partDir), `${relFromPart}.face`) : null;
      const faceFile = mirrored && (await isFile(mirrored)) ? mirrored : (faceBeside.get(stem) ?? null);
      if (!faceFile) missingFace.push({ kind: 'missing-face', file: e.path, message: `no face-locations/${path.basename(partDir)}/${relFromPart.split(path.sep).join('/')}.face (nor a .face beside it): its frames have no dataset face boxes` });
      videos.push({
        id: REPLAY_ID_PREFIX + relativeId(root, path.join(dir, stem)),
        path: e.path,
        label: support === null ? 'live' : 'spoof',
        attackType: replayAttackType(parsed),
        subject: parsed.client,
        sourceSplit: part,
        faceFile,
        ...(faceFile ? { faceFormat: 'frame-xywh' as const } : {}),
        replay: { ...parsed, support },
      });
    }
    for (const [stem, file] of faceBeside) if (!stems.has(stem)) issues.push({ kind: 'orphan-face', file, message: 'a .face file with no indexed video of the same stem beside it' });
  };
  for (const partDir of partDirs) {
    const part = PARTS[partDir.name.toLowerCase()]!;
    for (const e of await listDir(partDir.path)) {
      const name = e.name.toLowerCase();
      if (e.kind === 'dir' && name === 'real') await indexFolder(e.path, part, null, partDir.path);
      else if (e.kind === 'dir' && name === 'attack') {
        for (const s of await listDir(e.path)) {
          const support = s.name.toLowerCase();
          if (s.kind === 'dir' && (support === 'fixed' || support === 'hand')) await indexFolder(s.path, part, support, partDir.path);
          else issues.push(strayIssue(s.path, s.kind, 'attack/ holds fixed/ and hand/'));
        }
      } else issues.push(strayIssue(e.path, e.kind, `${partDir.name}/ holds real/ and attack/`));
    }
  }
  if (videos.length > 0 && !videos.some((v) => v.faceFile)) {
    // One issue, not one per video: the face-locations archive is a separate download many copies lack.
    issues.push({ kind: 'missing-face', file: path.join(root, 'face-locations'), message: "no face file for any video (Idiap's separate face-locations archive unpacked as face-locations/, or .face files beside the videos): every box comes from the detector" });
  } else issues.push(...missingFace);
  return { dataset: 'replay-attack', root, videos: sortVideos(videos), issues };
}

/** Does an attack belong to a protocol's attack subset? (Live videos belong to every protocol.) */
function inProtocol(protocol: ReplayProtocolId, v: VideoEntry): boolean {
  const r = v.replay!;
  if (r.device === null || protocol === 'grandtest') return true;
  if (protocol === 'print' || protocol === 'mobile' || protocol === 'highdef') return r.device === protocol;
  if (protocol === 'photo') return r.medium === 'photo';
  if (protocol === 'digitalphoto') return r.medium === 'photo' && r.device !== 'print';
  return r.medium === 'video';
}

/** The one split of a Replay-Attack protocol: train → train, devel → validation, test → test. */
export function replayProtocolSplits(index: DatasetIndex, protocol: ReplayProtocolId): ProtocolSplit[] {
  if (!REPLAY_PROTOCOLS.includes(protocol)) throw unknownProtocol('Replay-Attack', protocol, REPLAY_PROTOCOLS);
  assertIndexOf(index, 'replay-attack', 'Replay-Attack protocols');
  const keep = (v: VideoEntry) => inProtocol(protocol, v);
  const valSubjects = sortedIds(index.videos.filter((v) => v.sourceSplit === 'val').map((v) => v.subject));
  return [
    buildSplit(index, { dataset: 'replay-attack', protocol, fold: null, name: `Replay-Attack ${protocol} (train / devel / test)`, partOf: (v) => v.sourceSplit, trainKeep: keep, testKeep: keep, valSubjects }),
  ];
}
