/**
 * MSU-MFSD: the index and its subject-list protocol on a tree with the
 * dataset's name space (35 clients × 2 devices × (1 live + 3 attacks): 280
 * placeholder videos with .face files), the train and test lists, and counts
 * worked out here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexMsuMfsd, parseMsuName, msuProtocolSplits, countSplit, type DatasetIndex } from '../../src/data/index.js';
import { ConfigError } from '../../src/errors.js';

const TRAIN = [2, 3, 5, 6, 7, 8, 9, 11, 12, 21, 22, 34, 53, 54, 55];
const TEST = [1, 13, 14, 23, 24, 26, 28, 29, 30, 32, 33, 35, 36, 37, 39, 42, 48, 49, 50, 51];
const ATTACKS = ['ipad_video', 'iphone_video', 'printed_photo'];

let tmp = '';
let root = '';
let index: DatasetIndex;

function put(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
}

function writeTree(r: string, clients: number[]): void {
  for (const c of clients) {
    const client = `client${String(c).padStart(3, '0')}`;
    for (const device of ['android', 'laptop']) {
      const ext = device === 'android' ? '.mp4' : '.mov';
      const live = `real_${client}_${device}_SD_scene01`;
      put(path.join(r, 'scene01', 'real', live + ext));
      put(path.join(r, 'scene01', 'real', `${live}.face`));
      for (const a of ATTACKS) {
        const stem = `attack_${client}_${device}_SD_${a}_scene01`;
        put(path.join(r, 'scene01', 'attack', stem + ext));
        put(path.join(r, 'scene01', 'attack', `${stem}.face`));
      }
    }
  }
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vidpad-msu-'));
  root = path.join(tmp, 'MSU-MFSD');
  writeTree(root, [...TRAIN, ...TEST]);
  writeFileSync(path.join(root, 'train_sub_list.txt'), TRAIN.map((c) => String(c).padStart(2, '0')).join('\n') + '\n');
  writeFileSync(path.join(root, 'test_sub_list.txt'), TEST.map((c) => String(c).padStart(2, '0')).join('\r\n'));
  index = await indexMsuMfsd(root);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('MSU-MFSD names: client, device and attack', () => {
  assert.deepEqual(parseMsuName('real_client002_android_SD_scene01'), { client: '002', device: 'android', attack: null, scene: 'scene01' });
  assert.deepEqual(parseMsuName('attack_client055_laptop_SD_printed_photo_scene01'), { client: '055', device: 'laptop', attack: 'printed_photo', scene: 'scene01' });
  for (const bad of ['real_client002_iphone_SD_scene01', 'attack_client002_android_SD_paper_scene01', 'real_client002_android_HD_scene01', 'client002_android_SD_scene01']) assert.equal(typeof parseMsuName(bad), 'string', bad);
});

test('the full tree: 280 videos with .face files, 15 train and 20 test clients from the lists, no issue', () => {
  assert.deepEqual(index.issues, []);
  assert.equal(index.videos.length, 280);
  assert.equal(new Set(index.videos.filter((v) => v.sourceSplit === 'train').map((v) => v.subject)).size, 15);
  assert.equal(new Set(index.videos.filter((v) => v.sourceSplit === 'test').map((v) => v.subject)).size, 20);
  const v = index.videos.find((x) => x.id === 'msu-mfsd/scene01/attack/attack_client053_laptop_SD_iphone_video_scene01')!;
  assert.deepEqual([v.attackType, v.subject, v.sourceSplit, v.faceFormat], ['replay/iphone-video', '053', 'train', 'frame-corners']);
  assert.ok(v.path.endsWith('.mov'));
});

test('protocol all: the train list trains (every third client validates), the test list tests', () => {
  const [split] = msuProtocolSplits(index);
  // Train clients sorted: 2 3 5 6 7 8 9 11 12 21 22 34 53 54 55 → every third: 5, 8, 12, 34, 55.
  assert.deepEqual(split!.valSubjects, ['005', '008', '012', '034', '055']);
  for (const [part, clients] of [['train', 10], ['val', 5], ['test', 20]] as const) {
    const c = countSplit(split![part]);
    assert.deepEqual({ live: c.live, spoof: c.spoof, subjects: c.subjects }, { live: 2 * clients, spoof: 6 * clients, subjects: clients }, part);
  }
  assert.deepEqual(countSplit(split!.test).byAttackType, { 'print/printed-photo': 40, 'replay/ipad-video': 40, 'replay/iphone-video': 40 });
  const [given] = msuProtocolSplits(index, 'all', { valSubjects: ['2', '03'] });
  assert.deepEqual(given!.valSubjects, ['002', '003']);
  assert.throws(() => msuProtocolSplits(index, 'all', { valSubjects: ['1'] }), (e: unknown) => e instanceof ConfigError && /training clients/.test(e.message));
});

test('missing lists, unlisted clients and clients in both lists are issues; such videos are in no split', async () => {
  const r = path.join(tmp, 'lists');
  writeTree(r, [1, 2, 3]);
  let ix = await indexMsuMfsd(r);
  assert.deepEqual(ix.issues.map((i) => i.kind).sort(), ['missing-list', 'missing-list']);
  assert.throws(() => msuProtocolSplits(ix), (e: unknown) => e instanceof ConfigError && /train_sub_list\.txt/.test(e.message));
  writeFileSync(path.join(r, 'train_sub_list.txt'), '01\n02 x3\n');
  writeFileSync(path.join(r, 'test_sub_list.txt'), '02\n');
  ix = await indexMsuMfsd(r);
  const kinds = ix.issues.map((i) => i.kind);
  assert.equal(kinds.filter((k) => k === 'bad-list-line').length, 1);
  assert.equal(kinds.filter((k) => k === 'subject-in-several-splits').length, 8);
  assert.equal(kinds.filter((k) => k === 'unlisted-subject').length, 8);
  const [split] = msuProtocolSplits(ix);
  assert.equal(split!.train.length + split!.val.length + split!.test.length, 8);
});
