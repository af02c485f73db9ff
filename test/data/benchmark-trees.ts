/**
 * Small placeholder trees (empty files: the indexes never decode) in the
 * layouts of OULU-NPU, CASIA-FASD, Replay-Attack, MSU-MFSD, SiW and the
 * folder layout, written from each dataset's naming rules, for tests of
 * cross-dataset protocols and of the documented `vidpad dataset` examples.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function put(file: string, text = ''): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** OULU-NPU users 1-3 (Train), 21-22 (Dev), 36-38 (Test); phones 1-2, sessions 1-3, types 1-5. */
export function writeOuluTree(root: string): void {
  const folder = (u: number) => (u <= 20 ? 'Train_files' : u <= 35 ? 'Dev_files' : 'Test_files');
  for (const user of [1, 2, 3, 21, 22, 36, 37, 38]) {
    for (const phone of [1, 2]) for (const session of [1, 2, 3]) for (const type of [1, 2, 3, 4, 5]) {
      const stem = `${phone}_${session}_${String(user).padStart(2, '0')}_${type}`;
      put(path.join(root, folder(user), `${stem}.avi`));
      put(path.join(root, folder(user), `${stem}.txt`));
    }
  }
}

/** CASIA-FASD: 6 train and 4 test subjects, every file. */
export function writeCasiaTree(root: string): void {
  const files = ['1', '2', '3', '4', '5', '6', '7', '8', 'HR_1', 'HR_2', 'HR_3', 'HR_4'];
  for (const [release, n] of [['train_release', 6], ['test_release', 4]] as const) {
    for (let s = 1; s <= n; s++) for (const f of files) put(path.join(root, release, String(s), `${f}.avi`));
  }
}

/** Replay-Attack: clients 1-3 train, 4-5 devel, 6-8 test; every live and attack video, with face-locations. */
export function writeReplayTree(root: string): void {
  const parts = [['train', [1, 2, 3]], ['devel', [4, 5]], ['test', [6, 7, 8]]] as const;
  const attacks = [['print', 'highdef', 'photo'], ['mobile', 'mobile', 'photo'], ['mobile', 'mobile', 'video'], ['highdef', 'highdef', 'photo'], ['highdef', 'highdef', 'video']];
  for (const [part, clients] of parts) {
    for (const c of clients) {
      const client = `client${String(c).padStart(3, '0')}`;
      for (const light of ['controlled', 'adverse']) {
        const rels = [1, 2].map((a) => `real/${client}_session01_webcam_authenticate_${light}_${a}`);
        for (const support of ['fixed', 'hand']) for (const [d, s, m] of attacks) rels.push(`attack/${support}/attack_${d}_${client}_session01_${s}_${m}_${light}`);
        for (const rel of rels) {
          put(path.join(root, part, `${rel}.mov`));
          put(path.join(root, 'face-locations', part, `${rel}.face`));
        }
      }
    }
  }
}

/** MSU-MFSD: clients 2, 3, 5 train and 1, 4 test; both devices, live and 3 attacks, with .face and the lists. */
export function writeMsuTree(root: string): void {
  for (const c of [1, 2, 3, 4, 5]) {
    const client = `client${String(c).padStart(3, '0')}`;
    for (const device of ['android', 'laptop']) {
      const ext = device === 'android' ? '.mp4' : '.mov';
      const stems = [`real/real_${client}_${device}_SD_scene01`, ...['ipad_video', 'iphone_video', 'printed_photo'].map((a) => `attack/attack_${client}_${device}_SD_${a}_scene01`)];
      for (const s of stems) {
        put(path.join(root, 'scene01', `${s}${ext}`));
        put(path.join(root, 'scene01', `${s}.face`));
      }
    }
  }
  put(path.join(root, 'train_sub_list.txt'), '02\n03\n05\n');
  put(path.join(root, 'test_sub_list.txt'), '01\n04\n');
}

/** SiW: subjects 001-006 Train, 101-103 Test; live, print 1-2, replay 1-2 with .face. */
export function writeSiwPlaceholderTree(root: string): void {
  const subjects = [['Train', ['001', '002', '003', '004', '005', '006']], ['Test', ['101', '102', '103']]] as const;
  for (const [split, sids] of subjects) {
    for (const sid of sids) {
      const names = [[1, 1, 1], [2, 1, 1], [2, 2, 1], [3, 1, 1], [3, 2, 1]].map(([type, medium, session]) => [type === 1 ? 'live' : 'spoof', `${sid}-1-${type}-${medium}-${session}`] as const);
      for (const [label, stem] of names) {
        put(path.join(root, split, label, sid, `${stem}.mov`));
        put(path.join(root, split, label, sid, `${stem}.face`));
      }
    }
  }
}

/** Folder layout: subjects ann..fay, live and print/replay. */
export function writeFolderTree(root: string): void {
  for (const s of ['ann', 'ben', 'cat', 'dan', 'eve', 'fay']) {
    put(path.join(root, 'live', s, '1.mp4'));
    put(path.join(root, 'spoof', 'print', s, '1.mp4'));
    put(path.join(root, 'spoof', 'replay', s, '1.mp4'));
  }
}

/** Writes all six trees under `parent/<dataset>/` and returns `parent`. */
export function writeAllTrees(parent: string): string {
  writeOuluTree(path.join(parent, 'oulu-npu'));
  writeCasiaTree(path.join(parent, 'casia-fasd'));
  writeReplayTree(path.join(parent, 'replay-attack'));
  writeMsuTree(path.join(parent, 'msu-mfsd'));
  writeSiwPlaceholderTree(path.join(parent, 'siw'));
  writeFolderTree(path.join(parent, 'folder'));
  return parent;
}
