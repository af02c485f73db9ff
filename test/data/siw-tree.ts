/**
 * A tiny SiW-shaped tree for tests: real H.264 videos (one .mov and one .mp4
 * made with ffmpeg, copied under every SiW name), `.face` files, and the list
 * of what was written, so tests can count protocol splits independently.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeVideo } from '../video/make-video.js';

export interface TreeVideo {
  split: 'Train' | 'Test';
  subject: string;
  sensor: number;
  type: 1 | 2 | 3;
  medium: number;
  session: number;
  ext: '.mov' | '.mp4';
  file: string;
}

export const TREE_FRAMES = 20;
export const TREE_TRAIN_SUBJECTS = ['001', '002', '004', '007', '010', '012', '015'];
export const TREE_TEST_SUBJECTS = ['101', '103', '120'];

/** Writes the tree under `root`; returns every well-formed video written. */
export function writeSiwTree(root: string): TreeVideo[] {
  const proto = path.join(root, '..', `proto-${path.basename(root)}`);
  mkdirSync(proto, { recursive: true });
  makeVideo(path.join(proto, 'v.mov'), { frames: TREE_FRAMES, width: 64, height: 48 });
  makeVideo(path.join(proto, 'v.mp4'), { frames: TREE_FRAMES, width: 64, height: 48 });
  const faceText = Array.from({ length: TREE_FRAMES }, (_, i) => (i === 3 ? '0 0 0 0' : `${10 + i} 8 ${40 + i} 40`)).join('\n') + '\n';
  const out: TreeVideo[] = [];
  const add = (v: Omit<TreeVideo, 'file'>): void => {
    const dir = path.join(root, v.split, v.type === 1 ? 'live' : 'spoof', v.subject);
    mkdirSync(dir, { recursive: true });
    const stem = `${v.subject}-${v.sensor}-${v.type}-${v.medium}-${v.session}`;
    const file = path.join(dir, stem + v.ext);
    copyFileSync(path.join(proto, `v${v.ext}`), file);
    writeFileSync(path.join(dir, `${stem}.face`), faceText);
    out.push({ ...v, file });
  };
  let k = 0;
  for (const [split, subjects] of [['Train', TREE_TRAIN_SUBJECTS], ['Test', TREE_TEST_SUBJECTS]] as const) {
    for (const subject of subjects) {
      // Not every subject has every attack: counts then differ between folds.
      const sid = Number(subject);
      for (const session of [1, 2, 3]) add({ split, subject, sensor: 1 + (session % 2), type: 1, medium: 1, session, ext: k++ % 2 ? '.mov' : '.mp4' });
      for (const medium of [1, 2]) if ((sid + medium) % 3 !== 0) add({ split, subject, sensor: 1, type: 2, medium, session: 1, ext: k++ % 2 ? '.mov' : '.mp4' });
      for (const medium of [1, 2, 3, 4]) if ((sid * medium) % 5 !== 1) add({ split, subject, sensor: 2, type: 3, medium, session: 2, ext: k++ % 2 ? '.mov' : '.mp4' });
    }
  }
  return out;
}
